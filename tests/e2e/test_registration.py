"""A newcomer registers in their own language, in a real browser, and reads the programme."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from conference.web import i18n
from tests.support.seed import small_conference

pytestmark = pytest.mark.e2e


def _t(code: str, message: str, **values: object) -> str:
    """The catalog's translation, which must exist: an untranslated string fails the test."""
    language = i18n.load(code)
    assert language.has(message), f"{message!r} has no {code} translation"
    return language.gettext(message, **values)


def _fill_registration(page: Page, name: str, email: str, languages: list[str]) -> None:
    page.fill("#name", name)
    page.fill("#email", email)
    for i, tag in enumerate(languages, start=1):
        page.select_option(f"#language_{i}", tag)
    page.check("input[name=sessions][value='1']")


def _confirm_from_mail(page: Page, server, lang: str = "en") -> None:
    """The owner opens the emailed link and confirms, as registering now asks."""
    expect(page.locator("h1")).to_have_text(_t(lang, "Check your email"))
    match = re.search(r"http://\S+/register/confirm/[\w-]+", server.sent_mail()[-1])
    assert match, "the confirmation mail holds no link"
    page.goto(match.group(0))
    page.click("form button[type=submit]")


def test_register_in_spanish_with_an_error_first(browser: Browser, live_server_factory) -> None:
    server = live_server_factory(small_conference)
    context = browser.new_context(locale="es-ES", timezone_id="America/Mexico_City")
    page = context.new_page()
    page.goto(f"{server.url}/register")

    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("h1")).to_have_text(
        _t("es", "Register for %(name)s", name="Global Conversations")
    )
    # Languages are offered in their own names; the timezone comes from the browser.
    expect(page.locator("#language_1 option[value=id]")).to_have_text("Bahasa Indonesia")
    expect(page.locator("#language_1 option[value=ar]")).to_have_text("العربية")
    expect(page.locator("#timezone")).to_have_value("America/Mexico_City")

    _fill_registration(page, "María Pérez", "maria@example", ["es", "en"])
    page.check("input[name=need_data]")
    page.fill("#data_country", "MX")
    page.fill("#data_carrier", "Telcel")
    page.fill("#data_gb", "5")
    page.click("button[type=submit]")

    # The message stands next to the field, and what she typed is kept.
    expect(page.locator("#email-error")).to_have_text(
        _t("es", "This is not an email address, such as name@example.org.")
    )
    expect(page.locator("#name")).to_have_value("María Pérez")
    expect(page.locator("#language_2")).to_have_value("en")
    expect(page.locator("#data_carrier")).to_have_value("Telcel")

    page.fill("#email", "maria@example.org")
    page.click("button[type=submit]")
    _confirm_from_mail(page, server, "es")
    expect(page.locator(".notice")).to_contain_text(_t("es", "You are registered."))
    link = page.locator("#private-link").get_attribute("href")
    assert link and re.fullmatch(rf"{server.url}/registration/[A-Za-z0-9_-]{{43}}", link)

    # The private link works in another browser, without signing in, and shows her answers.
    other = browser.new_context(locale="es-ES").new_page()
    other.goto(link)
    expect(other.locator("#name")).to_have_value("María Pérez")
    expect(other.locator("#timezone")).to_have_value("America/Mexico_City")
    expect(other.locator("#language_1")).to_have_value("es")
    expect(other.locator("#support-status")).to_contain_text(_t("es", "requested"))
    other.context.close()
    context.close()


def test_register_in_arabic_right_to_left(browser: Browser, live_server_factory) -> None:
    server = live_server_factory(small_conference)
    context = browser.new_context(locale="ar-EG", timezone_id="Africa/Cairo")
    page = context.new_page()
    page.goto(f"{server.url}/register")

    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    expect(page.locator("button[type=submit]")).to_have_text(_t("ar", "Register"))

    _fill_registration(page, "ليلى حسن", "layla@example.org", ["ar", "fr"])
    page.check("input[name=need_childcare]")
    page.fill("#childcare_children", "-1")
    page.check("input[name=childcare_sessions][value='1']")
    page.click("button[type=submit]")
    expect(page.locator("#childcare_children-error")).to_have_text(
        _t("ar", "This must be at least %(minimum)s.", minimum=1)
    )
    expect(page.locator("#name")).to_have_value("ليلى حسن")

    page.fill("#childcare_children", "2")
    page.click("button[type=submit]")
    _confirm_from_mail(page, server, "ar")
    expect(page.locator(".notice")).to_contain_text(_t("ar", "You are registered."))
    expect(page.locator("#language_1")).to_have_value("ar")
    expect(page.locator("#timezone")).to_have_value("Africa/Cairo")
    context.close()


def test_language_switcher_overrides_the_browser(browser: Browser, live_server_factory) -> None:
    server = live_server_factory(small_conference)
    page = browser.new_context(locale="en-GB").new_page()
    page.goto(f"{server.url}/programme")
    page.click("nav.languages a[lang=fr]")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("h1")).to_have_text(_t("fr", "Programme"))
    page.goto(f"{server.url}/register")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.context.close()


def test_programme_in_kolkata_time(browser: Browser, live_server_factory) -> None:
    server = live_server_factory(small_conference)
    context = browser.new_context(locale="en-IN", timezone_id="Asia/Kolkata")
    page = context.new_page()

    # Before registering: the browser's timezone, and a picker for another one.
    page.goto(f"{server.url}/programme")
    first = page.locator("#session-1 .when time").first
    expect(first).to_have_text(re.compile(r"^6:30\s?PM$"))
    page.select_option("#tz", "UTC")
    page.click("#timezone-picker button")
    expect(first).to_have_text(re.compile(r"^1:00\s?PM$"))

    # After registering (the form takes Asia/Kolkata from the browser), it is the default.
    page.goto(f"{server.url}/register")
    expect(page.locator("#timezone")).to_have_value("Asia/Kolkata")
    _fill_registration(page, "Asha Rao", "asha@example.org", ["hi", "en"])
    page.click("button[type=submit]")
    _confirm_from_mail(page, server)
    expect(page.locator(".notice")).to_be_visible()
    page.goto(f"{server.url}/programme")
    expect(page.locator("#shown-zone")).to_contain_text("Asia/Kolkata")
    expect(page.locator("#session-1 .when time").first).to_have_text(re.compile(r"^6:30\s?PM$"))
    expect(page.locator("#session-1 .when time").nth(1)).to_have_text(re.compile(r"^8:00\s?PM$"))
    expect(page.locator("#session-1")).to_contain_text("You are attending")
    expect(page.locator("#session-2")).not_to_contain_text("You are attending")
    context.close()

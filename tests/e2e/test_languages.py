"""The interface in Chinese, Russian, German, Indonesian and Hindi, in a real browser.

Each language is chosen from the browser's own language, its pages say so in ``<html lang>``,
read left to right, show the catalog's words, and draw Han and Devanagari with a font that has
them (fonts-noto-cjk, fonts-noto-core). Screenshots go to test-artifacts/languages/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from conference.web import i18n
from tests.support.seed import small_conference

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "languages"
# What each language's browser says it wants (Playwright sends it as Accept-Language).
BROWSER_LOCALE = {"zh-Hans": "zh-CN", "ru": "ru-RU", "de": "de-DE", "id": "id-ID", "hi": "hi-IN"}
# How the conference's month (December 2026) reads in the dates Babel formats.
DECEMBER = {"zh-Hans": "12月", "ru": "декабря", "de": "Dezember", "id": "Desember", "hi": "दिसंबर"}
# The font family a script needs; without it Chromium draws empty boxes.
SCRIPT_FONT = {"zh-Hans": "CJK", "hi": "Devanagari"}


def _t(code: str, message: str, **values: object) -> str:
    language = i18n.load(code)
    assert language.has(message), f"{message!r} has no {code} translation"
    return language.gettext(message, **values)


def _fonts_drawing(page: Page, selector: str) -> list[str]:
    """The fonts Chromium used for the text of ``selector`` (from DevTools' CSS domain)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts: list[dict[str, Any]] = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cdp.detach()
    return [f["familyName"] for f in fonts if f["glyphCount"] > 0]


def _the_page_is_in(page: Page, code: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", code)
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    switcher = page.locator("nav.languages a")
    expect(switcher).to_have_count(len(i18n.INTERFACE_LANGUAGES))
    expect(page.locator("nav.languages a[aria-current=true]")).to_have_attribute("lang", code)
    expect(page.locator("header.site nav").first.locator("a[href='/programme']")).to_have_text(
        _t(code, "Programme")
    )


@pytest.mark.parametrize("code", list(BROWSER_LOCALE))
def test_home_programme_and_register_pages_in_the_browsers_language(
    browser: Browser, live_server_factory, code: str
) -> None:
    server = live_server_factory(small_conference)
    context = browser.new_context(
        locale=BROWSER_LOCALE[code], timezone_id="UTC", viewport={"width": 1000, "height": 900}
    )
    page = context.new_page()
    SHOTS.mkdir(parents=True, exist_ok=True)

    page.goto(f"{server.url}/")
    _the_page_is_in(page, code)
    expect(page.locator("main a.button[href='/register']")).to_have_text(_t(code, "Register"))
    expect(page.locator("main p").first).to_contain_text(DECEMBER[code])
    page.screenshot(path=SHOTS / f"{code}-home.png", full_page=True)

    page.goto(f"{server.url}/programme")
    _the_page_is_in(page, code)
    expect(page.locator("h1")).to_have_text(_t(code, "Programme"))
    expect(page.locator("#timezone-picker label")).to_have_text(_t(code, "Show times in"))
    expect(page.locator("#session-1 .muted").first).to_have_text(_t(code, "plenary"))
    expect(page.locator("#session-2 .muted").first).to_have_text(_t(code, "breakout"))
    expect(page.locator("#session-1")).to_contain_text(_t(code, "Interpretation"))
    expect(page.locator(".day h2").first).to_contain_text(DECEMBER[code])
    page.screenshot(path=SHOTS / f"{code}-programme.png", full_page=True)

    page.goto(f"{server.url}/register")
    _the_page_is_in(page, code)
    expect(page.locator("h1")).to_have_text(
        _t(code, "Register for %(name)s", name="Global Conversations")
    )
    expect(page.locator("#languages legend")).to_have_text(
        _t(code, "Languages you understand, most preferred first")
    )
    expect(page.locator("#registration-form button[type=submit]")).to_have_text(
        _t(code, "Register")
    )
    page.screenshot(path=SHOTS / f"{code}-register.png", full_page=True)

    if code in SCRIPT_FONT:
        for selector in ("h1", "#languages legend", "label[for=timezone]"):
            fonts = _fonts_drawing(page, selector)
            assert any(SCRIPT_FONT[code] in family for family in fonts), (selector, fonts)
    context.close()


def test_the_switcher_offers_each_language_in_its_own_name(
    browser: Browser, live_server_factory
) -> None:
    server = live_server_factory(small_conference)
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.goto(f"{server.url}/programme")
    expect(page.locator("nav.languages a")).to_have_text(
        [language.name for language in i18n.all_languages()]
    )
    for code in BROWSER_LOCALE:
        page.click(f"nav.languages a[lang={code}]")
        expect(page).to_have_url(f"{server.url}/programme")
        expect(page.locator("html")).to_have_attribute("lang", code)
        expect(page.locator("h1")).to_have_text(_t(code, "Programme"))
    # The choice is remembered on the next page, whatever the browser says.
    page.goto(f"{server.url}/register")
    expect(page.locator("html")).to_have_attribute("lang", "hi")
    context.close()

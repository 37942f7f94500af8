"""Keyboard only, in real Chromium: registering, joining a room and choosing a language, and
the interpreter's on air, handover and cough (docs/console.md). No clicks after signing in.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect

from conference.app import create_app
from conference.settings import Settings
from conference.storage.engine import make_engine, session
from conference.storage.tables import Registration
from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS, MEDIA_FLAGS
from tests.support.browser import sign_in, wait_until
from tests.support.interpretation_seed import PLENARY, interpretation_conference
from tests.support.live import free_port, serving

pytestmark = pytest.mark.e2e


@dataclass
class Site:
    url: str
    app: Any
    browser: Browser

    def page(self, email: str | None = None) -> Page:
        page = self.browser.new_context(timezone_id="Europe/Madrid").new_page()
        page.set_default_timeout(15_000)
        if email:
            sign_in(page, self.url, self.app, email)
        return page


@pytest.fixture(scope="module")
def site(
    playwright: Playwright, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("keyboard")
    path = tmp / "keyboard.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    ids = interpretation_conference(engine)
    with session(engine) as db:
        db.add(
            Registration(
                conference_id=1, person_id=ids["lea"], languages=["es", "en"],
                timezone="Europe/Madrid", token="reg-lea-keys",
            )
        )  # fmt: skip
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = create_app(
        Settings(database_url=f"sqlite:///{path}", secret_key="keys-" + "k" * 40, site_url=url),
        engine,
    )
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_FLAGS, *MEDIA_FLAGS]
    )
    try:
        with serving(app, port):
            yield Site(url, app, browser)
    finally:
        browser.close()
        engine.dispose()


def tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(limit):
        if page.evaluate(f"document.activeElement?.matches({selector!r}) ?? false"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def test_registering_with_the_keyboard_alone(site: Site) -> None:
    page = site.page()
    page.goto(f"{site.url}/register")
    tab_to(page, "#name")
    page.keyboard.type("Kim Keys")
    page.keyboard.press("Tab")
    page.keyboard.type("kim@example.org")
    tab_to(page, "#timezone")
    expect(page.locator("#timezone")).to_have_value("Europe/Madrid")  # from the browser
    tab_to(page, "#language_1")
    page.keyboard.type("Esp")  # a closed select jumps to the option typed
    expect(page.locator("#language_1")).to_have_value("es")
    tab_to(page, "input[name=sessions]")
    page.keyboard.press("Space")
    expect(page.locator("input[name=sessions]").first).to_be_checked()
    tab_to(page, "#registration-form button[type=submit]")
    page.keyboard.press("Enter")
    mail = site.app.state.services.mailer
    wait_until(lambda: any("kim@example.org" in str(m["To"]) for m in mail.sent), "the mail")
    link = re.search(r"http://\S+/register/confirm/[\w-]+", mail.sent[-1].get_content())
    assert link
    page.goto(link.group(0))
    tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator(".notice")).to_contain_text("You are registered.")
    page.context.close()


def test_joining_a_room_and_choosing_a_language_with_the_keyboard(site: Site) -> None:
    page = site.page("lea@example.org")
    page.goto(f"{site.url}/programme")
    tab_to(page, f'a.join[href="/rooms/session/{PLENARY}"]')
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/rooms/session/{PLENARY}")
    wait_until(lambda: page.evaluate("window.__room?.peerState") == "connected", "the room")
    wait_until(lambda: page.evaluate("window.__room.language") == "es", "Spanish, as registered")
    tab_to(page, "#language-select")
    page.keyboard.press("ArrowDown")  # Español → Français
    wait_until(lambda: page.evaluate("window.__room.language") == "fr", "French by keyboard")
    page.keyboard.press("Home")  # back to the original
    wait_until(lambda: page.evaluate("window.__room.language") == "original", "the original")
    page.context.close()


def test_on_air_handover_and_cough_with_the_keyboard(site: Site) -> None:
    ivan, iris = site.page("ivan@example.org"), site.page("iris@example.org")
    try:
        for page in (ivan, iris):
            page.goto(f"{site.url}/interpret/session/{PLENARY}")
            wait_until(lambda p=page: p.evaluate("window.__booth?.booth") is not None, "console")
        # M: on air. The key says so in words and in its pressed state.
        ivan.keyboard.press("m")
        expect(ivan.locator("#on-air-button")).to_have_attribute("aria-pressed", "true")
        expect(ivan.locator("#air-state")).to_have_text("You are on air")
        expect(iris.locator("#air-state")).to_have_text("Ivan Interpreter is on air")
        # H on Iris's console asks for the air; both consoles show it with the names.
        iris.keyboard.press("h")
        expect(ivan.locator("#handover")).to_have_attribute("data-state", "requested")
        expect(ivan.locator("#handover-state")).to_have_text("Iris Interpreter asks for the air")
        expect(iris.locator("#handover-state")).to_contain_text("You asked Ivan Interpreter")
        expect(ivan.locator("#console-announce")).to_have_text("Iris Interpreter asks for the air")
        # H on Ivan's console accepts: Iris is on air, and both see the handover done.
        ivan.keyboard.press("h")
        expect(iris.locator("#on-air-button")).to_have_attribute("aria-pressed", "true")
        expect(iris.locator("#handover")).to_have_attribute("data-state", "accepted")
        expect(ivan.locator("#handover-state")).to_have_text(
            "Handover done: Iris Interpreter is on air."
        )
        # C held: a cough; released: on air again.
        iris.keyboard.down("c")
        expect(iris.locator("#air-state")).to_have_attribute("data-state", "coughing")
        expect(ivan.locator("#air-state")).to_have_attribute("data-state", "coughing")
        iris.keyboard.up("c")
        expect(iris.locator("#air-state")).to_have_attribute("data-state", "on_air")
        # The mic key itself, reached with Tab and pressed with Space, goes off air.
        tab_to(iris, "#on-air-button")
        iris.keyboard.press("Space")
        expect(iris.locator("#air-state")).to_have_attribute("data-state", "idle")
        # While typing in the booth chat, M is a letter; Alt+M is the mic key.
        tab_to(ivan, "#booth-chat-text")
        ivan.keyboard.type("mm")
        expect(ivan.locator("#booth-chat-text")).to_have_value("mm")
        expect(ivan.locator("#air-state")).to_have_attribute("data-state", "idle")
        ivan.keyboard.press("Alt+m")
        expect(ivan.locator("#air-state")).to_have_attribute("data-state", "on_air")
        ivan.keyboard.press("Alt+m")
        expect(ivan.locator("#air-state")).to_have_attribute("data-state", "idle")
    finally:
        for page in (ivan, iris):
            page.context.close()

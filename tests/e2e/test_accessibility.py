"""Accessibility in real Chromium: axe-core on every page people use, in English and Arabic,
and no control that is hidden or does not apply on the live pages.

axe-core comes from the axe-playwright-python package (the test extras install it). The
goal is 0 violations; each page's count is printed (-s) so a run shows the figures.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, Playwright, expect

from conference.app import create_app
from conference.settings import Settings
from conference.storage.engine import make_engine, session
from conference.storage.tables import Registration
from conference.storage.tables import Session as ProgrammeSession
from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS, MEDIA_FLAGS
from tests.support.browser import sign_in, wait_until
from tests.support.interpretation_seed import BREAKOUT, PLENARY, interpretation_conference
from tests.support.live import free_port, serving

pytestmark = pytest.mark.e2e

LANGUAGES = ["en", "ar"]
LIGHTNING = 3  # after the seed's plenary and breakout
AXE = Axe()


@dataclass
class Site:
    url: str
    app: Any
    browser: Browser

    def person(self, email: str | None, lang: str) -> Page:
        page = self.browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{self.url}/language?set={lang}")
        if email:
            sign_in(page, self.url, self.app, email)
        return page


@pytest.fixture(scope="module")
def site(
    playwright: Playwright, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("a11y")
    path = tmp / "a11y.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    ids = interpretation_conference(engine)
    with session(engine) as db:
        plenary = db.get(ProgrammeSession, PLENARY)
        assert plenary is not None
        db.add(
            ProgrammeSession(
                conference_id=1, title="Lightning talks", kind="lightning",
                start=plenary.end, end=plenary.end.replace(hour=15),
                floor_languages=["en"], interpretation_languages=["es"],
            )
        )  # fmt: skip
        db.add(
            Registration(
                conference_id=1, person_id=ids["lea"], languages=["es", "en"],
                timezone="Europe/Madrid", token="reg-lea-a11y",
            )
        )  # fmt: skip
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = create_app(
        Settings(database_url=f"sqlite:///{path}", secret_key="a11y-" + "a" * 40, site_url=url),
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


def violations(page: Page, name: str) -> list[str]:
    results = AXE.run(page)
    found = [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(
            n["target"][0] if isinstance(n["target"][0], str) else str(n["target"])
            for n in v["nodes"][:4]
        )  # fmt: skip
        for v in results.response["violations"]
    ]
    print(f"axe {name}: {len(found)} violations")
    return found


def visible_hidden(page: Page) -> list[str]:
    """Elements carrying the hidden attribute that still take up room on the page."""
    found: list[str] = page.evaluate(
        """() => [...document.querySelectorAll('[hidden]')]
            .filter((el) => getComputedStyle(el).display !== 'none')
            .map((el) => el.id || el.outerHTML.slice(0, 80))"""
    )
    return found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_public_pages_have_no_axe_violations(site: Site, lang: str) -> None:
    page = site.person(None, lang)
    found = {}
    for path in ("/", "/register", "/programme", "/signin"):
        page.goto(f"{site.url}{path}")
        found[path] = violations(page, f"{path} [{lang}]")
    page.goto(f"{site.url}/registration/reg-lea-a11y")
    found["registration"] = violations(page, f"registration [{lang}]")
    page.context.close()
    assert found == {path: [] for path in found}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_live_pages_have_no_axe_violations_and_show_no_hidden_control(
    site: Site, lang: str
) -> None:
    lea = site.person("lea@example.org", lang)
    ivan = site.person("ivan@example.org", lang)
    olu = site.person("organiser@example.org", lang)
    found: dict[str, list[str]] = {}
    shown: dict[str, list[str]] = {}
    try:
        ivan.goto(f"{site.url}/interpret/session/{PLENARY}")
        wait_until(lambda: ivan.evaluate("window.__booth?.booth") is not None, "the console")
        found["console"] = violations(ivan, f"console [{lang}]")
        shown["console"] = visible_hidden(ivan)
        # Nothing pending: no answer keys; one language: no retour; off air: no cough key.
        for control in ("#answer-accept", "#answer-decline", "#retour-button", "#cough-button"):
            expect(ivan.locator(control)).to_be_hidden()

        lea.goto(f"{site.url}/rooms/session/{PLENARY}")
        wait_until(lambda: lea.evaluate("window.__room?.peerState") == "connected", "the room")
        wait_until(lambda: lea.evaluate("window.__room?.language") == "es", "Lea's picker")
        found["room"] = violations(lea, f"room [{lang}]")
        shown["room"] = visible_hidden(lea)
        # The main room: no way "back to the main room"; audio plays: no "start audio".
        expect(lea.locator("#back-to-main")).to_be_hidden()
        expect(lea.locator("#start-audio")).to_be_hidden()
        expect(lea.locator("#picker")).to_be_visible()

        olu.goto(f"{site.url}/interpret/session/{PLENARY}/board")
        wait_until(lambda: olu.evaluate("window.__board.boards().length") > 0, "the board")
        found["board"] = violations(olu, f"board [{lang}]")
        shown["board"] = visible_hidden(olu)

        lea.goto(f"{site.url}/rooms/session/{LIGHTNING}")
        wait_until(lambda: lea.evaluate("window.__room?.peerState") == "connected", "the stage")
        found["stage"] = violations(lea, f"stage [{lang}]")
        shown["stage"] = visible_hidden(lea)
        # The lightning block has no booth open: no language picker at all.
        expect(lea.locator("#picker")).to_be_hidden()

        for path in ("/organiser/plan", "/organiser/plan/roster", "/organiser/plan/lightning",
                     "/organiser/plan/support", f"/organiser/plan/breakouts/{BREAKOUT}"):  # fmt: skip
            olu.goto(f"{site.url}{path}")
            found[path] = violations(olu, f"{path} [{lang}]")
    finally:
        for page in (lea, ivan, olu):
            page.context.close()
    assert shown == {name: [] for name in shown}
    assert found == {name: [] for name in found}


def test_a_disabled_button_looks_disabled(site: Site) -> None:
    """The mic key of the partner off air is disabled while the other is on air: it must not
    look like the enabled key."""
    ivan = site.person("ivan@example.org", "en")
    iris = site.person("iris@example.org", "en")
    try:
        for page in (ivan, iris):
            page.goto(f"{site.url}/interpret/session/{PLENARY}")
            wait_until(lambda p=page: p.evaluate("window.__booth?.booth") is not None, "console")
        style = (
            "(el) => getComputedStyle(el).backgroundColor + ' ' + getComputedStyle(el).borderStyle"
        )
        enabled = iris.eval_on_selector("#on-air-button", style)
        ivan.click("#on-air-button")
        expect(iris.locator("#on-air-button")).to_be_disabled()
        assert iris.eval_on_selector("#on-air-button", style) != enabled
        ivan.click("#on-air-button")  # off air again, for the tests after this one
        expect(iris.locator("#on-air-button")).to_be_enabled()
    finally:
        for page in (ivan, iris):
            page.context.close()

"""Ranking a poll in real Chromium: by drag and drop, and with the keyboard alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.engine import Engine
from sqlmodel import select

from conference.storage.engine import session
from conference.storage.tables import Ballot, Person, Poll
from tests.support.browser import sign_in
from tests.support.seed import small_conference

pytestmark = pytest.mark.e2e

OPTIONS = [
    "Safety online",
    "Local languages",
    "Funding for small affiliates",
    "Mentoring newcomers",
]
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _seed(engine: Engine) -> None:
    small_conference(engine)
    with session(engine) as db:
        db.add(Person(name="Amara", email="amara@example.org", roles=["participant"]))
        db.add(
            Poll(
                conference_id=1,
                title="Which initiatives matter most?",
                options=OPTIONS,
                status="open",
            )
        )


def _ranked(page: Page) -> list[str]:
    return page.locator("#ranked li .label").all_inner_texts()


def test_rank_by_drag_and_drop_then_change_with_the_keyboard(
    browser: Browser, live_server_factory
) -> None:
    server = live_server_factory(_seed)
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    sign_in(page, server.url, server.app, "amara@example.org")
    page.goto(f"{server.url}/polls")
    page.click("text=Which initiatives matter most?")
    expect(page.locator("#ranked-empty")).to_be_visible()

    # Drag two options into "My ranking", the second above the first.
    page.locator("#unranked li", has_text="Local languages").drag_to(page.locator("#ranked"))
    page.locator("#unranked li", has_text="Mentoring newcomers").drag_to(
        page.locator("#ranked li", has_text="Local languages"), target_position={"x": 10, "y": 2}
    )
    assert _ranked(page) == ["Mentoring newcomers", "Local languages"]
    expect(page.locator("#ranked-empty")).to_be_hidden()

    # The keyboard alone: focus an option, Enter adds it, Alt+Up moves it up.
    page.locator("#unranked li", has_text="Safety online").focus()
    page.keyboard.press("Enter")
    assert _ranked(page) == ["Mentoring newcomers", "Local languages", "Safety online"]
    page.locator("#ranked li", has_text="Safety online").focus()
    page.keyboard.press("Alt+ArrowUp")
    page.keyboard.press("Alt+ArrowUp")
    assert _ranked(page) == ["Safety online", "Mentoring newcomers", "Local languages"]
    expect(page.locator("#ranking-status")).to_have_text("Safety online is now number 1.")
    # Its buttons work from the keyboard too: remove the last one.
    page.locator("#ranked li", has_text="Local languages").locator("button.remove").focus()
    page.keyboard.press("Enter")
    assert _ranked(page) == ["Safety online", "Mentoring newcomers"]
    page.click("#ballot button[type=submit]")
    expect(page.locator("#saved")).to_be_visible()
    assert _ranked(page) == ["Safety online", "Mentoring newcomers"]
    with session(server.app.state.services.engine) as db:
        (ballot,) = db.exec(select(Ballot)).all()
        assert ballot.ranking == [0, 3]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "poll-ballot-en.png"), full_page=True)
    page.goto(f"{server.url}/language?set=ar&next=/polls/1")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.screenshot(path=str(SHOTS / "poll-ballot-ar.png"), full_page=True)
    context.close()

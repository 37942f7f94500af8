"""Breakout notes in real Chromium: two people type at once, the rapporteur sums up.

Ada and Bruno share a breakout room of the breakout session; both type into the shared
notes at the same moment, each sees the other's words merged with their own, Ada volunteers
as rapporteur and writes the summary after the rooms close, and the organiser reads it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.engine import Engine

from conference.storage.engine import session
from conference.storage.tables import Person
from tests.support.browser import join_room, wait_until
from tests.support.seed import small_conference

pytestmark = pytest.mark.e2e

BREAKOUT = 2
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _seed(engine: Engine) -> None:
    small_conference(engine)
    with session(engine) as db:
        db.add(Person(name="Ada", email="ada@example.org", roles=["participant"]))
        db.add(Person(name="Bruno", email="bruno@example.org", roles=["participant"]))


def test_two_people_edit_the_notes_at_once_and_the_rapporteur_sums_up(
    media_browser: Browser, live_server_factory
) -> None:
    server = live_server_factory(_seed)
    ada = join_room(media_browser, server.url, server.app, "ada@example.org", BREAKOUT)
    bruno = join_room(media_browser, server.url, server.app, "bruno@example.org", BREAKOUT)
    olu = join_room(media_browser, server.url, server.app, "organiser@example.org", BREAKOUT)
    expect(olu.locator("#people li")).to_have_count(3)
    expect(ada.locator("#notes")).to_be_hidden()  # no notes in the main room
    olu.select_option("#breakout-mode", "by_hand")
    olu.fill("#breakout-titles", "Hubs")
    olu.click("#breakout-form button[type=submit]")
    expect(ada.locator("#notes")).to_be_visible()
    expect(bruno.locator("#notes")).to_be_visible()
    expect(ada.locator("#notes-room")).to_have_text("Hubs")

    # Both type at the same moment, each at the start of the empty notes.
    ada.locator("#notes-text").focus()
    bruno.locator("#notes-text").focus()
    ada.keyboard.type("Hubs need funding. ", delay=15)
    bruno.keyboard.type("Translate the toolkit. ", delay=15)

    def both_words(page: Page) -> bool:
        value = page.locator("#notes-text").input_value()
        return "Hubs need funding. " in value and "Translate the toolkit. " in value

    wait_until(lambda: both_words(ada) and both_words(bruno), "both see both sentences")
    assert ada.locator("#notes-text").input_value() == bruno.locator("#notes-text").input_value()

    ada.click("#rapporteur-volunteer")
    expect(bruno.locator("#rapporteur-name")).to_have_text("Rapporteur: Ada")
    expect(bruno.locator("#rapporteur-volunteer")).to_be_hidden()
    expect(bruno.locator("#summary-form")).to_be_hidden()
    SHOTS.mkdir(parents=True, exist_ok=True)
    ada.screenshot(path=str(SHOTS / "breakout-notes-en.png"), full_page=True)

    olu.click("#close-breakouts")
    # Back in the main room: only the rapporteur keeps the panel, to write the summary.
    expect(bruno.locator("#notes")).to_be_hidden()
    expect(ada.locator("#summary-form")).to_be_visible()
    expect(ada.locator("#notes-text")).to_have_attribute("readonly", "")
    ada.fill("#summary-text", "We want translated toolkits and funded hubs.")
    ada.click("#summary-form button[type=submit]")
    expect(ada.locator("#summary-saved")).to_have_text(
        "The summary is saved. The organisers see it now."
    )

    def summary_page() -> str:
        olu.goto(f"{server.url}/organiser/sessions/{BREAKOUT}/notes")
        return olu.locator("main").inner_text()

    text = wait_until(
        lambda: (lambda t: t if "We want translated toolkits" in t else "")(summary_page()),
        "the organiser reads the summary",
    )
    assert "Rapporteur: Ada" in text
    notes = olu.locator("pre.notes").text_content() or ""
    assert "Translate the toolkit." in notes and "Hubs need funding." in notes
    olu.screenshot(path=str(SHOTS / "breakout-summaries-en.png"), full_page=True)
    for page in (ada, bruno, olu):
        page.context.close()

"""Live captions in real Chromium: a rostered captioner types, a low-data listener reads."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy.engine import Engine

from conference.storage.engine import session
from conference.storage.tables import CaptionerAssignment, Person
from tests.support.browser import join_room
from tests.support.seed import small_conference

pytestmark = pytest.mark.e2e

PLENARY = 1
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _seed(engine: Engine) -> None:
    small_conference(engine)
    with session(engine) as db:
        cai = Person(name="Cai", email="cai@example.org", roles=["participant"])
        db.add_all([cai, Person(name="Lea", email="lea@example.org", roles=["participant"])])
        db.flush()
        assert cai.id is not None
        db.add(CaptionerAssignment(session_id=PLENARY, person_id=cai.id, language="en"))


def test_a_captioner_types_and_a_low_data_listener_reads(
    media_browser: Browser, live_server_factory
) -> None:
    server = live_server_factory(_seed)
    cai = join_room(media_browser, server.url, server.app, "cai@example.org", PLENARY)
    lea = join_room(media_browser, server.url, server.app, "lea@example.org", PLENARY)
    expect(lea.locator("#caption-form")).to_have_count(0)  # Lea is no captioner
    lea.check("#low-data")
    lea.check("#captions-on")
    lea.select_option("#caption-language", "en")
    expect(lea.locator("#caption-none")).to_be_visible()

    cai.fill("#caption-text", "Welcome to the second day of the conversation.")
    cai.press("#caption-text", "Enter")
    expect(lea.locator("#caption-lines li")).to_have_text(
        ["Welcome to the second day of the conversation."]
    )
    cai.fill("#caption-text", "Our first speaker joins from Lagos.")
    cai.press("#caption-text", "Enter")
    expect(lea.locator("#caption-lines li").last).to_have_text(
        "Our first speaker joins from Lagos."
    )

    # Another caption language shows nothing from the English captioner.
    lea.select_option("#caption-language", "fr")
    expect(lea.locator("#caption-lines li")).to_have_count(0)
    expect(lea.locator("#caption-none")).to_be_visible()
    lea.select_option("#caption-language", "en")
    SHOTS.mkdir(parents=True, exist_ok=True)
    lea.screenshot(path=str(SHOTS / "captions-en.png"), full_page=True)
    for page in (cai, lea):
        page.context.close()

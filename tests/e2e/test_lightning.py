"""A lightning block on stage, in real Chromium: a host, two speakers and a listener.

Four pages of one Chromium (separate contexts, so four people), fake media devices: what
is checked is the stage, not the audio. The block's second talk has a test-only slot of
25 seconds, so the one-minute warning, the twenty-second warning and the overrun all
come within half a minute.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect
from sqlalchemy.engine import Engine

from conference.storage.engine import session
from conference.storage.tables import LightningTalk, Person
from conference.storage.tables import Session as ProgrammeSession
from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS, MEDIA_FLAGS, LiveServer
from tests.support.browser import sign_in, wait_until
from tests.support.seed import small_conference

pytestmark = pytest.mark.e2e

WAIT_MS = 15_000
BLOCK = 3  # after the seed's plenary (1) and breakout (2)


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 12, 5, hour, minute, second, tzinfo=UTC)


def seed(engine: Engine) -> None:
    conference = small_conference(engine)
    with session(engine) as db:
        block = ProgrammeSession(
            conference_id=conference.id, title="Lightning talks", kind="lightning",
            start=at(16, 0), end=at(16, 30), floor_languages=["en"],
            interpretation_languages=["fr", "es"],
        )  # fmt: skip
        db.add(block)
        people = {}
        for name, roles in (("Ama", ["speaker"]), ("Bo", ["speaker"]), ("Cy", ["speaker"]),
                            ("Lee", ["participant"])):  # fmt: skip
            people[name] = Person(name=name, email=f"{name.lower()}@example.org", roles=roles)
            db.add(people[name])
        db.flush()
        assert block.id == BLOCK and conference.id is not None
        for title, name, language, minutes, start, end in (
            ("Wikidata for small languages", "Ama", "fr", 2, at(16, 0), at(16, 5)),
            ("Offline reading", "Bo", "en", 1, at(16, 6), at(16, 6, 25)),  # a 25-second slot
            ("Lexemes", "Cy", "es", 5, at(16, 12), at(16, 17)),
        ):
            speaker_id = people[name].id
            assert speaker_id is not None
            db.add(LightningTalk(
                conference_id=conference.id, speaker_id=speaker_id, title=title,
                language=language, duration_minutes=minutes, status="accepted",
                block_id=block.id, slot_start=start, slot_end=end,
            ))  # fmt: skip


@dataclass
class Attendee:
    name: str
    page: Page

    def stage(self, field: str) -> Any:
        return self.page.evaluate(f"window.__stage && window.__stage.{field}")


@pytest.fixture
def media_browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_FLAGS, *MEDIA_FLAGS]
    )
    yield browser
    browser.close()


@pytest.fixture
def party(
    live_server_factory: Callable[..., LiveServer], media_browser: Browser
) -> dict[str, Attendee]:
    server = live_server_factory(seed)
    people = {}
    for name, email in (("host", "organiser@example.org"), ("ama", "ama@example.org"),
                        ("bo", "bo@example.org"), ("lee", "lee@example.org")):  # fmt: skip
        page = media_browser.new_context().new_page()
        page.set_default_timeout(WAIT_MS)
        sign_in(page, server.url, server.app, email)
        page.goto(f"{server.url}/rooms/session/{BLOCK}")
        people[name] = Attendee(name, page)
    for p in people.values():
        wait_until(lambda p=p: p.stage("state") == "waiting", f"{p.name} sees the stage waiting")
    return people


def test_a_lightning_block_runs_on_stage_with_countdown_warnings_floor_and_up_next(
    party: dict[str, Attendee],
) -> None:
    host, ama, bo, lee = party["host"], party["ama"], party["bo"], party["lee"]
    everyone = [host, ama, bo, lee]
    expect(lee.page.locator("#stage-next")).to_have_text(
        "Up next: Wikidata for small languages · Ama (Français)"
    )
    expect(lee.page.locator("#stage-controls")).to_have_count(0)  # only the host has controls

    host.page.click("#stage-start")
    for p in everyone:
        expect(p.page.locator("#stage-title")).to_have_text("Wikidata for small languages")
        expect(p.page.locator("#stage-language")).to_have_text("Français")
        expect(p.page.locator("#stage-countdown")).to_have_text(re.compile(r"^[12]:\d\d$"))
    # The countdown runs by itself.
    first = lee.stage("remaining")
    wait_until(lambda: lee.stage("remaining") < first - 1, "the countdown runs")
    assert lee.stage("phase") == "running"
    expect(lee.page.locator("#stage-warning")).to_be_hidden()
    # Ama has the floor for her talk, Bo does not; the presence list says so.
    wait_until(lambda: ama.stage("youHaveFloor") is True, "Ama gets the floor")
    assert bo.stage("youHaveFloor") is False
    expect(lee.page.locator("#people li", has_text="Ama")).to_contain_text("has the floor")
    expect(lee.page.locator("#people li", has_text="Bo")).not_to_contain_text("has the floor")
    expect(lee.page.locator("#stage-next")).to_have_text("Up next: Offline reading · Bo (English)")

    # Next talk: 25 seconds, so the one-minute warning is up at once.
    host.page.click("#stage-advance")
    for p in everyone:
        expect(p.page.locator("#stage-title")).to_have_text("Offline reading")
        expect(p.page.locator("#stage-language")).to_have_text("English")
    wait_until(lambda: bo.stage("youHaveFloor") is True, "the floor moves to Bo")
    wait_until(lambda: ama.stage("youHaveFloor") is False, "Ama loses the floor")
    expect(lee.page.locator("#people li", has_text="Bo")).to_contain_text("has the floor")
    expect(lee.page.locator("#stage-next")).to_have_text("Up next: Lexemes · Cy (Español)")
    expect(lee.page.locator("#stage-warning")).to_have_text("One minute left")

    warning = lee.page.locator("#stage-warning")
    expect(warning).to_have_text("20 seconds left: time to wrap up", timeout=10_000)
    expect(bo.page.locator("#stage-warning")).to_have_text("20 seconds left: time to wrap up")
    countdown = lee.page.locator("#stage-countdown")
    expect(countdown).to_have_text(re.compile(r"^\+0:\d\d$"), timeout=25_000)
    expect(countdown).to_have_attribute("data-phase", "overrun")
    assert countdown.evaluate("e => getComputedStyle(e).color") == "rgb(179, 38, 30)"
    expect(warning).to_have_text("Over time")

    # One more minute: back within time.
    host.page.click("#stage-extend")
    expect(countdown).to_have_text(re.compile(r"^(1:00|0:5\d)$"))
    expect(warning).to_have_text("One minute left")

    # Skip: Bo's talk is cut short, then Cy (absent) is skipped too; the block is over.
    host.page.click("#stage-skip")
    expect(lee.page.locator("#stage-title")).to_have_text("Lexemes")
    expect(lee.page.locator("#stage-next")).to_have_text("This is the last talk.")
    wait_until(lambda: bo.stage("youHaveFloor") is False, "Bo loses the floor")
    host.page.click("#stage-skip")
    for p in everyone:
        expect(p.page.locator("#stage-status")).to_have_text("The block is over. Thank you!")
        expect(p.page.locator("#stage-current")).to_be_hidden()
    statuses = lee.page.locator("#stage-order li").evaluate_all(
        "items => items.map(i => i.dataset.status)"
    )
    assert statuses == ["given", "skipped", "skipped"]

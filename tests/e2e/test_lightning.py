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
from pathlib import Path
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
from tests.support.video import BLUE, SCREEN, near, tile_colours

pytestmark = pytest.mark.e2e

WAIT_MS = 15_000
BLOCK = 3  # after the seed's plenary (1) and breakout (2)
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


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


# Bo's "screen" is a blue canvas, so a viewer can tell his share from Ama's (Chromium's fake
# screen, mostly green, is the same in every page of one browser).
BLUE_SCREEN = """() => {
  const canvas = document.createElement("canvas");
  canvas.width = 640; canvas.height = 360;
  const ctx = canvas.getContext("2d");
  const paint = () => { ctx.fillStyle = "rgb(0, 0, 255)"; ctx.fillRect(0, 0, 640, 360); };
  paint();
  setInterval(paint, 100);
  navigator.mediaDevices.getDisplayMedia = async () => canvas.captureStream(5);
}"""


def share_tile(page: Page) -> tuple[str, Any]:
    """The share tile's name and colour as the page shows them ("", None: no share tile)."""
    tiles = {t["key"]: t for t in page.evaluate("window.__room.videoTiles()")}
    share = tiles.get("share")
    if share is None:
        return "", None
    colours = tile_colours(page)
    return f"{share['name']}{' (large)' if share['large'] else ''}", colours.get("share")


def test_the_stage_shows_the_speakers_share_then_the_next_speakers_and_the_host_stops_one(
    party: dict[str, Attendee],
) -> None:
    host, ama, bo, lee = party["host"], party["ama"], party["bo"], party["lee"]
    for p in (ama, bo, lee):
        wait_until(lambda p=p: p.page.evaluate("window.__room.peerState") == "connected",
                   f"{p.name}'s media connects")  # fmt: skip
    bo.page.evaluate(BLUE_SCREEN)
    host.page.click("#stage-start")
    wait_until(lambda: ama.stage("youHaveFloor") is True, "Ama gets the floor")
    # Only the speaker on stage may present: Bo, up next, has no share button yet.
    expect(ama.page.locator("#share-button")).to_be_visible()
    expect(bo.page.locator("#share-button")).to_be_hidden()
    ama.page.click("#share-button")
    expect(ama.page.locator("#share-button")).to_have_text("Stop sharing my screen")
    for viewer in (lee, bo, host):
        wait_until(
            lambda v=viewer: (lambda n, c: n == "Screen of Ama (large)" and near(c, SCREEN, 60))(
                *share_tile(v.page)
            ),
            f"{viewer.name} sees Ama's screen large",
        )
    SHOTS.mkdir(parents=True, exist_ok=True)
    lee.page.screenshot(path=str(SHOTS / "stage-share-en.png"), full_page=True)

    # Next: the floor passes to Bo, and Ama's share ends with it; her page says why.
    host.page.click("#stage-advance")
    wait_until(lambda: bo.stage("youHaveFloor") is True, "the floor moves to Bo")
    expect(ama.page.locator("#share-note")).to_have_text(
        "Your screen share ended: you are no longer presenting here."
    )
    expect(ama.page.locator("#share-button")).to_be_hidden()
    wait_until(lambda: share_tile(lee.page) == ("", None), "Ama's share leaves Lee's page")
    ama.page.screenshot(path=str(SHOTS / "share-ended-en.png"), full_page=True)
    # Bo presents in Arabic (his page right to left, his notes in his language).
    site = bo.page.url.split("/rooms/")[0]
    bo.page.goto(f"{site}/language?set=ar&next=/rooms/session/{BLOCK}")
    bo.page.goto(f"{site}/rooms/session/{BLOCK}")
    expect(bo.page.locator("html")).to_have_attribute("dir", "rtl")
    wait_until(lambda: bo.page.evaluate("window.__room.peerState") == "connected", "Bo is back")
    bo.page.evaluate(BLUE_SCREEN)
    share_label = bo.page.locator("#share-button").inner_text()
    bo.page.click("#share-button")
    expect(bo.page.locator("#share-button")).not_to_have_text(share_label)
    for viewer in (lee, ama):
        wait_until(
            lambda v=viewer: (lambda n, c: n == "Screen of Bo (large)" and near(c, BLUE))(
                *share_tile(v.page)
            ),
            f"{viewer.name} sees Bo's blue screen large",
        )

    # The host stops Bo's share from the people list; Bo's page says so, Lee's share goes.
    host.page.locator("#people li", has_text="Bo").get_by_role(
        "button", name="Stop their screen share"
    ).click()
    expect(bo.page.locator("#share-note")).to_have_text("أوقف أحد المنظمين مشاركة شاشتك.")
    expect(bo.page.locator("#share-button")).to_have_text(share_label)
    bo.page.screenshot(path=str(SHOTS / "share-stopped-by-organiser-ar.png"), full_page=True)
    wait_until(lambda: share_tile(lee.page) == ("", None), "Bo's share leaves Lee's page")
    assert lee.page.locator("#people li", has_text="Bo").inner_text().count("sharing") == 0

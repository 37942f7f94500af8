"""Video in real headless Chromium: fake cameras filming one colour each, forwarded by the server.

Ada (red), Bruno (blue) and Chen (magenta) meet in the breakout session's room; Dana
(yellow, a speaker) holds the floor of the plenary. Eve joins the plenary late, and Frank
joins it in low-data mode (second pages in Dana's and Chen's browsers: they never turn a
camera on). Colours are read by drawing each tile's <video> to a canvas
(tests/support/video.py), so nothing here knows how the server routes.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect

from conference.app import create_app
from conference.settings import Settings
from conference.storage.engine import make_engine, session
from conference.storage.tables import Person
from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS, MEDIA_FLAGS
from tests.support.browser import sign_in, wait_until
from tests.support.live import free_port, serving
from tests.support.seed import small_conference
from tests.support.video import (
    BLUE,
    MAGENTA,
    RED,
    SCREEN,
    WHITE,
    YELLOW,
    camera_flag,
    near,
    tile_colours,
    write_y4m,
)

pytestmark = pytest.mark.e2e

WAIT_MS = 15_000
PLENARY, BREAKOUT = 1, 2


@dataclass
class Person_:
    name: str
    page: Page

    def hook(self, expression: str) -> Any:
        return self.page.evaluate(f"window.__room.{expression}")

    def sees(self, rgb: tuple[int, int, int]) -> list[str]:
        """The tiles (by slot) showing ``rgb``."""
        return [slot for slot, colour in tile_colours(self.page).items() if near(colour, rgb)]


@dataclass
class Party:
    site: str
    app: Any
    people: dict[str, Person_]
    contexts: dict[str, BrowserContext]

    def __getitem__(self, name: str) -> Person_:
        return self.people[name]


def open_room(context: BrowserContext, site: str, app: Any, name: str, session_id: int) -> Page:
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    sign_in(page, site, app, f"{name.lower()}@example.org")
    page.goto(f"{site}/rooms/session/{session_id}")
    wait_until(
        lambda: page.evaluate("typeof window.__room === 'object'"), f"{name}'s room page starts"
    )
    wait_until(
        lambda: page.evaluate("window.__room.peerState") == "connected", f"{name}'s media connects"
    )
    return page


@pytest.fixture(scope="module")
def party(
    playwright: Playwright, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Party]:
    tmp = tmp_path_factory.mktemp("video-e2e")
    path = tmp / "video.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    small_conference(engine)
    with session(engine) as db:
        for name, role in (
            ("Ada", "participant"),
            ("Bruno", "participant"),
            ("Chen", "participant"),
            ("Dana", "speaker"),
            ("Eve", "participant"),
            ("Frank", "participant"),
        ):
            db.add(Person(name=name, email=f"{name.lower()}@example.org", roles=[role]))
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    app = create_app(
        Settings(database_url=f"sqlite:///{path}", secret_key="e2e-" + "v" * 40, site_url=site),
        engine,
    )
    browsers: list[Browser] = []
    with serving(app, port):
        try:
            people: dict[str, Person_] = {}
            contexts: dict[str, BrowserContext] = {}
            for name, colour, session_id in (
                ("Ada", RED, BREAKOUT),
                ("Bruno", BLUE, BREAKOUT),
                ("Chen", MAGENTA, BREAKOUT),
                ("Dana", YELLOW, PLENARY),
            ):
                clip = write_y4m(tmp / f"{name}.y4m", colour)
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM,
                    args=[*CHROMIUM_FLAGS, *MEDIA_FLAGS, camera_flag(clip)],
                )
                browsers.append(browser)
                context = browser.new_context()
                contexts[name] = context
                people[name] = Person_(name, open_room(context, site, app, name, session_id))
            yield Party(site, app, people, contexts)
        finally:
            for browser in browsers:
                browser.close()
            engine.dispose()


def camera_on(person: Person_) -> None:
    button = person.page.locator("#camera-button")
    expect(button).to_be_visible()
    button.click()
    expect(button).to_have_text("Turn my camera off")


def test_in_a_breakout_each_of_three_sees_the_other_two_with_their_names(party: Party) -> None:
    ada, bruno, chen = party["Ada"], party["Bruno"], party["Chen"]
    for person in (ada, bruno, chen):
        camera_on(person)
    expected = {"Ada": (BLUE, MAGENTA), "Bruno": (RED, MAGENTA), "Chen": (RED, BLUE)}
    for person in (ada, bruno, chen):
        for colour in expected[person.name]:
            wait_until(lambda p=person, c=colour: p.sees(c), f"{person.name} sees {colour}")
        own = {"Ada": RED, "Bruno": BLUE, "Chen": MAGENTA}[person.name]
        assert person.sees(own) == ["self"]  # your own camera only in your own preview
    tiles = {t["name"]: t for t in ada.hook("videoTiles()")}
    assert set(tiles) == {"Bruno", "Chen", "Your camera"}
    assert all(tile["video"] and not tile["large"] for tile in tiles.values())
    expect(ada.page.locator("#video figcaption", has_text="Bruno")).to_be_visible()


def test_a_viewer_sees_the_floor_speaker_large_and_another_room_does_not(party: Party) -> None:
    dana, ada = party["Dana"], party["Ada"]
    camera_on(dana)
    started = time.monotonic()
    eve = Person_("Eve", open_room(party.contexts["Dana"], party.site, party.app, "Eve", PLENARY))
    connected = time.monotonic()
    slots = wait_until(lambda: eve.sees(YELLOW), "Eve sees Dana's yellow camera")
    picture = time.monotonic()
    first_frame_ms = eve.hook("firstFrameMs()")
    print(
        f"\nlate joiner: page load to connected {connected - started:.2f} s, "
        f"connected to Dana's picture {picture - connected:.2f} s as polled, "
        f"first frame {first_frame_ms} ms after the connection (in the page)"
    )
    tiles = eve.hook("videoTiles()")
    assert [(t["key"], t["name"], t["large"]) for t in tiles] == [(slots[0], "Dana", True)]
    expect(eve.page.locator("#camera-button")).to_be_hidden()  # no floor, no camera
    expect(eve.page.locator("#share-button")).to_be_hidden()
    assert ada.sees(YELLOW) == []
    eve.page.close()


def test_a_low_data_participant_receives_no_video_bytes(party: Party) -> None:
    context = party.contexts["Chen"]
    page = context.new_page()
    page.goto(party.site)
    page.evaluate("localStorage.setItem('lowData', '1')")
    page.close()
    frank = Person_("Frank", open_room(context, party.site, party.app, "Frank", PLENARY))
    dana = party["Dana"]
    if not dana.hook("videoTiles()") or dana.page.locator("#camera-button").inner_text() != (
        "Turn my camera off"
    ):
        camera_on(dana)
    wait_until(
        lambda: any(s["packetsReceived"] > 50 for s in frank.hook("stats()")),
        "Frank hears Dana's voice",
    )
    video = frank.page.evaluate("window.__room.videoStats()")
    assert [s["bytesReceived"] for s in video] == [0] * len(video) and len(video) == 5
    assert frank.hook("videoTiles()")[0]["video"] is False  # Dana's tile: a name, no picture
    frank.page.close()


def test_a_shared_screen_shows_large_with_the_speakers_camera_beside_it(party: Party) -> None:
    dana = party["Dana"]
    eve = Person_("Eve", open_room(party.contexts["Dana"], party.site, party.app, "Eve", PLENARY))
    expect(dana.page.locator("#share-button")).to_be_visible()
    dana.page.click("#share-button")
    expect(dana.page.locator("#share-button")).to_have_text("Stop sharing my screen")
    wait_until(lambda: near(tile_colours(eve.page).get("share"), SCREEN, 60), "Eve sees the screen")
    tiles = {t["key"]: t for t in eve.hook("videoTiles()")}
    assert tiles["share"]["large"] is True and tiles["share"]["name"] == "Screen of Dana"
    camera = next(t for t in tiles.values() if t["key"].startswith("floor-video"))
    assert (camera["name"], camera["large"]) == ("Dana", False)
    wait_until(lambda: eve.sees(YELLOW), "Dana's camera beside the share")
    dana.page.click("#share-button")
    wait_until(lambda: "share" not in tile_colours(eve.page), "the share ends for Eve")
    eve.page.close()


# A slide that never changes: a canvas filmed by Chromium's canvas capturer, which (like its
# screen capturer on a still screen) encodes a frame only when the picture changes, and
# answers no keyframe request while it stays still. Painted twice (a keyframe, then a delta
# frame), then left alone.
STATIC_SCREEN = """() => {
  navigator.mediaDevices.getDisplayMedia = async () => {
    const canvas = document.createElement("canvas");
    canvas.width = 1280; canvas.height = 720;
    const stream = canvas.captureStream();
    const paint = () => {
      const ctx = canvas.getContext("2d");
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
    };
    setTimeout(paint, 300);
    setTimeout(paint, 1000);
    // Count the frames the capturer films, on a clone of the track (each gets every frame).
    window.__screenFrames = 0;
    const reader = new MediaStreamTrackProcessor({ track: stream.getVideoTracks()[0].clone() })
      .readable.getReader();
    (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        window.__screenFrames += 1;
        value.close();
      }
    })();
    return stream;
  };
}"""


def test_a_late_viewer_sees_a_static_share_at_once(party: Party) -> None:
    dana = party["Dana"]
    dana.page.evaluate(STATIC_SCREEN)
    dana.page.click("#share-button")
    expect(dana.page.locator("#share-button")).to_have_text("Stop sharing my screen")
    time.sleep(5)  # the slide has long stopped changing when Eve comes
    painted = dana.page.evaluate("window.__screenFrames")
    assert painted >= 1
    eve = Person_("Eve", open_room(party.contexts["Dana"], party.site, party.app, "Eve", PLENARY))
    wait_until(lambda: near(tile_colours(eve.page).get("share"), WHITE, 30), "Eve sees the slide")
    first_frame_ms = eve.hook("firstFrameMs()").get("share")
    print(f"\nstatic share: Eve's first frame {first_frame_ms} ms after her connection; {painted=}")
    # The sharer's browser filmed nothing new: Eve's picture is the one sent before she came.
    assert dana.page.evaluate("window.__screenFrames") == painted
    dana.page.click("#share-button")
    wait_until(lambda: "share" not in tile_colours(eve.page), "the share ends for Eve")
    eve.page.close()

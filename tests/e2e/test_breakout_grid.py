"""The breakout grid in real headless Chromium: more people than tiles, the latest talker shown.

Ada (red camera, a 440 Hz microphone), Bruno (blue), Chen (magenta) and Dana (yellow), whose
microphones are silent, meet in a breakout session's room with their cameras on; Eve (no
camera, silent, a second page of Bruno's browser) watches. Eve's page has three video tiles
for four people: the three who most recently started talking or came in. Ada came first
and is muted, so Eve does not see her; when she unmutes and talks, the server hears it in her
packets' audio level and gives her a tile in place of the longest silent (Bruno), and Eve's
page marks her tile "Speaking". Colours are read by drawing each tile's <video> to a canvas.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect

from conference.app import create_app
from conference.settings import Settings
from conference.storage.engine import make_engine, session
from conference.storage.tables import Person
from rooms.media.tones import write_tone_wav
from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS, MEDIA_FLAGS
from tests.support.browser import sign_in, wait_until
from tests.support.live import free_port, serving
from tests.support.seed import small_conference
from tests.support.video import BLUE, MAGENTA, RED, YELLOW, camera_flag, near, write_y4m
from tests.support.video import tile_colours as colours

pytestmark = pytest.mark.e2e

WAIT_MS = 20_000
BREAKOUT = 2
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PEOPLE = {"Ada": (RED, 440), "Bruno": (BLUE, 0), "Chen": (MAGENTA, 0), "Dana": (YELLOW, 0)}


def open_room(browser: Browser, site: str, app: object, name: str) -> Page:
    page = browser.new_context(locale="en-GB").new_page()
    page.set_default_timeout(WAIT_MS)
    sign_in(page, site, app, f"{name.lower()}@example.org")
    page.goto(f"{site}/rooms/session/{BREAKOUT}")
    wait_until(
        lambda: (
            page.evaluate("typeof window.__room === 'object'")
            and page.evaluate("window.__room.peerState") == "connected"
        ),
        f"{name}'s media connects",
        within=30,
    )
    return page


def sees(page: Page, rgb: tuple[int, int, int]) -> list[str]:
    return [slot for slot, colour in colours(page).items() if near(colour, rgb)]


@pytest.fixture(scope="module")
def grid(
    playwright: Playwright, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Page]]:
    tmp = tmp_path_factory.mktemp("grid-e2e")
    path = tmp / "grid.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    small_conference(engine)
    with session(engine) as db:
        for name in (*PEOPLE, "Eve"):
            db.add(Person(name=name, email=f"{name.lower()}@example.org", roles=["participant"]))
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    app = create_app(
        Settings(database_url=f"sqlite:///{path}", secret_key="e2e-" + "g" * 40, site_url=site),
        engine,
    )
    browsers: dict[str, Browser] = {}
    with serving(app, port):
        try:
            pages: dict[str, Page] = {}
            for name, (colour, tone) in PEOPLE.items():
                wav = write_tone_wav(tmp / f"{name}.wav", tone or 440, amplitude=0.5 if tone else 0)
                browsers[name] = playwright.chromium.launch(
                    executable_path=CHROMIUM,
                    args=[
                        *CHROMIUM_FLAGS,
                        *MEDIA_FLAGS,
                        camera_flag(write_y4m(tmp / f"{name}.y4m", colour)),
                        f"--use-file-for-fake-audio-capture={wav}",
                    ],
                )
                page = pages[name] = open_room(browsers[name], site, app, name)
                page.click("#camera-button")
                expect(page.locator("#camera-button")).to_have_text("Turn my camera off")
                if name == "Ada":  # camera first, so muting keeps her on the floor, unheard
                    page.click("#mute-button")
                    expect(page.locator("#mute-button")).to_have_text("Unmute my microphone")
            pages["Eve"] = open_room(browsers["Bruno"], site, app, "Eve")
            yield pages
        finally:
            for browser in browsers.values():
                browser.close()
            engine.dispose()


def test_with_more_people_than_tiles_whoever_just_spoke_gets_a_tile_marked_speaking(
    grid: dict[str, Page],
) -> None:
    eve, ada = grid["Eve"], grid["Ada"]
    for colour, who in ((BLUE, "Bruno"), (MAGENTA, "Chen"), (YELLOW, "Dana")):
        wait_until(lambda c=colour: sees(eve, c), f"Eve sees {who}")
    tiles = eve.evaluate("window.__room.videoTiles()")
    assert sorted(t["name"] for t in tiles) == ["Bruno", "Chen", "Dana"]  # three tiles, no Ada
    assert sees(eve, RED) == []
    expect(eve.locator("#video .tile-speaking:visible")).to_have_count(0)  # nobody talks

    ada.click("#mute-button")  # Ada unmutes and talks (her 440 Hz tone)
    expect(ada.locator("#mute-button")).to_have_text("Mute my microphone")
    wait_until(lambda: sees(eve, RED), "Eve sees Ada, who just spoke")
    wait_until(lambda: not sees(eve, BLUE), "Bruno, silent longest, gives up his tile")
    # The names follow on the signalling socket: the server switches the slot at once and
    # replays Ada's cached keyframe, so her picture can come a moment before the "slots" message.
    wait_until(
        lambda: (
            sorted(t["name"] for t in eve.evaluate("window.__room.videoTiles()"))
            == ["Ada", "Chen", "Dana"]
        ),
        "Eve's tiles are named Ada, Chen and Dana",
    )
    ada_seat = ada.evaluate("window.__room.seatId")
    ada_tile = eve.locator(f"#video figure[data-seat-id='{ada_seat}']")
    expect(ada_tile.locator("figcaption")).to_have_text("AdaSpeaking")
    expect(ada_tile.locator(".tile-speaking")).to_be_visible()
    assert eve.locator("#video .tile-speaking:visible").count() == 1  # only Ada's
    SHOTS.mkdir(parents=True, exist_ok=True)
    eve.screenshot(path=str(SHOTS / "grid-speaking-en.png"), full_page=True)

    # In Arabic, after a reload: the same grid, the mark in words of the page's language.
    site = eve.url.split("/rooms/")[0]
    eve.goto(f"{site}/language?set=ar&next=/rooms/session/{BREAKOUT}")
    eve.goto(f"{site}/rooms/session/{BREAKOUT}")
    expect(eve.locator("html")).to_have_attribute("dir", "rtl")
    wait_until(lambda: sees(eve, RED), "Eve sees Ada again after the reload")
    expect(ada_tile.locator(".tile-speaking")).to_have_text("يتحدث")
    expect(ada_tile.locator(".tile-speaking")).to_be_visible()
    eve.screenshot(path=str(SHOTS / "grid-speaking-ar.png"), full_page=True)

"""The console's floor feed health in real Chromium, and the organiser's board.

Flora speaks on the floor (440 Hz); Ivan listens on his console; Olu watches the board.
The test degrades Ivan's floor feed through the media layer's test hook (a share of the
packets of his floor slots dropped at the server) and reads the words change.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright

from conference.app import create_app
from conference.settings import Settings
from conference.storage.engine import make_engine
from rooms.media.tones import write_tone_wav
from rooms.web.live import EXTRAS_KEY as ROOMS_KEY
from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS, MEDIA_FLAGS
from tests.support.browser import sign_in, wait_until
from tests.support.interpretation_seed import PLENARY, interpretation_conference
from tests.support.live import free_port, serving

pytestmark = pytest.mark.e2e

WITHIN = 20.0  # readings come every 2 s and describe the last interval


@pytest.fixture
def party(
    playwright: Playwright, sqlite_template: Path, tmp_path: Path
) -> Iterator[tuple[Any, dict[str, Page], dict[str, int]]]:
    path = tmp_path / "feed.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    ids = interpretation_conference(engine)
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    app = create_app(
        Settings(database_url=f"sqlite:///{path}", secret_key="e2e-" + "f" * 40, site_url=site),
        engine,
    )
    browsers: list[Browser] = []
    with serving(app, port):
        try:
            pages: dict[str, Page] = {}
            for name, email, path_, amplitude in (
                ("flora", "flora@example.org", f"/rooms/session/{PLENARY}", 0.5),
                ("ivan", "ivan@example.org", f"/interpret/session/{PLENARY}", 0.0),
                ("olu", "organiser@example.org", f"/interpret/session/{PLENARY}/board", 0.0),
            ):
                wav = write_tone_wav(tmp_path / f"{name}.wav", 440, amplitude=amplitude)
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM,
                    args=[
                        *CHROMIUM_FLAGS,
                        *MEDIA_FLAGS,
                        f"--use-file-for-fake-audio-capture={wav}",
                    ],
                )
                browsers.append(browser)
                page = browser.new_context().new_page()
                page.set_default_timeout(15_000)
                sign_in(page, site, app, email)
                page.goto(site + path_)
                pages[name] = page
            yield app, pages, ids
        finally:
            for browser in browsers:
                browser.close()
            engine.dispose()


def floor_tracks(app: Any, person_id: str) -> list[Any]:
    """The server's tracks that fill this person's floor slots."""
    live = app.state.services.extras[ROOMS_KEY]
    registry = live.registry
    seats = [s for s in registry.seats.values() if s.person_id == person_id]
    assert len(seats) == 1, seats
    return list(registry.media.peer(seats[0].seat_id).floor)


def words(page: Page) -> str:
    return str(page.text_content("#floor-feed") or "")


def test_the_console_says_when_the_floor_feed_loses_packets_and_so_does_the_board(
    party: tuple[Any, dict[str, Page], dict[str, int]], tmp_path: Path
) -> None:
    app, pages, ids = party
    ivan, olu = pages["ivan"], pages["olu"]
    wait_until(lambda: ivan.evaluate("window.__booth?.peerState") == "connected", "Ivan's media")
    wait_until(
        lambda: ivan.get_attribute("#floor-feed", "data-state") in ("good", "unstable", "poor"),
        "a first reading of the floor feed",
        within=WITHIN,
    )
    wait_until(lambda: "loss" not in words(ivan), "a floor feed without loss", within=WITHIN)

    tracks = floor_tracks(app, str(ids["ivan"]))
    for track in tracks:
        track.test_loss = 0.25
    try:
        wait_until(lambda: "% loss" in words(ivan), "the console names the loss", within=WITHIN)
        assert words(ivan).startswith(("Floor feed: poor", "Floor feed: unstable")), words(ivan)
        assert ivan.get_attribute("#floor-feed", "data-state") in ("poor", "unstable")
        line = olu.locator("#feed-health-list li[data-booth='es']")
        wait_until(lambda: "% loss" in (line.text_content() or ""), "the board names the loss")
        assert "Ivan Interpreter" in (line.text_content() or "")
        ivan.screenshot(path=str(tmp_path / "console-en.png"), full_page=True)
        olu.screenshot(path=str(tmp_path / "board-en.png"), full_page=True)
    finally:
        for track in tracks:
            track.test_loss = 0.0
    wait_until(lambda: "loss" not in words(ivan), "the loss is gone from the words", within=WITHIN)

    # The same in Arabic (right to left): the words come from the catalog.
    console = ivan.url
    ivan.goto(console.split("/interpret/")[0] + "/language?set=ar")
    ivan.goto(console)
    wait_until(
        lambda: ivan.get_attribute("#floor-feed", "data-state") in ("good", "unstable", "poor"),
        "a reading in Arabic",
        within=WITHIN,
    )
    assert words(ivan).startswith("صوت القاعة"), words(ivan)
    ivan.screenshot(path=str(tmp_path / "console-ar.png"), full_page=True)

"""Lost audio recovered in real Chromium: one listener on a lossy leg, another on a clean one.

Ada speaks (a 440 Hz fake microphone) in the breakout session's room; Bruno and Chloe
listen. The media layer's test hook drops 15% of what the server sends Bruno at random
(rooms/media/lossy.py: after numbering, like a lossy link); Chloe's leg is untouched.
With RED and retransmission, Bruno's browser conceals only a small share, far below the
loss, and Chloe's nothing. On a link that loses most packets the page says so in words,
in English and in Arabic (screenshots in test-artifacts/loss/).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright

from conference.app import create_app
from conference.settings import Settings
from conference.storage.engine import make_engine, session
from conference.storage.tables import Person
from rooms.media.tones import write_tone_wav
from rooms.web.live import EXTRAS_KEY as ROOMS_KEY
from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS, MEDIA_FLAGS
from tests.support.browser import sign_in, wait_until
from tests.support.live import free_port, serving
from tests.support.seed import small_conference

pytestmark = pytest.mark.e2e

BREAKOUT = 2
MEASURE_S = 12.0
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "loss"
PEOPLE = ("Ada", "Bruno", "Chloe")


def hook(page: Page, expression: str) -> Any:
    return page.evaluate(f"window.__room.{expression}")


def concealed_share(page: Page, seconds: float) -> float:
    """The share of the audio the page received over ``seconds`` that its browser made up."""
    first = hook(page, "audioLoss()")
    time.sleep(seconds)
    last = hook(page, "audioLoss()")
    return (last["concealed"] - first["concealed"]) / max(1, last["total"] - first["total"])


@pytest.fixture
def room(
    playwright: Playwright, sqlite_template: Path, tmp_path: Path
) -> Iterator[tuple[Any, dict[str, Page], dict[str, int]]]:
    path = tmp_path / "loss.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    small_conference(engine)
    ids: dict[str, int] = {}
    with session(engine) as db:
        for name in PEOPLE:
            person = Person(name=name, email=f"{name.lower()}@example.org", roles=["participant"])
            db.add(person)
            db.flush()
            assert person.id is not None
            ids[name] = person.id
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    app = create_app(
        Settings(database_url=f"sqlite:///{path}", secret_key="e2e-" + "r" * 40, site_url=site),
        engine,
    )
    browsers: list[Browser] = []
    with serving(app, port):
        try:
            pages: dict[str, Page] = {}
            for name in PEOPLE:
                wav = write_tone_wav(
                    tmp_path / f"{name}.wav", 440, amplitude=0.5 if name == "Ada" else 0.0
                )
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM,
                    args=[
                        *CHROMIUM_FLAGS,
                        *MEDIA_FLAGS,
                        f"--use-file-for-fake-audio-capture={wav}",
                    ],
                )
                browsers.append(browser)
                page = browser.new_context(locale="en-GB").new_page()
                page.set_default_timeout(15_000)
                sign_in(page, site, app, f"{name.lower()}@example.org")
                page.goto(f"{site}/rooms/session/{BREAKOUT}")
                pages[name] = page
            for name, page in pages.items():
                wait_until(
                    lambda page=page: page.evaluate("window.__room?.peerState") == "connected",
                    f"{name}'s media connects",
                )
            yield app, pages, ids
        finally:
            for browser in browsers:
                browser.close()
            engine.dispose()


def server_peer(app: Any, person_id: int) -> Any:
    registry = app.state.services.extras[ROOMS_KEY].registry
    seats = [s for s in registry.seats.values() if s.person_id == str(person_id)]
    assert len(seats) == 1, seats
    return registry.media.peer(seats[0].seat_id)


def hears_ada(page: Page) -> bool:
    loss = hook(page, "audioLoss()")
    return bool(loss and loss["total"] > 48_000)


def test_a_lossy_listener_gets_the_sound_back_and_a_clean_one_is_untouched(room: Any) -> None:
    app, pages, ids = room
    bruno, chloe = pages["Bruno"], pages["Chloe"]
    for name, page in (("Bruno", bruno), ("Chloe", chloe)):
        wait_until(lambda page=page: hears_ada(page), f"{name} hears Ada")
    answer = server_peer(app, ids["Bruno"]).pc.localDescription.sdp
    assert "red/48000/2" in answer and "nack" in answer  # what Chromium negotiated

    leg = server_peer(app, ids["Bruno"]).set_leg_loss(0.15)
    time.sleep(3)  # the first reports and NACKs settle
    bruno_share = concealed_share(bruno, MEASURE_S)
    chloe_share = concealed_share(chloe, 1.0)
    dropped = leg.dropped / max(1, leg.dropped + leg.sent)
    print(
        f"15% loss: dropped {dropped:.1%}, Bruno concealed {bruno_share:.2%}, Chloe {chloe_share:.2%}"
    )
    assert dropped > 0.10  # the loss was there
    # Without recovery the browser conceals about what is lost (benchmarks/loss.py measured
    # 15.4% at 15%); the goal is 4%, asserted loosely here, the benchmark holds the figure.
    assert bruno_share < 0.06
    assert chloe_share < 0.01
    assert bruno.locator("#sound-loss").is_hidden()

    # A link that loses most packets: more than recovery can make up, and the page says so.
    server_peer(app, ids["Bruno"]).set_leg_loss(0.7)
    wait_until(
        lambda: bruno.locator("#sound-loss").is_visible(), "Bruno's page names the loss", within=20
    )
    words = bruno.text_content("#sound-loss") or ""
    assert words.startswith("Your connection is losing sound: "), words
    wait_until(
        lambda: bruno.get_attribute("#sound-loss", "data-state") == "high",
        "the page suggests low-data mode or captions",
        within=20,
    )
    assert "low-data mode" in (bruno.text_content("#sound-loss") or "")
    assert chloe.locator("#sound-loss").is_hidden()
    SHOTS.mkdir(parents=True, exist_ok=True)
    bruno.screenshot(path=str(SHOTS / "room-losing-sound-en.png"), full_page=True)

    # The same in Arabic (a new connection: the leg is lossy again on it).
    room_url = bruno.url
    bruno.goto(room_url.split("/rooms/")[0] + "/language?set=ar")
    bruno.goto(room_url)
    wait_until(lambda: hook(bruno, "peerState") == "connected", "Bruno reconnects in Arabic")
    wait_until(lambda: hears_ada(bruno), "Bruno hears Ada again")
    server_peer(app, ids["Bruno"]).set_leg_loss(0.7)
    wait_until(lambda: bruno.locator("#sound-loss").is_visible(), "the loss in Arabic", within=20)
    assert (bruno.text_content("#sound-loss") or "").startswith("اتصالك يفقد جزءًا من الصوت")
    bruno.screenshot(path=str(SHOTS / "room-losing-sound-ar.png"), full_page=True)

    server_peer(app, ids["Bruno"]).set_leg_loss(0.0)
    wait_until(
        lambda: bruno.locator("#sound-loss").is_hidden(),
        "the words go when the loss does",
        within=20,
    )

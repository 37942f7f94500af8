"""A sign-language channel and the interpreter's pictures, in real headless Chromium.

Flora (red camera, a speaker) holds the plenary's floor and shares her screen. Sam (magenta)
and Sue (yellow) are the plenary's American Sign Language booth; Ivan (blue) its Spanish
booth. Dee watches the plenary with the ASL channel, listening to the floor. Colours are read
by drawing each tile's <video> to a canvas (tests/support/video.py), so nothing here knows
how the server routes.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect

from conference.app import create_app
from conference.settings import Settings
from conference.storage.engine import make_engine, session
from conference.storage.tables import Booth, BoothMember, Person
from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS, MEDIA_FLAGS
from tests.support.browser import sign_in, wait_until
from tests.support.live import free_port, serving
from tests.support.seed import small_conference
from tests.support.video import _AVERAGE as AVERAGE
from tests.support.video import (
    BLUE,
    MAGENTA,
    RED,
    SCREEN,
    YELLOW,
    camera_flag,
    near,
    tile_colours,
    write_y4m,
)

pytestmark = pytest.mark.e2e

WAIT_MS = 20_000
PLENARY = 1
PEOPLE = {  # name: (roles, camera)
    "Flora": (["speaker"], RED),
    "Sam": (["interpreter"], MAGENTA),
    "Sue": (["interpreter"], YELLOW),
    "Ivan": (["interpreter"], BLUE),
    "Dee": (["participant"], None),
}


@dataclass
class Party:
    pages: dict[str, Page]

    def __getitem__(self, name: str) -> Page:
        return self.pages[name]


def console_tiles(page: Page) -> dict[str, Any]:
    """What the console's speaker view shows, by slot (read in one go: tiles come and go)."""
    script = f"""() => [...document.querySelectorAll("#speaker-view figure")].map(
      (figure) => [figure.dataset.slot, ({AVERAGE})(figure.querySelector("video"))])"""
    return {slot: tuple(c) if c else None for slot, c in page.evaluate(script)}


def seed(engine: Any) -> None:
    small_conference(engine)
    with session(engine) as db:
        ids = {}
        for name, (roles, _) in PEOPLE.items():
            person = Person(name=name, email=f"{name.lower()}@example.org", roles=roles)
            db.add(person)
            db.flush()
            ids[name] = person.id or 0
        for language, members in (("ase", ("Sam", "Sue")), ("es", ("Ivan",))):
            booth = Booth(session_id=PLENARY, language=language, sources={"en": "direct"})
            db.add(booth)
            db.flush()
            for member in members:
                db.add(BoothMember(booth_id=booth.id or 0, person_id=ids[member]))


@pytest.fixture(scope="module")
def party(
    playwright: Playwright, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Party]:
    tmp = tmp_path_factory.mktemp("sign-e2e")
    path = tmp / "sign.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    seed(engine)
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    app = create_app(
        Settings(database_url=f"sqlite:///{path}", secret_key="e2e-" + "s" * 40, site_url=site),
        engine,
    )
    browsers: list[Browser] = []
    with serving(app, port):
        try:
            pages: dict[str, Page] = {}
            for name, (roles, colour) in PEOPLE.items():
                flags = [*CHROMIUM_FLAGS, *MEDIA_FLAGS]
                if colour is not None:
                    flags.append(camera_flag(write_y4m(tmp / f"{name}.y4m", colour)))
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=flags)
                browsers.append(browser)
                page = browser.new_context().new_page()
                page.set_default_timeout(WAIT_MS)
                sign_in(page, site, app, f"{name.lower()}@example.org")
                if "interpreter" in roles:
                    page.goto(f"{site}/interpret/session/{PLENARY}")
                    hook = "window.__booth"
                else:
                    page.goto(f"{site}/rooms/session/{PLENARY}")
                    hook = "window.__room"
                wait_until(
                    lambda page=page, hook=hook: page.evaluate(
                        f"typeof {hook} === 'object' && {hook}.peerState === 'connected'"
                    ),
                    f"{name}'s page connects its media",
                    within=30,
                )
                pages[name] = page
            yield Party(pages)
        finally:
            for browser in browsers:
                browser.close()
            engine.dispose()


def test_the_console_shows_the_floor_speakers_picture_and_the_shared_screen(party: Party) -> None:
    flora, ivan = party["Flora"], party["Ivan"]
    flora.click("#camera-button")
    expect(flora.locator("#camera-button")).to_have_text("Turn my camera off")
    wait_until(
        lambda: any(near(c, RED) for c in console_tiles(ivan).values()),
        "Ivan's console shows Flora's red camera",
    )
    flora.click("#share-button")
    expect(flora.locator("#share-button")).to_have_text("Stop sharing my screen")
    wait_until(
        lambda: near(console_tiles(ivan).get("share"), SCREEN, 60),
        "Ivan's console shows the shared screen",
    )
    tiles = console_tiles(ivan)
    assert near(tiles["share"], SCREEN, 60) and any(near(c, RED) for c in tiles.values())
    shown = {t["key"]: t for t in ivan.evaluate("window.__booth.videoTiles()")}
    assert shown["share"]["large"] is True and shown["share"]["name"] == "Shared screen"
    # Interpreters hear the speaker's original stream, never a low-data rendition.
    assert ivan.evaluate("window.__booth.cameraOn") is False  # a spoken booth shows no camera
    flora.click("#share-button")
    wait_until(lambda: "share" not in console_tiles(ivan), "the share ends on the console")


def test_a_viewer_sees_the_signer_beside_the_speaker_and_the_partner_after_a_handover(
    party: Party,
) -> None:
    flora, sam, sue, dee = party["Flora"], party["Sam"], party["Sue"], party["Dee"]
    if flora.locator("#camera-button").inner_text() != "Turn my camera off":
        flora.click("#camera-button")
    for signer in (sam, sue):
        wait_until(lambda s=signer: s.evaluate("window.__booth.cameraOn"), "the signer's camera")
        assert signer.evaluate("window.__booth.booth.signs") is True
    sam.click("#on-air-button")
    wait_until(lambda: sam.evaluate("window.__booth.onAir"), "Sam is on air")

    # Dee picks the ASL channel apart from the audio: the "Listen in" picker offers no ASL.
    expect(dee.locator("#sign-picker")).to_be_visible()
    assert "ase" not in dee.locator("#language-select option").evaluate_all(
        "(options) => options.map((o) => o.value)"
    )
    dee.select_option("#sign-select", "ase")
    wait_until(lambda: dee.evaluate("window.__room.signLanguage") == "ase", "Dee watches ASL")
    wait_until(
        lambda: near(tile_colours(dee).get("pinned-0"), MAGENTA),
        "Dee sees Sam's magenta signing",
    )
    # Both at once, side by side: the speaker's picture and the signer's.
    wait_until(lambda: near(tile_colours(dee).get("floor-video-0"), RED), "and Flora's red")
    tiles = {t["key"]: t for t in dee.evaluate("window.__room.videoTiles()")}
    assert tiles["floor-video-0"]["large"] and tiles["pinned-0"]["large"]
    assert tiles["floor-video-0"]["enlarged"] and not tiles["pinned-0"]["enlarged"]
    assert tiles["pinned-0"]["name"] == "Sam, signing"
    # Either can be enlarged.
    dee.locator("#video figure[data-slot='pinned-0'] button.enlarge").click()
    tiles = {t["key"]: t for t in dee.evaluate("window.__room.videoTiles()")}
    assert tiles["pinned-0"]["enlarged"] and not tiles["floor-video-0"]["enlarged"]
    # Sue, off air, sees her colleague on air.
    wait_until(
        lambda: any(near(c, MAGENTA) for c in console_tiles(sue).values()),
        "Sue's console shows Sam on air",
    )

    # A handover in the sign-language booth: Sue asks, Sam accepts; Dee now sees Sue.
    sue.click("#handover-button")
    sam.locator("#answer-accept").click()
    wait_until(lambda: sue.evaluate("window.__booth.onAir"), "Sue is on air")
    wait_until(
        lambda: near(tile_colours(dee).get("pinned-0"), YELLOW), "Dee sees Sue's yellow signing"
    )
    assert near(tile_colours(dee).get("floor-video-0"), RED)
    assert not any(near(c, MAGENTA) for c in tile_colours(dee).values())
    name = wait_until(
        lambda: (
            {t["key"]: t for t in dee.evaluate("window.__room.videoTiles()")}["pinned-0"]["name"]
            == "Sue, signing"
        ),
        "the pinned tile names Sue",
    )
    assert name
    # The switch happened on the server: one negotiation for the whole test.
    assert dee.evaluate("window.__room.negotiations") == 1


def test_the_console_shows_the_shared_screen_again_after_a_reload(party: Party) -> None:
    flora, ivan = party["Flora"], party["Ivan"]
    if flora.locator("#share-button").inner_text() != "Stop sharing my screen":
        flora.click("#share-button")
    expect(flora.locator("#share-button")).to_have_text("Stop sharing my screen")
    wait_until(
        lambda: near(console_tiles(ivan).get("share"), SCREEN, 60),
        "Ivan's console shows the shared screen",
    )
    ivan.reload()
    wait_until(
        lambda: ivan.evaluate(
            "typeof window.__booth === 'object' && window.__booth.peerState === 'connected'"
        ),
        "Ivan's console connects again",
    )
    wait_until(
        lambda: near(console_tiles(ivan).get("share"), SCREEN, 60),
        "after the reload, Ivan's console shows the shared screen again",
    )

    # Flora reloads her page: it has no screen any more, so her share ends instead of
    # leaving a frozen (or, on a console that loads now, black) picture behind.
    flora.reload()
    wait_until(
        lambda: (
            flora.evaluate("typeof window.__room === 'object' && window.__room.peerState")
            == "connected"
        ),
        "Flora's page connects again",
    )
    expect(flora.locator("#share-button")).to_have_text("Share my screen")
    wait_until(lambda: "share" not in console_tiles(ivan), "the stale share leaves the console")
    ivan.reload()
    wait_until(
        lambda: ivan.evaluate(
            "typeof window.__booth === 'object' && window.__booth.peerState === 'connected'"
        ),
        "Ivan's console connects again",
    )
    assert "share" not in console_tiles(ivan)
    flora.click("#share-button")
    wait_until(
        lambda: near(console_tiles(ivan).get("share"), SCREEN, 60),
        "Flora shares again, and the console shows it",
    )
    flora.click("#share-button")
    wait_until(lambda: "share" not in console_tiles(ivan), "the share ends on the console")

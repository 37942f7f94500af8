"""A floor speaker's camera, relayed to an edge, on the listen-only room page in Chromium.

The plenary of tests/e2e/test_cluster_listen_page.py (three node processes, the floor and
Ivan on air on the origin, a seated participant taking the origin's share), and a second
organiser on the floor with a camera filming solid red (a headless aiortc client). Lea
opens the plenary's room page on another node: it is the listen-only page, seated on an
edge, and its floor video tile shows the red picture that crossed the relay (Chromium
decodes the VP8 frames the origin relayed to the edge, never re-encoded).

Sign language: the plenary also has an ASL booth, where Sam signs on air (a headless
client filming magenta) on the origin. Lea's listen-only page on an edge lists American
Sign Language in its language picker; she chooses it and the pinned tile, named
"American Sign Language, signing", shows the magenta signer relayed to the edge, beside
the floor speaker's red camera.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Playwright, expect

from conference.storage.engine import make_engine, session
from conference.storage.tables import Booth, BoothMember, Person
from rooms.client import RoomClient, connect_info
from rooms.signalling import Identity
from tests.e2e.test_cluster_listen_page import (
    REDIS_URL,
    SHOTS,
    WITHIN,
    Headless,
    launch,
    nodes,
    origin_of,
)
from tests.support.browser import wait_until
from tests.support.interpretation_seed import PLENARY, interpretation_conference
from tests.support.server import ServeProcess, cluster
from tests.support.video import MAGENTA, RED, near, tile_colours

pytestmark = pytest.mark.e2e

__all__ = ["nodes"]  # the fixture, shared


async def camera_on_the_floor(headless: Headless) -> None:
    """A second organiser on the floor, its camera on and filming red (no microphone)."""
    cam = Identity.of("9002", "Cam", ["organiser"])
    site = headless.nodes[headless.origin].site
    info = await connect_info(site, PLENARY, headless.tokens.issue(cam))
    client = RoomClient(info["ws_url"], token=headless.tokens.issue(cam), camera=RED)
    headless.clients.append(client)
    await client.connect()
    await client.join(str(info["room_id"]))
    await client.start_media()
    await client.send("camera", on=True)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_listener_on_an_edge_sees_the_floor_speaker_s_camera(
    nodes: tuple[dict[str, ServeProcess], dict[str, int]], playwright: Playwright
) -> None:
    started, people = nodes
    headless = Headless(started, people)
    browser = launch(playwright)
    try:
        origin = headless.run(headless.start())
        headless.run(camera_on_the_floor(headless))
        door = next(n for n in started if n != origin)
        context = browser.new_context(locale="en-GB")
        context.set_default_timeout(15_000)
        lea = context.new_page()
        started[door].sign_in(lea, "lea@example.org")
        lea.goto(f"{started[door].site}/rooms/session/{PLENARY}")
        assert origin_of(lea.url) == started[origin].site
        expect(lea.locator("#room-status")).to_have_text("You are listening.")
        edge = str(lea.evaluate("window.__listen.node"))
        assert edge in started and edge != origin

        def red_tile() -> dict | None:
            tiles = tile_colours(lea)
            shown = {slot: c for slot, c in tiles.items() if near(c, RED)}
            return shown or None

        shown = wait_until(red_tile, "Lea's page shows the red camera", within=WITHIN)
        print(f"\nLea on {edge} sees the relayed camera: {shown}")
    finally:
        browser.close()
        headless.run(headless.close())
        headless.loop.call_soon_threadsafe(headless.loop.stop)


@pytest.fixture
def signing_nodes(
    database_url: str, tmp_path: Path
) -> Iterator[tuple[dict[str, ServeProcess], dict]]:
    """The plenary's nodes, with an ASL booth where Sam signs."""
    engine = make_engine(database_url)
    people = interpretation_conference(engine)
    with session(engine) as db:
        booth = Booth(session_id=PLENARY, language="ase", sources={"en": "direct"})
        sam = Person(name="Sam", email="sam@example.org", roles=["interpreter"])
        db.add(booth)
        db.add(sam)
        db.flush()
        assert booth.id is not None and sam.id is not None
        db.add(BoothMember(booth_id=booth.id, person_id=sam.id))
        people["sam"] = sam.id
    engine.dispose()
    secret = "listen-sign-" + secrets.token_hex(20)
    limits = {"rate_limit_address": "1000/minute", "rate_limit_ip": "1000/minute"}
    with cluster("abc", tmp_path, database_url, REDIS_URL, secret, node_listeners="1",
                 **limits) as started:  # fmt: skip
        yield started, people


async def signer_on_air(headless: Headless) -> None:
    """Sam on air in the ASL booth, filming magenta (no microphone)."""
    sam = Identity.of(str(headless.people["sam"]), "Sam", ["interpreter"])
    site = headless.nodes[headless.origin].site
    info = await connect_info(site, PLENARY, headless.tokens.issue(sam))
    client = RoomClient(info["ws_url"], token=headless.tokens.issue(sam), camera=MAGENTA)
    headless.clients.append(client)
    await client.connect()
    await client.send("booth_enter", room_id=str(info["room_id"]))
    await client.expect("booth_state")
    await client.start_media()
    await client.send("on_air", on=True)
    while (await client.expect("booth_state"))["state"] != "on_air":
        pass


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_listener_on_an_edge_chooses_sign_language_and_sees_the_signer(
    signing_nodes: tuple[dict[str, ServeProcess], dict[str, int]], playwright: Playwright
) -> None:
    started, people = signing_nodes
    headless = Headless(started, people)
    browser = launch(playwright)
    try:
        origin = headless.run(headless.start())
        headless.run(signer_on_air(headless))
        door = next(n for n in started if n != origin)
        context = browser.new_context(locale="en-GB")
        context.set_default_timeout(15_000)
        lea = context.new_page()
        started[door].sign_in(lea, "lea@example.org")
        lea.goto(f"{started[door].site}/rooms/session/{PLENARY}")
        expect(lea.locator("#room-status")).to_have_text("You are listening.")
        edge = str(lea.evaluate("window.__listen.node"))
        assert edge in started and edge != origin

        # The picker lists the sign language on air, by the name the room page uses.
        option = lea.locator("#language-select option[value='ase']")
        expect(option).to_have_text("American Sign Language", timeout=WITHIN * 1000)
        lea.select_option("#language-select", "ase")
        wait_until(lambda: lea.evaluate("window.__listen.heard.heard"), "Sam is on air in ASL")

        def signer() -> dict | None:
            tiles = {t["key"]: t for t in lea.evaluate("window.__listen.videoTiles()")}
            pinned = tiles.get("pinned-0")
            colour = tile_colours(lea).get("pinned-0")
            return pinned if pinned and near(colour, MAGENTA) else None

        tile = wait_until(signer, "Lea's page shows Sam signing", within=WITHIN)
        assert tile["name"] == "American Sign Language, signing"
        expect(lea.locator("#balance")).to_be_hidden()  # no voice to balance the floor with
        # The floor speaker's picture stays beside the signer's.
        assert any(near(c, RED) for c in tile_colours(lea).values())
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            time.sleep(1.0)
            lea.screenshot(path=f"{SHOTS}/listen-only-sign-en.png", full_page=True)
            lea.goto(f"{started[door].site}/language?set=ar&next=/rooms/session/{PLENARY}")
            expect(lea.locator("html")).to_have_attribute("dir", "rtl")
            wait_until(signer, "Lea's page in Arabic shows Sam signing", within=WITHIN)
            time.sleep(1.0)
            lea.screenshot(path=f"{SHOTS}/listen-only-sign-ar.png", full_page=True)
    finally:
        browser.close()
        headless.run(headless.close())
        headless.loop.call_soon_threadsafe(headless.loop.stop)

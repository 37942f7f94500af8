"""A floor speaker's camera, relayed to an edge, on the listen-only room page in Chromium.

The plenary of tests/e2e/test_cluster_listen_page.py (three node processes, the floor and
Ivan on air on the origin, a seated participant taking the origin's share), and a second
organiser on the floor with a camera filming solid red (a headless aiortc client). Lea
opens the plenary's room page on another node: it is the listen-only page, seated on an
edge, and its floor video tile shows the red picture that crossed the relay (Chromium
decodes the VP8 frames the origin relayed to the edge, never re-encoded).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Playwright, expect

from rooms.client import RoomClient, connect_info
from rooms.signalling import Identity
from tests.e2e.test_cluster_listen_page import WITHIN, Headless, launch, nodes, origin_of
from tests.support.browser import wait_until
from tests.support.interpretation_seed import PLENARY
from tests.support.server import ServeProcess
from tests.support.video import RED, near, tile_colours

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

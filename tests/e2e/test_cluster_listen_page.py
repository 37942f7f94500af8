"""The room page of a plenary larger than its node: a participant listens from an edge.

Three ``conference serve --node-id`` processes on PostgreSQL and the machine's Redis, each
holding one listener of a session (``CONFERENCE_NODE_LISTENERS=1``). On the session's
owner (its origin) an organiser speaks on the floor (440 Hz) and Ivan is on air in the
Spanish booth (660 Hz), and a participant sits in the room, taking the origin's share: all
headless clients on the real protocol. Lea, a participant, opens the plenary's room page on another
node in real Chromium: the page is the listen-only one (it says so, and has no microphone,
hand or chat), it sits down on an edge, she hears the floor, chooses Spanish and hears
Ivan, and sees the organiser's camera (relayed to the edge). Her edge is killed with
``kill -9``: the page says it is reconnecting, sits down on another node, and she hears
Ivan again; that node drains (SIGTERM): her seat is sent away with 1001 and she hears Ivan
on the origin. An organiser's page on the same plenary is the full room page.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis.asyncio as redis
from playwright.sync_api import Browser, Page, Playwright, expect

from conference.storage.engine import make_engine
from rooms.client import RoomClient, connect_info
from rooms.keeper import conference_key
from rooms.signalling import ConnectTokens, Identity
from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS, MEDIA_FLAGS
from tests.support.browser import wait_until
from tests.support.interpretation_seed import PLENARY, interpretation_conference
from tests.support.server import ServeProcess, cluster

pytestmark = pytest.mark.e2e

REDIS_URL = "redis://127.0.0.1:6379/0"
FLOOR, IVAN = 440, 660
RED = (255, 0, 0)  # the organiser's camera (rooms.media.colours)
WITHIN = 30.0  # a bound on a hung test, not a goal
SHOTS = os.environ.get("CONFERENCE_SHOTS", "")  # a folder: screenshots of the page there


@pytest.fixture
def nodes(database_url: str, tmp_path: Path) -> Iterator[tuple[dict[str, ServeProcess], dict]]:
    engine = make_engine(database_url)
    people = interpretation_conference(engine)
    engine.dispose()
    secret = "listen-page-" + secrets.token_hex(20)
    limits = {"rate_limit_address": "1000/minute", "rate_limit_ip": "1000/minute"}
    with cluster("abc", tmp_path, database_url, REDIS_URL, secret, node_listeners="1",
                 **limits) as started:  # fmt: skip
        yield started, people


class Headless:
    """The origin's side, on its own event loop in a thread: the floor, Ivan on air in
    Spanish, and one listener who takes the origin's share of listen-only seats."""

    def __init__(self, nodes: dict[str, ServeProcess], people: dict[str, int]) -> None:
        self.nodes = nodes
        self.people = people
        self.tokens = ConnectTokens(next(iter(nodes.values())).settings["secret_key"])
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.clients: list[RoomClient] = []
        self.origin = ""

    def run(self, work: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout=90)

    async def start(self) -> str:
        olu = Identity.of("9001", "Olu", ["organiser"])
        site = self.nodes["a"].site
        info = await connect_info(site, PLENARY, self.tokens.issue(olu))
        self.origin = next(
            n for n, p in self.nodes.items()
            if info["ws_url"].startswith(p.site.replace("http", "ws"))
        )  # fmt: skip
        floor = RoomClient(info["ws_url"], token=self.tokens.issue(olu), tone=FLOOR, camera=RED)
        self.clients.append(floor)
        await floor.connect()
        await floor.join(str(info["room_id"]))
        await floor.start_media()
        await floor.send("camera", on=True)
        ivan = Identity.of(str(self.people["ivan"]), "Ivan", ["interpreter"])
        booth = RoomClient(info["ws_url"], token=self.tokens.issue(ivan), tone=IVAN)
        self.clients.append(booth)
        await booth.connect()
        await booth.send("booth_enter", room_id=str(info["room_id"]))
        await booth.expect("booth_state")
        await booth.start_media()
        await booth.send("on_air", on=True)
        while (await booth.expect("booth_state"))["state"] != "on_air":
            pass
        # The origin's share: a participant seated in the room (counted at its upkeep).
        pat = Identity.of("7000", "Pat", ["participant"])
        seated = RoomClient(info["ws_url"], token=self.tokens.issue(pat))
        self.clients.append(seated)
        await seated.connect()
        await seated.join(str(info["room_id"]))
        key = f"cluster:{conference_key(self.nodes['a'].settings['secret_key'])}"
        client = redis.Redis.from_url(REDIS_URL)
        try:
            while True:
                if await client.hget(f"{key}:relay:seated:{PLENARY}", self.origin) == b"1":
                    break
                await asyncio.sleep(0.1)
        finally:
            await client.aclose()
        return self.origin

    async def close(self) -> None:
        for client in self.clients:
            await client.close()


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def hears(page: Page, hz: int) -> Any:
    """What the listener hears after the interpretation mix, once ``hz`` is loudest."""

    def check() -> Any:
        r = page.evaluate(f"window.__listen.mixReading({[FLOOR, IVAN]})")
        return r if r and abs(r["peakHz"] - hz) < 10 and r["peakDb"] > -70 else None

    return wait_until(check, f"the listener hears {hz} Hz loudest", within=WITHIN)


def reddish(colour: list[int] | None) -> bool:
    """A picture of the red camera (video coding moves the colour a little)."""
    return colour is not None and colour[0] > 150 and colour[1] < 90 and colour[2] < 90


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_FLAGS, *MEDIA_FLAGS]
    )


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_participant_listens_from_an_edge_and_follows_when_it_dies(
    nodes: tuple[dict[str, ServeProcess], dict[str, int]], playwright: Playwright
) -> None:
    started, people = nodes
    headless = Headless(started, people)
    browser = launch(playwright)
    try:
        origin = headless.run(headless.start())
        _listen_from_an_edge(started, origin, browser, headless)
    finally:
        browser.close()
        headless.run(headless.close())
        headless.loop.call_soon_threadsafe(headless.loop.stop)


def _listen_from_an_edge(
    nodes: dict[str, ServeProcess], origin: str, browser: Browser, headless: Headless
) -> None:
    door = next(n for n in nodes if n != origin)  # Lea comes in through another node
    context = browser.new_context(locale="en-GB")
    context.set_default_timeout(15_000)
    lea = context.new_page()
    nodes[door].sign_in(lea, "lea@example.org")
    lea.goto(f"{nodes[door].site}/rooms/session/{PLENARY}")

    # The owner's listen-only page, seated on an edge (the origin holds its share).
    assert origin_of(lea.url) == nodes[origin].site
    expect(lea.locator("#room-status")).to_have_text("You are listening.")
    edge = str(lea.evaluate("window.__listen.node"))
    assert edge in nodes and edge != origin
    expect(lea.locator("#listen-mode")).to_have_text(
        "A large session: you are listening from a relay server."
    )
    # Counted on each node at its upkeep, told at the next ping.
    expect(lea.locator("#listen-count")).to_have_text("People listening this way: 1.",
                                                      timeout=WITHIN * 1000)  # fmt: skip
    for absent in ("#mute-button", "#hand-button", "#chat-form", "#camera-button", "#breakout"):
        expect(lea.locator(absent)).to_have_count(0)
    wait_until(lambda: lea.evaluate("window.__listen.peerState") == "connected",
               "Lea's media connects")  # fmt: skip
    hears(lea, FLOOR)
    expect(lea.locator("#balance")).to_be_hidden()  # the floor alone: nothing to balance
    # The floor speaker's camera, relayed to the edge, in the page's floor picture.
    wait_until(lambda: reddish(lea.evaluate("window.__listen.pictureColour('floor-video-0')")),
               "Lea sees the speaker's red camera")  # fmt: skip

    # Spanish is on air: offered, chosen, heard over the floor.
    wait_until(lambda: lea.locator("#language-select option[value=es]").count() == 1,
               "Lea is offered Spanish")  # fmt: skip
    lea.select_option("#language-select", "es")
    expect(lea.locator("#language-select option[value=es]")).to_have_text("Español")
    hears(lea, IVAN)
    expect(lea.locator("#balance")).to_be_visible()
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        time.sleep(1.0)  # the count and the picker settle
        lea.screenshot(path=f"{SHOTS}/listen-only-en.png", full_page=True)

    # Her edge dies: the page says so in words, sits down elsewhere, she hears Ivan again.
    nodes[edge].kill9()
    killed = time.monotonic()
    wait_until(lambda: lea.evaluate("window.__listen.state") == "open"
               and lea.evaluate("window.__listen.node") != edge,
               "Lea's page sits down on another node", within=WITHIN)  # fmt: skip
    moved_to = str(lea.evaluate("window.__listen.node"))
    expect(lea.locator("#room-status")).to_have_text("You are listening.")
    assert "Reconnecting…" in lea.evaluate("window.__listen.statuses")
    assert lea.evaluate("window.__listen.language") == "es"
    wait_until(lambda: lea.evaluate("window.__listen.peerState") == "connected",
               "Lea's media reconnects", within=WITHIN)  # fmt: skip
    hears(lea, IVAN)
    heard_s = time.monotonic() - killed

    # That node drains (SIGTERM): it sends her seat away (1001), the origin takes her.
    drained_node = nodes[moved_to]
    assert drained_node.process is not None
    drained_node.process.send_signal(signal.SIGTERM)
    drained = time.monotonic()
    wait_until(lambda: lea.evaluate("window.__listen.node") == origin
               and lea.evaluate("window.__listen.state") == "open",
               "Lea's page sits down on the origin", within=WITHIN)  # fmt: skip
    expect(lea.locator("#listen-mode")).to_have_text(
        "A large session: you are listening without a seat in the room."
    )
    wait_until(lambda: lea.evaluate("window.__listen.peerState") == "connected",
               "Lea's media reconnects on the origin", within=WITHIN)  # fmt: skip
    hears(lea, IVAN)
    drained_s = time.monotonic() - drained

    # Ivan goes off air: the page brings the floor up and says why, and back when he returns.
    headless.run(headless.clients[1].send("on_air", on=False))
    expect(lea.locator("#floor-note")).to_have_text(
        "No interpreter is on air: you hear the floor.", timeout=WITHIN * 1000
    )
    hears(lea, FLOOR)
    headless.run(headless.clients[1].send("on_air", on=True))
    expect(lea.locator("#floor-note")).to_be_hidden(timeout=WITHIN * 1000)
    hears(lea, IVAN)
    print(f"\nLea listened on {edge}; after its kill -9 she hears Ivan on {moved_to} "
          f"{heard_s:.1f} s later; after SIGTERM on {moved_to}, on the origin "
          f"{drained_s:.1f} s later; {lea.evaluate('window.__listen.timeline')}")  # fmt: skip

    # An organiser's page on the same plenary is the room itself.
    olu = browser.new_context(locale="en-GB").new_page()
    nodes[origin].sign_in(olu, "organiser@example.org")
    olu.goto(f"{nodes[origin].site}/rooms/session/{PLENARY}")
    expect(olu.locator("#room-status")).to_have_text("Connected")
    expect(olu.locator("#mute-button")).to_be_visible()
    expect(olu.locator("#listen-mode")).to_have_count(0)

    # The nodes' logs name no one and show no connect token (the page's /relay/ws?…&token=).
    for node in nodes.values():
        log = node.log.read_text(errors="replace")
        assert "/relay/ws?session=" in log or node.settings["node_id"] == origin
        assert not re.search(r"token=(?!\[redacted\])", log), node.settings["node_id"]
        assert "Lea" not in log and "lea@example.org" not in log
    if SHOTS:  # Lea's page in Arabic, right to left
        lea.goto(f"{nodes[origin].site}/language?set=ar&next=/rooms/session/{PLENARY}")
        expect(lea.locator("#room")).to_have_attribute("data-state", "open")
        expect(lea.locator("html")).to_have_attribute("dir", "rtl")
        hears(lea, IVAN)
        time.sleep(1.0)
        lea.screenshot(path=f"{SHOTS}/listen-only-ar.png", full_page=True)

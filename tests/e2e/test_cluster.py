"""One event on three nodes (``conference serve --node-id``) sharing PostgreSQL and Redis.

Real node processes on loopback, real Chromium. A participant who opens a session's room on
any node ends up on the node that owns the session; three sessions are owned by three
nodes; two people who came in through different nodes chat in one room.

Then the owner is killed with ``kill -9`` in the middle of the plenary: Flora speaks on the
floor (440 Hz), Ivan interprets into Spanish on his console (660 Hz), Lea listens in
Spanish, Pat sits in a breakout room whose countdown runs. Within 30 s every page is on
another node, which took the session over from the dead node's snapshot: each person is on
the seat they had, Pat still in the breakout with its countdown gone on (not reset), Lea
still in Spanish. While Ivan is away Lea hears the floor and her page says the interpreter
dropped; once he is back on air she hears him again.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import redis
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect
from sqlmodel import select

from conference.storage.engine import make_engine, session
from conference.storage.tables import Conference, Person
from conference.storage.tables import Session as ProgrammeSession
from rooms.client import RoomClient, connect_info
from rooms.keeper import conference_key
from rooms.media.tones import write_tone_wav
from rooms.signalling import ConnectTokens, Identity
from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS, MEDIA_FLAGS
from tests.support.browser import wait_until
from tests.support.interpretation_seed import PLENARY, interpretation_conference
from tests.support.server import ServeProcess, cluster

pytestmark = pytest.mark.e2e

REDIS_URL = "redis://127.0.0.1:6379/0"
FAILOVER_WITHIN = 30.0
FLOOR, IVAN = 440, 660


@pytest.fixture
def nodes(database_url: str, tmp_path: Path) -> Iterator[dict[str, ServeProcess]]:
    engine = make_engine(database_url)
    interpretation_conference(engine)  # Spanish booth (Ivan) in the plenary, session 1
    with session(engine) as db:
        conference = db.exec(select(Conference)).one()
        db.add(Person(name="Pat Participant", email="pat@example.org", roles=["participant"]))
        assert conference.id is not None
        db.add(ProgrammeSession(
            conference_id=conference.id, title="Regional breakout", kind="breakout",
            start=datetime(2026, 12, 5, 16, 30, tzinfo=UTC),
            end=datetime(2026, 12, 5, 17, 30, tzinfo=UTC),
            floor_languages=["en"], interpretation_languages=[],
        ))  # fmt: skip
    engine.dispose()
    secret = "cluster-e2e-" + secrets.token_hex(20)  # a cluster of its own in Redis
    # The mail limits count in the shared Redis, across runs: not under test here.
    limits = {"rate_limit_address": "1000/minute", "rate_limit_ip": "1000/minute"}
    with cluster("abc", tmp_path, database_url, REDIS_URL, secret, **limits) as started:
        yield started


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def signed_in(browser: Browser, node: ServeProcess, email: str) -> BrowserContext:
    context = browser.new_context(locale="en-GB")
    context.set_default_timeout(15_000)
    node.sign_in(context.new_page(), email)
    return context


def open_room(context: BrowserContext, node: ServeProcess, session_id: int) -> Page:
    page = context.new_page()
    page.goto(f"{node.site}/rooms/session/{session_id}")
    expect(page.locator("#room-status")).to_have_text("Connected")
    return page


def owner_of(nodes: dict[str, ServeProcess], page: Page) -> ServeProcess:
    return next(n for n in nodes.values() if n.site == origin(page.url))


def listed_owner(node: ServeProcess, session_id: int) -> str:
    """Which node ``conference nodes`` says owns the session (the operator's view)."""
    listing = subprocess.run(
        [sys.executable, "-m", "conference.cli", "nodes"],
        env={**_env(node)}, capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    for line in listing.splitlines():
        sessions = line.rsplit("sessions: ", 1)[-1].split(", ")
        if str(session_id) in sessions and "serving" in line:
            return line.split()[0]
    raise AssertionError(f"no serving node owns session {session_id}:\n{listing}")


def _env(node: ServeProcess) -> dict[str, str]:
    return {**os.environ, **{f"CONFERENCE_{k.upper()}": v for k, v in node.settings.items()}}


def moved_on(page: Page, dead: ServeProcess) -> bool:
    """On a live node's room page, connected; the page's state is in the failure message."""
    where = origin(page.url)
    try:
        status = page.locator("#room-status").inner_text(timeout=1000)
    except Exception:  # the page is between two documents
        status = "(loading)"
    if where not in ("", dead.site) and status == "Connected":
        return True
    print(f"{page.url}: {status}")
    return False


def chat(page: Page, text: str) -> None:
    page.fill("#chat-text", text)
    page.press("#chat-text", "Enter")


def launch(playwright: Playwright, tmp: Path, name: str, hz: int, amplitude: float) -> Browser:
    wav = write_tone_wav(tmp / f"{name}.wav", hz, amplitude=amplitude)
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[*CHROMIUM_FLAGS, *MEDIA_FLAGS, f"--use-file-for-fake-audio-capture={wav}"],
    )


def hears(page: Page, hz: int) -> Any:
    """What the listener hears after the interpretation mix, once ``hz`` is loudest."""

    def check() -> Any:
        r = page.evaluate(f"window.__room.mixReading({[FLOOR, IVAN]})")
        return r if r and abs(r["peakHz"] - hz) < 10 and r["peakDb"] > -70 else None

    return wait_until(check, f"the listener hears {hz} Hz loudest", within=FAILOVER_WITHIN)


def snapshot_holds(node: ServeProcess, *needles: str) -> bool:
    """Whether the node's own live snapshot in Redis names all of ``needles``."""
    key = f"conference:live:{conference_key(node.settings['secret_key'])}"
    client = redis.Redis.from_url(REDIS_URL)
    try:
        body = client.get(f"{key}:node:{node.settings['node_id']}")
    finally:
        client.close()
    return body is not None and all(n.encode() in body for n in needles)


async def open_breakout(node: ServeProcess, seat_id: str) -> None:
    """A headless organiser opens a 10-minute breakout in the plenary, for Pat's seat only."""
    tokens = ConnectTokens(node.settings["secret_key"])
    token = tokens.issue(Identity.of("org-headless", "Ola", ["organiser"]))
    info = await connect_info(node.site, PLENARY, token)
    ola = RoomClient(info["ws_url"], token=token)
    await ola.connect()
    await ola.join(info["room_id"])
    await ola.send("breakout_open", mode="by_hand", duration_s=600,
                   rooms=[{"title": "Pairs", "seats": [seat_id]}])  # fmt: skip
    await ola.expect("breakouts_opened")


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_people_end_up_on_the_owning_node_and_resume_there_when_it_dies(
    nodes: dict[str, ServeProcess], playwright: Playwright, tmp_path: Path
) -> None:
    browsers = {
        "flora": launch(playwright, tmp_path, "flora", FLOOR, 0.5),
        "ivan": launch(playwright, tmp_path, "ivan", IVAN, 0.5),
        "others": launch(playwright, tmp_path, "silent", 1000, 0.0),
    }
    try:
        _people_follow_a_dead_node(nodes, browsers)
    finally:
        for browser in browsers.values():
            browser.close()


def _people_follow_a_dead_node(
    nodes: dict[str, ServeProcess], browsers: dict[str, Browser]
) -> None:
    console = f"/interpret/session/{PLENARY}"
    organiser = signed_in(browsers["others"], nodes["b"], "organiser@example.org")
    olu = open_room(organiser, nodes["b"], PLENARY)
    pat = open_room(signed_in(browsers["others"], nodes["c"], "pat@example.org"), nodes["c"], 1)

    # Both came in through different nodes and sit on the one that owns session 1.
    owner = owner_of(nodes, olu)
    assert origin(pat.url) == owner.site
    assert listed_owner(owner, 1) == owner.settings["node_id"]

    # Three sessions, three owners (fewest sessions first).
    others = [open_room(organiser, nodes["a"], s) for s in (2, 3)]
    assert len({origin(p.url) for p in [olu, *others]}) == 3
    for page in others:
        page.close()

    chat(olu, "Hello from node b's door")
    expect(pat.locator("#chat-log li").last).to_have_text("Olu Organiser: Hello from node b's door")

    # The plenary: Flora on the floor, Ivan on air in Spanish, Lea listening in Spanish.
    flora = open_room(signed_in(browsers["flora"], nodes["a"], "flora@example.org"), nodes["a"], 1)
    lea = open_room(signed_in(browsers["others"], nodes["c"], "lea@example.org"), nodes["c"], 1)
    ivan = signed_in(browsers["ivan"], nodes["b"], "ivan@example.org").new_page()
    ivan.goto(f"{nodes['b'].site}{console}")
    assert origin(flora.url) == origin(lea.url) == origin(ivan.url) == owner.site
    for page, hook in ((flora, "__room"), (ivan, "__booth"), (lea, "__room")):
        wait_until(lambda p=page, h=hook: p.evaluate(f"window.{h}.peerState") == "connected",  # type: ignore[misc]
                   f"{hook} connects its media")  # fmt: skip
    ivan.click("#on-air-button")
    expect(ivan.locator("#air-state")).to_have_attribute("data-state", "on_air")
    wait_until(lambda: lea.locator("#language-select option[value=es]").count() == 1,
               "Lea is offered Spanish")  # fmt: skip
    lea.select_option("#language-select", "es")
    hears(lea, IVAN)

    # Pat goes to a breakout with a 10-minute countdown.
    pat_seat = str(pat.evaluate("window.__room.seatId"))
    main_room = str(pat.evaluate("window.__room.roomId"))
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, open_breakout(owner, pat_seat)).result(timeout=60)
    countdown = pat.locator("#breakout-countdown")
    expect(countdown).to_have_text(re.compile(r"\d+:\d\d"))
    wait_until(lambda: pat.evaluate("window.__room.roomId") not in (None, main_room),
               "Pat is in the breakout room")  # fmt: skip
    breakout_room = str(pat.evaluate("window.__room.roomId"))
    seats = {name: str(p.evaluate("window.__room.seatId")) for name, p in
             (("olu", olu), ("pat", pat), ("flora", flora), ("lea", lea))}  # fmt: skip
    ivan_seat = str(ivan.evaluate("window.__booth.seatId"))
    left_before = int(countdown.get_attribute("data-seconds-left") or 0)
    wait_until(lambda: snapshot_holds(owner, *seats.values(), ivan_seat, breakout_room),
               "the owner's snapshot holds the seats and the breakout")  # fmt: skip

    # Where the console goes when its node dies (the page's own relocation, token carried).
    carried = str(
        ivan.evaluate("""() => {
        const key = Object.keys(sessionStorage).find((k) => k.startsWith("booth-resume:"));
        return document.querySelector("[data-relocate-url]").dataset.relocateUrl
            + "#resume=" + sessionStorage.getItem(key);
    }""")
    )
    # Ivan's network stays down a little longer than everyone else's: Lea is back first.
    ivan.context.set_offline(True)
    owner.kill9()
    killed = time.monotonic()

    # The pages say they lost the connection, go to a live node, which took the session
    # over from the dead node's snapshot, and sit down on the seats they had.
    for name, page in (("pat", pat), ("lea", lea), ("olu", olu), ("flora", flora)):
        wait_until(
            lambda p=page: moved_on(p, owner),  # type: ignore[misc]
            f"{name}'s page is connected on another node",
            within=FAILOVER_WITHIN,
        )
        assert page.evaluate("window.__room.seatId") == seats[name], name
    resumed_s = time.monotonic() - killed
    assert resumed_s < FAILOVER_WITHIN
    new_owner = origin(pat.url)
    assert {origin(p.url) for p in (olu, flora, lea)} == {new_owner}
    taker = next(n for n in nodes.values() if n.site == new_owner)
    assert "took session 1 over" in taker.log.read_text(errors="replace")

    # The breakout goes on: Pat is still in it, and its countdown did not start again.
    assert pat.evaluate("window.__room.roomId") == breakout_room
    expect(countdown).to_have_text(re.compile(r"\d+:\d\d"))
    elapsed = time.monotonic() - killed + 1.0
    left_after = int(countdown.get_attribute("data-seconds-left") or 0)
    assert left_before - elapsed - 5 <= left_after <= left_before - elapsed + 3

    # Lea still listens in Spanish; Ivan is dropped: her page says so, and she hears the floor.
    wait_until(lambda: lea.evaluate("window.__room.language") == "es", "Lea listens in es")
    expect(lea.locator("#floor-note")).to_have_attribute("data-reason", "interpreter_dropped")
    wait_until(lambda: lea.evaluate("window.__room.peerState") == "connected",
               "Lea's media reconnects", within=FAILOVER_WITHIN)  # fmt: skip
    hears(lea, FLOOR)

    # Ivan's network comes back: his console follows to the new node, on his seat, and he is
    # back on air (by himself within the drop grace, or with the button once it went idle).
    ivan.context.set_offline(False)
    wait_until(lambda: _console_back(ivan, owner, carried), "Ivan's console is on another node",
               within=FAILOVER_WITHIN)  # fmt: skip
    assert origin(ivan.url) == new_owner
    wait_until(lambda: ivan.evaluate("window.__booth.peerState") == "connected",
               "Ivan's console reconnects its media", within=FAILOVER_WITHIN)  # fmt: skip
    assert ivan.evaluate("window.__booth.seatId") == ivan_seat
    if ivan.locator("#air-state").get_attribute("data-state") != "on_air":
        ivan.click("#on-air-button")
    expect(ivan.locator("#air-state")).to_have_attribute("data-state", "on_air")
    hears(lea, IVAN)
    heard_again_s = time.monotonic() - killed

    chat(lea, "Still here after the node died")
    expect(olu.locator("#chat-log li").last).to_have_text(
        "Lea Listener: Still here after the node died"
    )
    print(f"\nfailover: pages resumed on {new_owner} {resumed_s:.1f} s after kill -9; "
          f"interpreter heard again after {heard_again_s:.1f} s (his network down longer)")  # fmt: skip


def _console_back(page: Page, dead: ServeProcess, carried: str) -> bool:
    """The console page is on a live node. Its relocation failed while it was offline (an
    error page): it is reloaded there, as its interpreter would."""
    if page.url.startswith("chrome-error") or origin(page.url) == dead.site:
        with contextlib.suppress(Exception):
            page.goto(carried)
    if origin(page.url) in ("", dead.site):
        return False
    try:
        return bool(page.evaluate("window.__booth !== undefined && window.__booth.seatId"))
    except Exception:
        return False


@pytest.mark.parametrize("how", ["conference drain", "SIGTERM"])
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_draining_a_node_moves_its_people_to_another_with_one_reconnect(
    nodes: dict[str, ServeProcess], browser: Browser, how: str
) -> None:
    """``conference drain NODE``, or SIGTERM, after which the node exits by itself."""
    olu = open_room(signed_in(browser, nodes["a"], "organiser@example.org"), nodes["a"], 1)
    pat = open_room(signed_in(browser, nodes["b"], "pat@example.org"), nodes["b"], 1)
    owner = owner_of(nodes, olu)
    name = owner.settings["node_id"]
    seats = [p.evaluate("window.__room.seatId") for p in (olu, pat)]
    wait_until(lambda: snapshot_holds(owner, *seats), "the owner's snapshot holds the seats")

    drained = time.monotonic()
    if how == "SIGTERM":
        assert owner.process is not None
        owner.process.send_signal(signal.SIGTERM)
    else:
        subprocess.run(
            [sys.executable, "-m", "conference.cli", "drain", name],
            env=_env(owner), capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
    for page in (olu, pat):
        wait_until(
            lambda p=page: moved_on(p, owner),  # type: ignore[misc]
            "the page is connected on another node",
            within=15,
        )
        print(f"connected on another node {time.monotonic() - drained:.1f} s after {how}")

    assert origin(olu.url) == origin(pat.url) != owner.site
    # The new owner took the session over from the drained node's latest snapshot.
    taker = owner_of(nodes, olu)
    assert "took session 1 over" in taker.log.read_text(errors="replace")
    assert [p.evaluate("window.__room.seatId") for p in (olu, pat)] == seats
    if how == "SIGTERM":
        assert owner.process is not None and owner.process.wait(30) == 0  # by itself
        assert "SIGTERM: drained; exiting" in owner.log.read_text(errors="replace")
    else:
        assert httpx.get(f"{owner.site}/readyz").status_code == 503
    assert listed_owner(owner, 1) != name
    chat(olu, "Moved without a word from us")
    expect(pat.locator("#chat-log li").last).to_have_text(
        "Olu Organiser: Moved without a word from us"
    )

"""One event on three nodes (``conference serve --node-id``) sharing PostgreSQL and Redis.

Real node processes on loopback, real Chromium. A participant who opens a session's room on
any node ends up on the node that owns the session; three sessions are owned by three
nodes; two people who came in through different nodes chat in one room. Then the owner is
killed with ``kill -9``: within 30 s both pages are on another node, connected, and chat
again (the dead node's live state for that session is not carried over yet: they sit down
afresh; docs/operations.md, "Several nodes").
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from conference.storage.engine import make_engine, session
from conference.storage.tables import Person
from conference.storage.tables import Session as ProgrammeSession
from tests.support.browser import wait_until
from tests.support.seed import small_conference
from tests.support.server import ServeProcess

pytestmark = pytest.mark.e2e

REDIS_URL = "redis://127.0.0.1:6379/0"
FAILOVER_WITHIN = 30.0


@pytest.fixture
def nodes(database_url: str, tmp_path: Path) -> Iterator[dict[str, ServeProcess]]:
    engine = make_engine(database_url)
    conference = small_conference(engine)
    with session(engine) as db:
        db.add(Person(name="Pat Participant", email="pat@example.org", roles=["participant"]))
        db.add(ProgrammeSession(
            conference_id=conference.id, title="Regional breakout", kind="breakout",
            start=datetime(2026, 12, 5, 16, 30, tzinfo=UTC),
            end=datetime(2026, 12, 5, 17, 30, tzinfo=UTC),
            floor_languages=["en"], interpretation_languages=[],
        ))  # fmt: skip
    engine.dispose()
    secret = "cluster-e2e-" + secrets.token_hex(20)  # a cluster of its own in Redis
    started: dict[str, ServeProcess] = {}
    try:
        for name in "abc":
            node = ServeProcess(
                tmp_path / f"node-{name}.log",
                database_url=database_url, bus_url=REDIS_URL, secret_key=secret,
                var_dir=str(tmp_path / name), node_id=name,
                # The mail limits count in the shared Redis, across runs: not under test here.
                rate_limit_address="1000/minute", rate_limit_ip="1000/minute",
            )  # fmt: skip
            node.settings["public_url"] = node.site
            node.start()
            started[name] = node
        yield started
    finally:
        for node in started.values():
            node.stop()


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


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_people_end_up_on_the_owning_node_and_follow_it_when_it_dies(
    nodes: dict[str, ServeProcess], browser: Browser
) -> None:
    organiser = signed_in(browser, nodes["b"], "organiser@example.org")
    olu = open_room(organiser, nodes["b"], 1)
    pat = open_room(signed_in(browser, nodes["c"], "pat@example.org"), nodes["c"], 1)

    # Both came in through different nodes and sit on the one that owns session 1.
    owner = owner_of(nodes, olu)
    assert origin(pat.url) == owner.site
    assert listed_owner(owner, 1) == owner.settings["node_id"]

    # Three sessions, three owners (fewest sessions first).
    others = [open_room(organiser, nodes["a"], s) for s in (2, 3)]
    assert len({origin(p.url) for p in [olu, *others]}) == 3

    chat(olu, "Hello from node b's door")
    expect(pat.locator("#chat-log li").last).to_have_text("Olu Organiser: Hello from node b's door")

    owner.kill9()

    # The pages say they lost the connection, then go to a live node, which now owns it.
    for page in (olu, pat):
        wait_until(
            lambda p=page: moved_on(p, owner),  # type: ignore[misc]
            "the page is connected on another node",
            within=FAILOVER_WITHIN,
        )
    assert origin(olu.url) == origin(pat.url)
    chat(pat, "Still here after the node died")
    expect(olu.locator("#chat-log li").last).to_have_text(
        "Pat Participant: Still here after the node died"
    )


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_draining_a_node_moves_its_people_to_another_with_one_reconnect(
    nodes: dict[str, ServeProcess], browser: Browser
) -> None:
    olu = open_room(signed_in(browser, nodes["a"], "organiser@example.org"), nodes["a"], 1)
    pat = open_room(signed_in(browser, nodes["b"], "pat@example.org"), nodes["b"], 1)
    owner = owner_of(nodes, olu)
    name = owner.settings["node_id"]

    drained = time.monotonic()
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
        print(f"connected on another node {time.monotonic() - drained:.1f} s after the drain")

    assert origin(olu.url) == origin(pat.url) != owner.site
    assert httpx.get(f"{owner.site}/readyz").status_code == 503
    assert listed_owner(owner, 1) != name
    chat(olu, "Moved without a word from us")
    expect(pat.locator("#chat-log li").last).to_have_text(
        "Olu Organiser: Moved without a word from us"
    )

"""Who listens without a seat in the room: the server decides, per person, on two nodes.

Two ``conference serve --node-id`` processes on PostgreSQL and the machine's Redis, one
listener each (``CONFERENCE_NODE_LISTENERS=1``). ``GET /rooms/session/{id}/connect`` says
``listen_only``: null while the origin has room, and where to listen once a plain
participant sits in the room (the origin's share); never for an organiser or an
interpreter, nor for the participant already seated. ``/relay/listen`` refuses bad input
with a 400 that names the field, and a connect token opens one listen-only seat in the
whole cluster.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis.asyncio as redis

from rooms.client import ClientError, RoomClient, connect_info
from rooms.keeper import conference_key
from rooms.signalling import ConnectTokens, Identity
from tests.support.interpretation_seed import PLENARY, interpretation_conference
from tests.support.server import ServeProcess, cluster

pytestmark = pytest.mark.integration

REDIS_URL = "redis://127.0.0.1:6379/0"
WITHIN = 30.0  # a bound on a hung test, not a goal


@pytest.fixture
def nodes(database_url: str, tmp_path: Path) -> Iterator[tuple[dict[str, ServeProcess], dict]]:
    from conference.storage.engine import make_engine

    engine = make_engine(database_url)
    people = interpretation_conference(engine)
    engine.dispose()
    secret = "listen-decision-" + secrets.token_hex(20)
    with cluster("ob", tmp_path, database_url, REDIS_URL, secret, node_listeners="1") as started:
        yield started, people


async def seated_counted(secret: str, origin: str, count: int) -> None:
    """Wait until the origin's count of plain participants seated in the room is ``count``."""
    client = redis.Redis.from_url(REDIS_URL)
    key = f"cluster:{conference_key(secret)}:relay:seated:{PLENARY}"
    try:
        deadline = time.monotonic() + WITHIN
        while int(await client.hget(key, origin) or 0) != count:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.1)
    finally:
        await client.aclose()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_plain_participants_listen_only_once_the_origin_holds_its_share(nodes) -> None:
    started, people = nodes
    secret = started["o"].settings["secret_key"]
    tokens = ConnectTokens(secret)
    olu = Identity.of("9001", "Olu", ["organiser"])
    ivan = Identity.of(str(people["ivan"]), "Ivan", ["interpreter"])
    pat, lea = (Identity.of(p, n, ["participant"]) for p, n in (("7001", "Pat"), ("7002", "Lea")))

    async def ask(who: Identity, node: str = "b") -> dict:
        return await connect_info(started[node].site, PLENARY, tokens.issue(who))

    first = await ask(pat)
    assert first["listen_only"] is None  # the origin has room: Pat sits in the room
    origin = next(
        n for n, p in started.items() if first["ws_url"].startswith(p.site.replace("http", "ws"))
    )
    other = next(n for n in started if n != origin)
    clients = []
    try:
        seated = RoomClient(first["ws_url"], token=tokens.issue(pat))
        clients.append(seated)
        await seated.connect()
        await seated.join(str(first["room_id"]))
        await seated_counted(secret, origin, 1)

        # The origin holds its share: Lea listens from the edge, asked through either node.
        for door in ("o", "b"):
            where = (await ask(lea, door))["listen_only"]
            assert where == {
                "node": other,
                "url": started[other].site,
                "ws_url": started[other].site.replace("http", "ws")
                + f"/relay/ws?session={PLENARY}",
            }
        # Whoever may speak sits in the room; so does Pat, already seated (a reload).
        for who in (olu, ivan, pat):
            assert (await ask(who))["listen_only"] is None, who.display_name

        # A connect token opens one listen-only seat in the whole cluster, not one per node.
        token = tokens.issue(lea)
        listener = RoomClient(str(where["ws_url"]), token=token)
        clients.append(listener)
        welcome = await listener.connect()
        assert welcome["listen_only"] is True and welcome["node"] == other
        again = started[origin].site.replace("http", "ws") + f"/relay/ws?session={PLENARY}"
        with pytest.raises(ClientError):
            await RoomClient(again, token=token).connect()
    finally:
        for client in clients:
            await client.close()

    # Bad input is refused with a 400 that names the field.
    site = started[origin].site
    for query, field in (
        ("session=plenary", "session"),
        ("", "session"),
        (f"session={PLENARY}&unreachable={'x' * 65}", "unreachable"),
    ):
        async with httpx.AsyncClient(timeout=5) as http:
            answer = await http.get(f"{site}/relay/listen?{query}")
        assert answer.status_code == 400, query
        assert answer.json()["error"].startswith(f"{field}:"), query

"""An origin and two edges: a plenary's listen-only seats spread over nodes, media relayed.

Three ``conference serve --node-id`` processes on PostgreSQL and the machine's Redis, each
holding one listen-only seat of a session before the session spreads over edges
(``CONFERENCE_NODE_LISTENERS=1``). On the session's owner (its origin) an organiser speaks
on the floor (440 Hz) and two interpreters are on air, Spanish (660 Hz) and French
(880 Hz); all are headless aiortc clients on the real protocol (rooms.client). Five
listeners ask the origin where to listen (``/relay/listen``) and sit down there
(``/relay/ws``): one on the origin, two on each edge. They hear the floor and their
language, one switches language on its edge alone, the origin sends each packet once per
edge whatever the listeners there (its /metrics), and when an edge is killed its listeners
are sent to the other edge and hear again.

Video: the organiser turns a camera on (a solid red picture, rooms.media.colours), and
listen-only seats that offer video slots, on the origin and on both edges, decode red
frames in their first floor video slot; the origin sends each frame once per edge. Then
the organiser shares a blue screen, and every listen-only seat decodes it in its share slot.

Sign language: Sam signs (a magenta camera) on air in the plenary's ASL booth on the
origin; listen-only seats that choose ASL, on the origin and on both edges, decode magenta
frames in their pinned video slot and hear the floor; the origin sends each of the signer's
frames once per edge. When Sam's partner takes over (yellow), they see her instead.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import signal
import subprocess
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
FLOOR_HZ, ES_HZ, FR_HZ = 440, 660, 880
WITHIN = 30.0  # a bound on a hung test, not a goal


@pytest.fixture
def nodes(database_url: str, tmp_path: Path) -> Iterator[tuple[dict[str, ServeProcess], dict]]:
    from conference.storage.engine import make_engine

    engine = make_engine(database_url)
    people = interpretation_conference(engine)
    engine.dispose()
    secret = "edges-test-" + secrets.token_hex(20)
    with cluster("oab", tmp_path, database_url, REDIS_URL, secret, node_listeners="1") as started:
        yield started, people


def metrics(node: ServeProcess) -> dict[str, float]:
    text = httpx.get(f"{node.site}/metrics", timeout=5).text
    found = {}
    for line in text.splitlines():
        match = re.match(r"^(rooms_relay_\w+|rooms_listen_seats|rooms_packets_forwarded\w*)"
                         r"(\{[^}]*\})? ([0-9.e+]+)$", line)  # fmt: skip
        if match:
            found[match.group(1) + (match.group(2) or "")] = float(match.group(3))
    return found


class Listener:
    def __init__(
        self, tokens: ConnectTokens, n: int, video: bool = False, pinned_slots: int = 0
    ) -> None:
        self.tokens = tokens
        self.identity = Identity.of(str(7000 + n), f"Listener {n}", ["participant"])
        self.client: RoomClient | None = None
        self.node = ""
        self.video = video
        self.pinned_slots = pinned_slots

    async def sit_down(self, origin: ServeProcess, language: str, unreachable: str = "") -> str:
        """Ask the origin where to listen and sit down there, as a client would: a node it
        cannot reach is named in the next ask (``unreachable``)."""
        if self.client is not None:
            await self.client.close()
        deadline = time.monotonic() + WITHIN
        while True:
            where = (await asyncio.to_thread(
                httpx.get, f"{origin.site}/relay/listen?session={PLENARY}"
                f"&unreachable={unreachable}", timeout=5,
            )).json()  # fmt: skip
            self.client = RoomClient(
                where["ws_url"], token=self.tokens.issue(self.identity), video=self.video,
                pinned_slots=self.pinned_slots,
            )  # fmt: skip
            try:
                await self.client.connect()
                break
            except ClientError:
                assert time.monotonic() < deadline, f"{where['node']} cannot be reached"
                unreachable = where["node"]
        self.node = where["node"]
        await self.client.start_media()
        await self.choose(language)
        return self.node

    async def sent_away(self) -> int | None:
        """Wait until the node closes this listener's websocket; its close code."""
        assert self.client is not None and self.client._ws is not None
        await asyncio.wait_for(self.client._ws.wait_closed(), WITHIN)
        return self.client._ws.close_code

    async def choose(self, language: str) -> None:
        assert self.client is not None
        await self.client.send("select_language", language=language)
        chosen = await self.client.expect("language")
        assert chosen["language"] == language

    async def hears(self, *tones: float) -> None:
        assert self.client is not None
        for hz in tones:
            await self.client.wait_for_tone(hz, within=WITHIN)


async def exit_code(node: ServeProcess) -> int | None:
    """The node's exit code once it has exited; fails with its log's end if it has not."""
    assert node.process is not None
    try:
        return await asyncio.to_thread(node.process.wait, WITHIN)
    except subprocess.TimeoutExpired:
        tail = node.log.read_text(errors="replace")[-3000:]
        pytest.fail(f"the node has not exited {WITHIN:.0f} s after SIGTERM; its log ends:\n{tail}")


async def listeners_counted(secret: str, expected: dict[str, int]) -> None:
    """Wait until the nodes' batched counts in Redis (what ``/relay/listen`` decides by)
    are ``expected`` (nodes that hold none may be missing)."""
    client = redis.Redis.from_url(REDIS_URL)
    key = f"cluster:{conference_key(secret)}:relay:listeners:{PLENARY}"
    try:
        deadline = time.monotonic() + WITHIN
        while True:
            raw = await client.hgetall(key)
            seen = {k.decode(): int(v) for k, v in raw.items() if int(v)}
            if seen == {k: v for k, v in expected.items() if v}:
                return
            assert time.monotonic() < deadline, seen
            await asyncio.sleep(0.1)
    finally:
        await client.aclose()


async def count_told(client: RoomClient, count: int) -> None:
    """Wait for a ``listen_only`` message with ``count``, the room's batched count."""
    while (await client.expect("listen_only", within=WITHIN))["count"] != count:
        pass


async def relay_keys(secret: str, edges: list[str]) -> list[str]:
    """The SRTP keys (base64, as stored) the origin made for ``edges``."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        found = []
        for edge in edges:
            raw = await client.hgetall(f"cluster:{conference_key(secret)}:relay:keys:{edge}")
            found += [json.loads(v)["key"] for v in raw.values()]
        return found
    finally:
        await client.aclose()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_an_origin_and_two_edges_serve_a_plenary_s_listeners(nodes) -> None:
    started, people = nodes
    secret = started["o"].settings["secret_key"]
    tokens = ConnectTokens(secret)
    olu = Identity.of("9001", "Olu", ["organiser"])
    info = await connect_info(started["o"].site, PLENARY, tokens.issue(olu))
    room_id = str(info["room_id"])
    origin = next(
        n for n, p in started.items() if info["ws_url"].startswith(p.site.replace("http", "ws"))
    )
    others = sorted(n for n in started if n != origin)

    speakers = []
    try:
        floor = RoomClient(info["ws_url"], token=tokens.issue(olu), tone=FLOOR_HZ)
        speakers.append(floor)
        await floor.connect()
        await floor.join(room_id)
        await floor.start_media()
        for name, hz in (("ivan", ES_HZ), ("fay", FR_HZ)):
            booth = RoomClient(
                info["ws_url"],
                token=tokens.issue(Identity.of(str(people[name]), name, ["interpreter"])),
                tone=hz,
            )
            speakers.append(booth)
            await booth.connect()
            await booth.send("booth_enter", room_id=room_id)
            await booth.expect("booth_state")
            await booth.start_media()
            await booth.send("on_air", on=True)
            while (await booth.expect("booth_state"))["state"] != "on_air":
                pass

        listeners = [Listener(tokens, n) for n in range(5)]
        placed = []
        expected = {n: 0 for n in started}
        for listener in listeners:
            placed.append(await listener.sit_down(started[origin], "es"))
            expected[listener.node] += 1
            await listeners_counted(secret, expected)
        # One on the origin (its share), then two on each edge.
        assert sorted(placed) == sorted([origin, *others, *others])
        # The room learns the count of all five, batched, not who they are.
        await count_told(floor, 5)
        assert "Listener" not in json.dumps([m for m in floor.seen if m["type"] != "listen_only"])

        for listener in listeners:
            await listener.hears(FLOOR_HZ, ES_HZ)
        # A listener on an edge switches to French: only that seat changes.
        on_edge = [listener for listener in listeners if listener.node == others[0]]
        await on_edge[0].choose("fr")
        await on_edge[0].hears(FR_HZ)
        await on_edge[1].hears(ES_HZ)

        # Each packet of the floor and the booths leaves the origin once per edge.
        before = metrics(started[origin])
        await asyncio.sleep(1.0)
        after = metrics(started[origin])
        taken = f'rooms_relay_taken_total{{session="{PLENARY}"}}'
        sent = [f'rooms_relay_sent_total{{edge="{e}",session="{PLENARY}"}}' for e in others]
        took = after[taken] - before[taken]
        assert took > 0
        assert [after[s] - before[s] for s in sent] == [took, took]
        for edge in others:
            got = metrics(started[edge])
            assert got['rooms_relay_received_total{outcome="refused"}'] == 0
            assert got['rooms_relay_received_total{outcome="accepted"}'] > 0

        # The pairs' keys are in Redis for their edges, and in no node's log.
        keys = await relay_keys(secret, others)
        assert len(keys) == 2
        for node in started.values():
            assert not any(key in node.log.read_text(errors="replace") for key in keys)

        # Killing an edge: its listeners find it gone, ask again, and are sent to the other
        # edge, where they hear again.
        dead, alive = others[1], others[0]
        started[dead].kill9()
        killed = time.monotonic()
        moved = [listener for listener in listeners if listener.node == dead]
        for listener in moved:
            assert await listener.sit_down(started[origin], "es", unreachable=dead) == alive
            await listener.hears(FLOOR_HZ, ES_HZ)
        print(f"\nedge killed to its listeners hearing again on {alive}: "
              f"{time.monotonic() - killed:.1f} s")  # fmt: skip
        await count_told(floor, 5)

        # SIGTERM on the other edge: it drains, its listeners are sent away (1001), ask
        # again and sit down on the origin (no edge is left to take them).
        started[alive].process.send_signal(signal.SIGTERM)  # type: ignore[union-attr]
        drained = time.monotonic()
        leaving = [listener for listener in listeners if listener.node == alive]
        assert await asyncio.gather(*(lr.sent_away() for lr in leaving)) == [1001] * 4
        for listener in leaving:
            assert await listener.sit_down(started[origin], "es") == origin
            await listener.hears(FLOOR_HZ, ES_HZ)
        print(f"edge drained to its listeners hearing again on the origin: "
              f"{time.monotonic() - drained:.1f} s")  # fmt: skip
        assert await exit_code(started[alive]) == 0
        await count_told(floor, 5)
        log = started[origin].log.read_text(errors="replace")
        assert "Traceback" not in log
    finally:
        for client in speakers:
            await client.close()
        for listener in locals().get("listeners", []):
            if listener.client is not None:
                await listener.client.close()


async def on_the_floor(
    site: str, tokens: ConnectTokens, people: dict, resume: dict[str, str] | None = None
) -> list[RoomClient]:
    """The organiser on the floor and Ivan on air in Spanish, on the session's owner as
    ``site`` names it (``resume``: each one's resume token, after a move)."""
    olu = Identity.of("9001", "Olu", ["organiser"])
    ivan = Identity.of(str(people["ivan"]), "ivan", ["interpreter"])
    info = await connect_info(site, PLENARY, tokens.issue(olu))
    floor = RoomClient(info["ws_url"], token=tokens.issue(olu), tone=FLOOR_HZ)
    booth = RoomClient(info["ws_url"], token=tokens.issue(ivan), tone=ES_HZ)
    await floor.connect((resume or {}).get("floor"))
    if resume is None:
        await floor.join(str(info["room_id"]))
    await floor.start_media()
    await booth.connect((resume or {}).get("booth"))
    await booth.send("booth_enter", room_id=str(info["room_id"]))
    state = await booth.expect("booth_state")
    await booth.start_media()
    if state["state"] != "on_air":
        await booth.send("on_air", on=True)
        while (await booth.expect("booth_state"))["state"] != "on_air":
            pass
    return [floor, booth]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_the_origin_drains_and_an_edge_becomes_the_origin(nodes) -> None:
    started, people = nodes
    tokens = ConnectTokens(started["o"].settings["secret_key"])
    speakers = await on_the_floor(started["o"].site, tokens, people)
    clients = list(speakers)
    try:
        owner = next(
            n for n, p in started.items()
            if speakers[0].url.startswith(p.site.replace("http", "ws"))
        )  # fmt: skip
        listeners = [Listener(tokens, n) for n in range(3)]
        expected = {n: 0 for n in started}
        for listener in listeners:
            await listener.sit_down(started[owner], "es")
            expected[listener.node] += 1
            await listeners_counted(started[owner].settings["secret_key"], expected)
        assert sorted(expected.values()) == [1, 1, 1]  # the origin's share, one per edge
        for listener in listeners:
            await listener.hears(FLOOR_HZ, ES_HZ)

        # SIGTERM on the origin: the floor and the booth follow the session to a new owner
        # (one of the edges), whose listener stays seated and hears them there; the other
        # edge's listener hears them through the new origin; the old origin's listener asks
        # again.
        tokens_before = {"floor": speakers[0].welcome["resume_token"],
                         "booth": speakers[1].welcome["resume_token"]}  # fmt: skip
        started[owner].process.send_signal(signal.SIGTERM)  # type: ignore[union-attr]
        moved = time.monotonic()
        on_origin = next(listener for listener in listeners if listener.node == owner)
        assert await on_origin.sent_away() == 1001
        for client in speakers:
            await client.close()
        other = next(n for n in started if n != owner)
        speakers = await on_the_floor(started[other].site, tokens, people, tokens_before)
        clients += speakers
        new_owner = next(
            n for n, p in started.items()
            if speakers[0].url.startswith(p.site.replace("http", "ws"))
        )  # fmt: skip
        assert new_owner != owner
        assert speakers[0].welcome["resumed"] is True
        await on_origin.sit_down(started[new_owner], "es")
        for listener in listeners:
            await listener.hears(FLOOR_HZ, ES_HZ)
        print(f"\norigin drained to every listener hearing the new origin: "
              f"{time.monotonic() - moved:.1f} s")  # fmt: skip
        assert await exit_code(started[owner]) == 0
    finally:
        for client in clients:
            await client.close()
        for listener in locals().get("listeners", []):
            if listener.client is not None:
                await listener.client.close()


RED = (255, 0, 0)
BLUE = (0, 0, 255)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_listeners_on_the_edges_see_the_floor_speaker_s_camera(nodes) -> None:
    started, _ = nodes
    secret = started["o"].settings["secret_key"]
    tokens = ConnectTokens(secret)
    olu = Identity.of("9001", "Olu", ["organiser"])
    info = await connect_info(started["o"].site, PLENARY, tokens.issue(olu))
    origin = next(
        n for n, p in started.items() if info["ws_url"].startswith(p.site.replace("http", "ws"))
    )
    others = sorted(n for n in started if n != origin)
    floor = RoomClient(
        info["ws_url"], token=tokens.issue(olu), tone=FLOOR_HZ, camera=RED, screen=BLUE
    )
    try:
        await floor.connect()
        await floor.join(str(info["room_id"]))
        await floor.start_media()
        await floor.send("camera", on=True)

        listeners = [Listener(tokens, n, video=True) for n in range(5)]
        expected = {n: 0 for n in started}
        for listener in listeners:
            await listener.sit_down(started[origin], "es")
            expected[listener.node] += 1
            await listeners_counted(secret, expected)
        assert sorted(lr.node for lr in listeners) == sorted([origin, *others, *others])
        for listener in listeners:
            assert listener.client is not None
            # Decoded frames of the speaker's picture, in the slot that goes with its voice.
            assert await listener.client.wait_for_colour(RED, within=WITHIN) == "floor-video-0"
            await listener.hears(FLOOR_HZ)

        # Each frame of the camera leaves the origin once per edge, whatever the listeners
        # there (two on each), and every listener keeps decoding new red frames.
        before = metrics(started[origin])
        since = time.monotonic()
        await asyncio.sleep(1.0)
        after = metrics(started[origin])
        taken = f'rooms_relay_video_frames_taken_total{{session="{PLENARY}"}}'
        sent = [f'rooms_relay_video_frames_sent_total{{edge="{e}",session="{PLENARY}"}}'
                for e in others]  # fmt: skip
        took = after[taken] - before[taken]
        assert took > 0
        assert [after[s] - before[s] for s in sent] == [took, took]
        datagrams = f'rooms_relay_taken_total{{session="{PLENARY}"}}'
        for edge in others:
            key = f'rooms_relay_sent_total{{edge="{edge}",session="{PLENARY}"}}'
            assert after[key] - before[key] == after[datagrams] - before[datagrams]
        for listener in listeners:
            assert listener.client is not None
            await listener.client.wait_for_colour(RED, within=WITHIN, since=since)
        for edge in others:
            got = metrics(started[edge])
            # (unknown_peer may count the first packets, sent before the edge read its key)
            assert got['rooms_relay_received_total{outcome="refused"}'] == 0
            assert got['rooms_relay_received_total{outcome="accepted"}'] > 0

        # The organiser shares a screen: the share slot of every listen-only seat shows it.
        await floor.send("share", on=True)
        for listener in listeners:
            assert listener.client is not None
            assert await listener.client.wait_for_colour(BLUE, within=WITHIN) == "share"
        assert "Traceback" not in started[origin].log.read_text(errors="replace")
    finally:
        await floor.close()
        for listener in locals().get("listeners", []):
            if listener.client is not None:
                await listener.client.close()


MAGENTA, YELLOW = (255, 0, 255), (255, 255, 0)


@pytest.fixture
def signing_nodes(
    database_url: str, tmp_path: Path
) -> Iterator[tuple[dict[str, ServeProcess], dict]]:
    """The three nodes, and an ASL booth in the plenary: Sam and Sue sign there."""
    from conference.storage.engine import make_engine, session
    from conference.storage.tables import Booth, BoothMember, Person

    engine = make_engine(database_url)
    people = interpretation_conference(engine)
    with session(engine) as db:
        booth = Booth(session_id=int(PLENARY), language="ase", sources={"en": "direct"})
        db.add(booth)
        db.flush()
        for name in ("Sam", "Sue"):
            person = Person(name=name, email=f"{name.lower()}@example.org", roles=["interpreter"])
            db.add(person)
            db.flush()
            assert booth.id is not None and person.id is not None
            db.add(BoothMember(booth_id=booth.id, person_id=person.id))
            people[name.lower()] = person.id
    engine.dispose()
    secret = "edges-test-" + secrets.token_hex(20)
    with cluster("oab", tmp_path, database_url, REDIS_URL, secret, node_listeners="1") as started:
        yield started, people


async def in_the_booth(ws_url: str, tokens: ConnectTokens, people: dict, name: str,
                       room_id: str, colour: tuple[int, int, int]) -> RoomClient:  # fmt: skip
    """A signer in the ASL booth, filming ``colour``, its media connected."""
    signer = RoomClient(
        ws_url, token=tokens.issue(Identity.of(str(people[name]), name, ["interpreter"])),
        camera=colour,
    )  # fmt: skip
    await signer.connect()
    await signer.send("booth_enter", room_id=room_id)
    await signer.expect("booth_state")
    await signer.start_media()
    return signer


async def on_air(client: RoomClient) -> None:
    await client.send("on_air", on=True)
    while (await client.expect("booth_state"))["state"] != "on_air":
        pass


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_listeners_on_the_edges_see_the_signer_of_their_sign_language(signing_nodes) -> None:
    started, people = signing_nodes
    secret = started["o"].settings["secret_key"]
    tokens = ConnectTokens(secret)
    olu = Identity.of("9001", "Olu", ["organiser"])
    info = await connect_info(started["o"].site, PLENARY, tokens.issue(olu))
    room_id = str(info["room_id"])
    origin = next(
        n for n, p in started.items() if info["ws_url"].startswith(p.site.replace("http", "ws"))
    )
    others = sorted(n for n in started if n != origin)
    floor = RoomClient(info["ws_url"], token=tokens.issue(olu), tone=FLOOR_HZ)
    speakers = [floor]
    try:
        await floor.connect()
        await floor.join(room_id)
        await floor.start_media()
        sam = await in_the_booth(info["ws_url"], tokens, people, "sam", room_id, MAGENTA)
        speakers.append(sam)
        sue = await in_the_booth(info["ws_url"], tokens, people, "sue", room_id, YELLOW)
        speakers.append(sue)
        await on_air(sam)

        listeners = [Listener(tokens, n, pinned_slots=1) for n in range(5)]
        expected = {n: 0 for n in started}
        for listener in listeners:
            await listener.sit_down(started[origin], "ase")
            expected[listener.node] += 1
            await listeners_counted(secret, expected)
        assert sorted(lr.node for lr in listeners) == sorted([origin, *others, *others])
        for listener in listeners:
            assert listener.client is not None
            # Sam's signing, in the pinned slot; the floor heard (a sign language has no voice).
            assert await listener.client.wait_for_colour(MAGENTA, within=WITHIN) == "pinned-0"
            await listener.hears(FLOOR_HZ)
            await listener.client.send("ping", nonce=1)
            assert (await listener.client.expect("pong"))["sign_languages"] == ["ase"]

        # Each of Sam's frames leaves the origin once per edge, whatever the listeners there.
        before = metrics(started[origin])
        await asyncio.sleep(1.0)
        after = metrics(started[origin])
        taken = f'rooms_relay_video_frames_taken_total{{session="{PLENARY}"}}'
        sent = [f'rooms_relay_video_frames_sent_total{{edge="{e}",session="{PLENARY}"}}'
                for e in others]  # fmt: skip
        took = after[taken] - before[taken]
        assert took > 0
        assert [after[s] - before[s] for s in sent] == [took, took]

        # A handover in the booth (Sue asks, Sam accepts): every listener sees Sue now.
        await sue.send("handover", action="request")
        while (await sam.expect("booth_state"))["state"] != "handover_requested":
            pass
        await sam.send("handover", action="accept")
        for listener in listeners:
            assert listener.client is not None
            assert await listener.client.wait_for_colour(YELLOW, within=WITHIN) == "pinned-0"
        for node in started.values():
            assert "Traceback" not in node.log.read_text(errors="replace")
    finally:
        for client in speakers:
            await client.close()
        for listener in locals().get("listeners", []):
            if listener.client is not None:
                await listener.client.close()


@pytest.fixture
def four_nodes(database_url: str, tmp_path: Path) -> Iterator[tuple[dict[str, ServeProcess], dict]]:
    """Four nodes holding two listen-only seats each of a session: the origin and two edges
    for six listeners, and one spare."""
    from conference.storage.engine import make_engine

    engine = make_engine(database_url)
    people = interpretation_conference(engine)
    engine.dispose()
    secret = "edges-test-" + secrets.token_hex(20)
    with cluster("oabc", tmp_path, database_url, REDIS_URL, secret, node_listeners="2") as started:
        yield started, people


async def resumed_on_the_floor(
    started: dict[str, ServeProcess], dead: str, tokens: ConnectTokens, people: dict,
    resume: dict[str, str],
) -> list[RoomClient]:  # fmt: skip
    """The organiser and Ivan come back as their pages do when their node stops answering:
    through another node (the site), sent on to the session's owner, their seats resumed;
    again until the dead node is stale and the session is placed anew."""
    entry = next(p for n, p in started.items() if n != dead)
    dead_ws = started[dead].site.replace("http", "ws")
    olu = Identity.of("9001", "Olu", ["organiser"])
    ivan = Identity.of(str(people["ivan"]), "ivan", ["interpreter"])
    deadline = time.monotonic() + WITHIN
    while True:
        assert time.monotonic() < deadline, "the session was not placed again"
        try:  # sent on to the dead node (refused) until the session is placed anew
            info = await connect_info(entry.site, PLENARY, tokens.issue(olu))
            if not info["ws_url"].startswith(dead_ws):
                break
        except OSError:
            pass
        await asyncio.sleep(0.25)
    floor = RoomClient(info["ws_url"], token=tokens.issue(olu), tone=FLOOR_HZ)
    booth = RoomClient(info["ws_url"], token=tokens.issue(ivan), tone=ES_HZ)
    assert (await floor.connect(resume["floor"]))["resumed"] is True
    await floor.start_media()
    assert (await booth.connect(resume["booth"]))["resumed"] is True
    await booth.send("booth_enter", room_id=str(info["room_id"]))
    await booth.start_media()
    # The snapshot had him on air: he is on air again by himself once his console is back
    # (no on_air sent here).
    while (await booth.expect("booth_state", within=WITHIN))["state"] != "on_air":
        pass
    return [floor, booth]


async def silent_then_heard(listener: Listener, killed: float, *tones: float) -> float:
    """Seconds from ``killed`` until ``listener`` hears all ``tones`` again, after its sound
    stopped (a listener whose node died sits down elsewhere first)."""
    assert listener.client is not None
    while True:
        if not any(abs(f - FLOOR_HZ) < 10 for f in listener.client.heard()):
            break
        await asyncio.sleep(0.05)
    await listener.hears(*tones)
    return time.monotonic() - killed


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_kill_9_of_the_origin_and_every_listener_hears_again(four_nodes) -> None:
    started, people = four_nodes
    secret = started["o"].settings["secret_key"]
    tokens = ConnectTokens(secret)
    speakers = await on_the_floor(started["o"].site, tokens, people)
    clients = list(speakers)
    try:
        origin = next(
            n for n, p in started.items()
            if speakers[0].url.startswith(p.site.replace("http", "ws"))
        )  # fmt: skip
        listeners = [Listener(tokens, n) for n in range(6)]
        expected = {n: 0 for n in started}
        for listener in listeners:
            await listener.sit_down(started[origin], "es")
            expected[listener.node] += 1
            await listeners_counted(secret, expected)
        # Two on the origin (its share), two on each of two edges, none on the spare.
        assert sorted(expected.values()) == [0, 2, 2, 2] and expected[origin] == 2
        for listener in listeners:
            await listener.hears(FLOOR_HZ, ES_HZ)
        resume = {"floor": speakers[0].welcome["resume_token"],
                  "booth": speakers[1].welcome["resume_token"]}  # fmt: skip

        # kill -9 of the origin: no drain, no last snapshot, no one told.
        started[origin].kill9()
        killed = time.monotonic()
        for client in speakers:
            await client.close()
        on_origin = [listener for listener in listeners if listener.node == origin]
        elsewhere = [listener for listener in listeners if listener.node != origin]
        alive = next(n for n in started if n != origin)

        async def sits_down_again(listener: Listener) -> float:
            await listener.sit_down(started[alive], "es", unreachable=origin)
            return await silent_then_heard(listener, killed, FLOOR_HZ, ES_HZ)

        heard_again = asyncio.gather(
            *(silent_then_heard(listener, killed, FLOOR_HZ, ES_HZ) for listener in elsewhere),
            *(sits_down_again(listener) for listener in on_origin),
        )
        # The speakers come back as their pages would, on the session's new owner.
        speakers = await resumed_on_the_floor(started, origin, tokens, people, resume)
        clients += speakers
        resumed = time.monotonic() - killed
        gaps = sorted(await heard_again)
        new_origin = next(
            n for n, p in started.items()
            if speakers[0].url.startswith(p.site.replace("http", "ws"))
        )  # fmt: skip
        assert new_origin != origin
        # Placed on one of the edges (the least loaded live node, by id): the seats there
        # moved into the session's room, and hear it there.
        assert expected[new_origin] == 2
        print(f"\norigin {origin} killed: speakers resumed on {new_origin} after {resumed:.1f} s;"
              f" listeners heard floor and Spanish again after p50 {gaps[len(gaps) // 2]:.1f} s,"
              f" max {gaps[-1]:.1f} s ({', '.join(f'{g:.1f}' for g in gaps)}); the origin's"
              f" listeners sat down on {', '.join(lr.node for lr in on_origin)}")  # fmt: skip

        # The new origin relays each packet once per edge, whatever the listeners there.
        edges = sorted({listener.node for listener in listeners} - {new_origin})
        assert edges
        before = metrics(started[new_origin])
        await asyncio.sleep(1.0)
        after = metrics(started[new_origin])
        taken = f'rooms_relay_taken_total{{session="{PLENARY}"}}'
        sent = [f'rooms_relay_sent_total{{edge="{e}",session="{PLENARY}"}}' for e in edges]
        took = after[taken] - before[taken]
        assert took > 0
        assert [after.get(s, 0) - before.get(s, 0) for s in sent] == [took] * len(edges)
        await count_told(speakers[0], 6)
        for node, process in started.items():
            if node != origin:
                assert "Traceback" not in process.log.read_text(errors="replace"), node
    finally:
        for client in clients:
            await client.close()
        for listener in locals().get("listeners", []):
            if listener.client is not None:
                await listener.client.close()

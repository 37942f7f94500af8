"""The cluster tables on the machine's real Redis, each test under a key prefix of its own."""

import asyncio
from collections import Counter

import pytest
import redis.asyncio as redis

from rooms.cluster.nodes import STALE_AFTER_S, NodeConflict, NodeRecord
from rooms.cluster.placement import Placement
from rooms.cluster.table import ClusterTable, NodeHeartbeat
from tests.rooms.cluster.conftest import REDIS_URL

pytestmark = pytest.mark.integration


async def start(table: ClusterTable, node_id: str, port: int, load: int = 0) -> NodeHeartbeat:
    node = NodeHeartbeat(table, node_id, f"http://127.0.0.1:{port}", load=lambda: load)
    await node.start()
    return node


async def dead(table: ClusterTable, node: NodeHeartbeat) -> None:
    """The node's process is gone: its heartbeat stops and its record ages past stale."""
    await node.stop()
    old = node.record
    aged = NodeRecord(old.node_id, old.public_url, old.instance, old.load, False,
                      await table.now() - STALE_AFTER_S - 1)  # fmt: skip
    await table.client.hset(table.key("nodes"), old.node_id, aged.encode())


async def test_three_nodes_register_and_sessions_spread_over_them(table: ClusterTable) -> None:
    nodes = [await start(table, name, 8001 + i) for i, name in enumerate("abc")]

    assert sorted(n.node_id for n in await table.nodes()) == ["a", "b", "c"]
    placed = [await table.place(str(s)) for s in range(1, 7)]
    assert [p.node_id for p in placed if p] == ["a", "b", "c", "a", "b", "c"]
    # Asking again keeps the owner and its fencing token.
    assert await table.place("1") == placed[0]
    for node in nodes:
        await node.stop()


async def test_a_second_process_with_a_live_node_id_or_url_is_refused(table: ClusterTable) -> None:
    first = await start(table, "a", 8001)

    with pytest.raises(NodeConflict, match="node_id"):
        await start(table, "a", 8009)
    with pytest.raises(NodeConflict, match="public_url"):
        await start(table, "b", 8001)
    await first.stop()
    # A clean exit forgets the record: the id is free at once.
    again = await start(table, "a", 8001)
    await again.stop()


async def test_a_dead_owners_sessions_move_with_a_larger_fencing_token(table: ClusterTable) -> None:
    a, b = await start(table, "a", 8001), await start(table, "b", 8002)
    first = await table.place("1")
    assert first is not None and first.node_id == "a"

    await dead(table, a)
    moved = await table.place("1")

    assert moved is not None and moved.node_id == "b" and moved.fence > first.fence
    await b.stop()


async def test_split_brain_the_fencing_token_decides(table: ClusterTable) -> None:
    a, b = await start(table, "a", 8001), await start(table, "b", 8002)
    old = await table.place("1")
    assert old is not None
    await dead(table, a)  # declared dead (a long pause), yet its process goes on
    new = await table.place("1")
    assert new is not None and new.node_id == "b"
    snapshot = table.key("snapshot:1")

    # Both nodes believe they own session 1 and save its snapshot: only the current one may.
    assert not await table.fenced_set(old, snapshot, "from a")
    assert await table.fenced_set(new, snapshot, "from b")
    assert await table.client.get(snapshot) == b"from b"
    assert not await table.holds(old) and await table.holds(new)
    await b.stop()


async def test_a_drained_node_says_so_and_gets_no_new_sessions(table: ClusterTable) -> None:
    told: list[bool] = []
    a = NodeHeartbeat(table, "a", "http://127.0.0.1:8001", on_draining=told.append)
    await a.start()
    b = await start(table, "b", 8002)
    placed = await table.place("1")
    assert placed is not None and placed.node_id == "a"

    await table.drain("a")  # `conference drain a`: the next beat sees it
    await a.beat()
    assert a.draining
    await a.drain()  # SIGTERM asks again while the beat's call is under way: told once
    assert told == [True]
    assert (await table.place("2")) == Placement("2", "b", placed.fence + 1)
    moved = await table.place("1")  # a draining owner's session moves too
    assert moved is not None and moved.node_id == "b"
    await a.drain(on=False)
    assert not a.draining and told == [True, False]
    await a.stop()
    await b.stop()


async def test_no_live_node_means_no_placement(table: ClusterTable) -> None:
    assert await table.place("1") is None


async def test_forged_and_stale_records_are_ignored(table: ClusterTable) -> None:
    now = await table.now()
    await table.client.hset(table.key("nodes"), mapping={
        "x": "garbage",
        "y": NodeRecord("y", "http://127.0.0.1:9", "i", 0, False, now - 60).encode(),
    })  # fmt: skip
    b = await start(table, "b", 8002)

    assert [n.node_id for n in await table.nodes() if n.is_live(await table.now())] == ["b"]
    placed = await table.place("1")
    assert placed is not None and placed.node_id == "b"
    await b.stop()


async def test_a_storm_of_first_visits_spreads_sessions_evenly_with_one_owner_each(
    table: ClusterTable,
) -> None:
    nodes = [await start(table, name, 8001 + i) for i, name in enumerate("abc")]
    # Three nodes' tables (clients of their own) ask for 30 sessions at the same time.
    tables = [ClusterTable(redis.Redis.from_url(REDIS_URL), table.prefix.split(":")[1])
              for _ in range(3)]  # fmt: skip
    try:
        answers = await asyncio.gather(*(t.place(str(s)) for s in range(30) for t in tables))
    finally:
        for t in tables:
            await t.client.aclose()
    owners: dict[str, set[tuple[str, int]]] = {}
    for placed in answers:
        assert placed is not None
        owners.setdefault(placed.session_id, set()).add((placed.node_id, placed.fence))
    assert all(len(found) == 1 for found in owners.values())  # one owner each, for everyone
    spread = Counter(next(iter(found))[0] for found in owners.values())
    assert sorted(spread.values()) == [10, 10, 10]
    assert int(await table.client.get(table.key("fence"))) == 30  # each placed once
    for node in nodes:
        await node.stop()

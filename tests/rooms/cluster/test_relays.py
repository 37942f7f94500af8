"""rooms.cluster.relays: relay sockets and keys through a real Redis, only for live nodes."""

import pytest

from rooms.cluster.nodes import NodeRecord
from rooms.cluster.relays import RelayDirectory
from rooms.cluster.table import ClusterTable
from rooms.media.relay import KEY_BYTES

pytestmark = pytest.mark.integration


async def start(table: ClusterTable, node_id: str, instance: str) -> None:
    await table.announce(NodeRecord(node_id, f"http://{node_id}:8000", instance, 0, False, 0.0))


async def test_an_origin_offers_a_key_that_only_its_edge_reads(table):
    relays = RelayDirectory(table)
    for node_id, port in (("origin", 41000), ("edge-a", 41001), ("edge-b", 41002)):
        await start(table, node_id, f"{node_id}-1")
        await relays.announce(node_id, f"{node_id}-1", ("127.0.0.1", port))

    offered = await relays.offer("origin", "origin-1", "edge-a")

    assert offered is not None
    assert (offered.node_id, offered.address, len(offered.key)) == (
        "edge-a",
        ("127.0.0.1", 41001),
        KEY_BYTES,
    )
    accepted = await relays.accepted("edge-a")
    assert [(p.node_id, p.address, p.key) for p in accepted] == [
        ("origin", ("127.0.0.1", 41000), offered.key)
    ]
    assert await relays.accepted("edge-b") == []
    assert offered.key.hex() not in repr(offered) and "key" not in repr(accepted)

    await relays.withdraw("origin", "edge-a")
    assert await relays.accepted("edge-a") == []


async def test_no_key_for_a_node_without_a_live_relay_socket(table):
    relays = RelayDirectory(table)
    await start(table, "origin", "o-1")
    await relays.announce("origin", "o-1", ("127.0.0.1", 41000))
    await relays.announce("ghost", "g-1", ("127.0.0.1", 41009))  # no heartbeat

    assert await relays.offer("origin", "o-1", "ghost") is None
    assert await relays.offer("origin", "o-1", "nobody") is None
    assert await relays.endpoints() == {"origin": ("127.0.0.1", 41000)}


async def test_a_restarted_origin_s_old_key_is_no_one_s(table):
    relays = RelayDirectory(table)
    await start(table, "edge", "e-1")
    await relays.announce("edge", "e-1", ("127.0.0.1", 41001))
    await start(table, "origin", "o-1")
    await relays.announce("origin", "o-1", ("127.0.0.1", 41000))
    assert await relays.offer("origin", "o-1", "edge") is not None

    await start(table, "origin", "o-2")  # the origin restarted, and has not offered yet
    await relays.announce("origin", "o-2", ("127.0.0.1", 41005))
    assert await relays.accepted("edge") == []

    fresh = await relays.offer("origin", "o-2", "edge")
    assert fresh is not None
    assert [(p.address, p.key) for p in await relays.accepted("edge")] == [
        (("127.0.0.1", 41005), fresh.key)
    ]


async def test_a_session_s_edges_are_kept_in_order(table):
    relays = RelayDirectory(table)
    assert await relays.edges("7") == []
    await relays.set_edges("7", ["b", "a"])
    assert await relays.edges("7") == ["b", "a"]
    await relays.set_edges("7", [])
    assert await relays.edges("7") == []

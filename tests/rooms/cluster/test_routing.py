"""Where a node sends people: the session's owner, and the site's entry when a node dies."""

import pytest

from rooms.cluster.nodes import STALE_AFTER_S, NodeRecord
from rooms.cluster.routing import NodeRouting
from rooms.cluster.table import ClusterTable, NodeHeartbeat

pytestmark = pytest.mark.integration


async def test_a_session_owned_elsewhere_names_that_node_and_one_owned_here_none(
    table: ClusterTable,
) -> None:
    a = NodeHeartbeat(table, "a", "http://127.0.0.1:8001")
    b = NodeHeartbeat(table, "b", "http://127.0.0.1:8002")
    await a.start()
    await b.start()
    at_a = NodeRouting(table, "a", "http://127.0.0.1:8001", "http://127.0.0.1:8001")
    at_b = NodeRouting(table, "b", "http://127.0.0.1:8002", "http://127.0.0.1:8002")

    assert await at_a.elsewhere("1") is None  # placed on a (first asked, fewest sessions)
    owner = await at_b.elsewhere("1")
    assert owner is not None and owner.public_url == "http://127.0.0.1:8001"
    assert await at_b.elsewhere("2") is None  # the next session goes to b

    # When a node dies, its pages go to another live node (no proxy in front here)...
    assert await at_a.relocate_url("/rooms/session/1") == "http://127.0.0.1:8002/rooms/session/1"
    # ... which takes the session once a's heartbeat is stale.
    await a.stop()
    aged = NodeRecord("a", a.record.public_url, a.record.instance, 0, False,
                      await table.now() - STALE_AFTER_S - 1)  # fmt: skip
    await table.client.hset(table.key("nodes"), "a", aged.encode())
    assert await at_b.elsewhere("1") is None
    await b.stop()


async def test_behind_a_proxy_pages_go_back_to_the_site(table: ClusterTable) -> None:
    routing = NodeRouting(table, "a", "http://10.0.0.5:8001", "https://conference.example.org")

    assert await routing.relocate_url("/rooms/session/3") == (
        "https://conference.example.org/rooms/session/3"
    )

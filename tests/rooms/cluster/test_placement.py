import pytest

from rooms.cluster.nodes import STALE_AFTER_S, NodeRecord
from rooms.cluster.placement import Placement, choose, keeps

pytestmark = pytest.mark.unit

NOW = 1000.0


def node(node_id: str, load: int = 0, *, draining: bool = False, beat: float = NOW) -> NodeRecord:
    return NodeRecord(node_id, f"http://{node_id}.example:80", "i", load, draining, beat)


def test_sessions_spread_over_nodes_then_by_load() -> None:
    nodes = [node("a", load=50), node("b", load=10), node("c", load=30)]
    placed: list[Placement] = []
    for session in ("1", "2", "3", "4"):
        chosen = choose(nodes, placed, NOW)
        assert chosen is not None
        placed.append(Placement(session, chosen.node_id, len(placed) + 1))

    assert [p.node_id for p in placed] == ["b", "c", "a", "b"]


def test_draining_and_stale_nodes_get_no_sessions() -> None:
    nodes = [
        node("a", draining=True),
        node("b", beat=NOW - STALE_AFTER_S - 1),
        node("c", load=99),
    ]
    assert choose(nodes, [], NOW) == nodes[2]
    assert choose(nodes[:2], [], NOW) is None


def test_a_placement_stands_while_its_owner_is_live_and_not_draining() -> None:
    here = Placement("1", "a", 7)

    assert keeps(here, [node("a")], NOW)
    assert not keeps(here, [node("a", draining=True)], NOW)
    assert not keeps(here, [node("a", beat=NOW - STALE_AFTER_S - 1)], NOW)
    assert not keeps(here, [node("b")], NOW)
    assert not keeps(None, [node("a")], NOW)


def test_a_placement_round_trips_and_garbage_is_none() -> None:
    here = Placement("12", "a", 3)
    assert Placement.decode(here.encode()) == here
    assert Placement.decode(b'{"session_id": "1"}') is None
    assert Placement.decode(None) is None

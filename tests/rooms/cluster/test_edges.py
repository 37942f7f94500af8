"""rooms.cluster.edges: how many edges a session takes, which nodes, which edge a listener gets."""

import pytest

from rooms.cluster.edges import choose_edges, edge_for, edges_needed
from rooms.cluster.nodes import NodeRecord

pytestmark = pytest.mark.unit

NOW = 1000.0


def node(node_id: str, load: int = 0, draining: bool = False, age: float = 0.0) -> NodeRecord:
    return NodeRecord(node_id, f"http://{node_id}:8000", "i", load, draining, NOW - age)


def test_edges_are_needed_once_the_listeners_outgrow_the_origin():
    assert [edges_needed(n, 100) for n in (0, 100, 101, 200, 201, 350)] == [0, 0, 1, 1, 2, 3]
    assert edges_needed(5000, 0) == 0  # no capacity set: the origin holds everyone


def test_current_edges_stay_and_the_least_loaded_nodes_are_added():
    nodes = [node("o"), node("a", load=50), node("b", load=10), node("c", load=10)]

    assert choose_edges("o", [], 2, nodes, NOW) == ["b", "c"]
    assert choose_edges("o", ["a"], 2, nodes, NOW) == ["a", "b"]
    assert choose_edges("o", ["a", "c"], 1, nodes, NOW) == ["a"]
    assert choose_edges("o", [], 5, nodes, NOW) == ["b", "c", "a"]  # never the origin


def test_a_dead_or_draining_edge_is_replaced():
    nodes = [node("o"), node("a", age=30), node("b", draining=True), node("c"), node("d")]

    assert choose_edges("o", ["a", "b", "c"], 3, nodes, NOW) == ["c", "d"]


def test_a_listener_goes_to_the_edge_with_the_fewest():
    assert edge_for([], {}) is None
    assert edge_for(["a", "b"], {}) == "a"
    assert edge_for(["a", "b"], {"a": 3, "b": 2}) == "b"
    assert edge_for(["a", "b", "c"], {"a": 1, "b": 1, "c": 1}) == "a"

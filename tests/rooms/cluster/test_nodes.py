import pytest

from rooms.cluster.nodes import (
    STALE_AFTER_S,
    NodeConflict,
    NodeRecord,
    check_public_url,
    claim,
    live,
)

pytestmark = pytest.mark.unit


def node(node_id: str, url: str, *, instance: str = "i1", beat: float = 100.0) -> NodeRecord:
    return NodeRecord(node_id, url, instance, 0, False, beat)


def test_a_record_is_live_until_its_heartbeat_is_stale() -> None:
    record = node("a", "http://127.0.0.1:8001", beat=100.0)

    assert record.is_live(100.0 + STALE_AFTER_S)
    assert not record.is_live(100.0 + STALE_AFTER_S + 0.1)
    assert not record.is_live(99.0)  # a heartbeat from the future is forged, not fresh


def test_a_record_round_trips_and_anything_malformed_is_ignored() -> None:
    record = node("a", "http://127.0.0.1:8001")

    assert NodeRecord.decode(record.encode()) == record
    for bad in (
        "not json",
        "{}",
        record.encode().replace('"load":0', '"load":-3'),
        record.encode().replace("http://127.0.0.1:8001", "ftp://x"),
        record.encode().replace('"a"', '"../a"'),
    ):
        assert NodeRecord.decode(bad) is None


def test_a_node_id_held_by_another_live_process_is_refused_naming_the_field() -> None:
    mine = node("a", "http://127.0.0.1:8002", instance="new")
    other = node("a", "http://127.0.0.1:8001", instance="old", beat=99.0)

    with pytest.raises(NodeConflict, match="node_id: 'a' is already served") as refused:
        claim(mine, [other], 100.0)
    assert refused.value.field == "node_id"


def test_a_url_announced_by_another_live_node_is_refused() -> None:
    mine = node("b", "http://127.0.0.1:8001", instance="new")

    with pytest.raises(NodeConflict, match="public_url"):
        claim(mine, [node("a", "http://127.0.0.1:8001", instance="old")], 100.0)


def test_a_stale_record_with_the_same_id_does_not_block_a_restart() -> None:
    mine = node("a", "http://127.0.0.1:8001", instance="new")
    dead = node("a", "http://127.0.0.1:8001", instance="old", beat=100.0 - STALE_AFTER_S - 1)

    claim(mine, [dead], 100.0)  # no conflict
    assert live([dead], 100.0) == []


def test_a_public_url_is_scheme_host_and_port_only() -> None:
    assert check_public_url("http://127.0.0.1:8001/") == "http://127.0.0.1:8001"
    for bad in ("127.0.0.1:8001", "http://h/path", "http://u@h", "ws://h", "http://h?x=1"):
        with pytest.raises(NodeConflict, match="public_url"):
            check_public_url(bad)

"""rooms.cluster.relay_node: where a listen-only seat goes, on a real Redis."""

import pytest

from rooms.cluster.nodes import NodeRecord
from rooms.cluster.placement import Placement
from rooms.cluster.relay_node import RelayNode, SessionMedia
from rooms.cluster.table import ClusterTable
from rooms.media.router import MediaRouter

pytestmark = pytest.mark.integration


async def cluster(table: ClusterTable, *node_ids: str) -> None:
    for node_id in node_ids:
        await table.announce(NodeRecord(node_id, f"http://{node_id}:8000", node_id, 0, False, 0))


async def counts(table: ClusterTable, session: str, **by_node: int) -> None:
    await table.client.hset(table.key(f"relay:listeners:{session}"), mapping=by_node)


@pytest.fixture
async def relay(table: ClusterTable):
    router = MediaRouter(loopback=True)
    yield RelayNode(table, "o", "o", router, lambda s: f"room-{s}", capacity=2)
    await router.aclose()


async def test_listeners_fill_the_origin_then_spread_over_edges(table, relay):
    await cluster(table, "o")
    assert (await table.place("7")).node_id == "o"
    await cluster(table, "a", "b")

    assert await relay.where_to_listen("7") == "o"
    await counts(table, "7", o=2)
    assert await relay.where_to_listen("7") == "a"
    assert await relay.directory.edges("7") == ["a"]
    await counts(table, "7", o=2, a=2)
    assert await relay.where_to_listen("7") == "b"  # a third share: a second edge
    assert await relay.directory.edges("7") == ["a", "b"]


async def test_an_edge_holding_listeners_stays_when_others_leave(table, relay):
    await cluster(table, "o")
    await table.place("7")
    await cluster(table, "a", "b")
    await relay.directory.set_edges("7", ["a", "b"])
    await counts(table, "7", o=0, a=0, b=1)  # everyone left but one listener on b

    assert await relay.where_to_listen("7") == "o"
    assert await relay.directory.edges("7") == ["b"]


async def test_an_unreachable_edge_is_not_named_but_stays_for_its_listeners(table, relay):
    await cluster(table, "o")
    await table.place("7")
    await cluster(table, "a", "b")
    await relay.directory.set_edges("7", ["a", "b"])
    await counts(table, "7", o=2, a=1, b=2)

    assert await relay.where_to_listen("7", unreachable="a") == "b"
    assert await relay.directory.edges("7") == ["a", "b"]
    assert await relay.where_to_listen("7", unreachable="o") == "a"


def test_session_media_survives_its_wire_form_and_refuses_garbage():
    media = SessionMedia(("seat-1", "seat-2"), {"es": "seat-9"})
    assert SessionMedia.decode(media.encode()) == media
    assert SessionMedia.decode(None) == SessionMedia()
    assert SessionMedia.decode(b"{not json") == SessionMedia()
    assert SessionMedia.decode('{"floor": 3}') == SessionMedia()


def test_session_media_carries_the_cameras_shown_and_the_share():
    media = SessionMedia(("seat-1",), {"es": "seat-9"}, ("seat-1", "seat-2"), "seat-3")
    assert SessionMedia.decode(media.encode()) == media
    # Seen speakers are placed on an edge's floor with those heard; the sharer is relayed.
    assert media.placed == ("seat-1", "seat-2")
    assert media.sources == {"seat-1", "seat-2", "seat-3", "seat-9"}
    # A record written before video crossed the relay reads as no video.
    old = '{"floor": ["seat-1"], "voices": {}}'
    assert SessionMedia.decode(old) == SessionMedia(("seat-1",))


def test_session_media_carries_each_sign_language_s_signer():
    media = SessionMedia(("seat-1",), {"es": "seat-9"}, signers={"ase": "seat-5"})
    assert SessionMedia.decode(media.encode()) == media
    # The signer's camera is relayed and shown, but the signer is not placed on the floor.
    assert media.sources == {"seat-1", "seat-5", "seat-9"}
    assert media.shown == {"seat-5"} and media.placed == ("seat-1",)
    # A record written before signers crossed the relay reads as none.
    old = '{"floor": ["seat-1"], "voices": {}, "cameras": [], "share": null}'
    assert SessionMedia.decode(old) == SessionMedia(("seat-1",))


async def test_a_listen_only_seat_on_the_origin_sees_the_signer_of_its_sign_language(table, relay):
    await cluster(table, "o")
    await table.place("7")
    relay.booth_voices("room-7", {"es": "seat-ivan"})
    relay.booth_signers("room-7", {"ase": "seat-sam", "bfi": None})
    seat = await relay.listen("7")
    # Only sign languages with a signer on air are offered.
    assert relay.sign_languages(seat.seat_id) == ["ase"]
    assert relay.languages(seat.seat_id) == ["es"]
    assert relay.choose_language(seat.seat_id, "ase") == "seat-sam"
    # A handover in the booth: the seat's pinned slot follows it.
    relay.booth_signers("room-7", {"ase": "seat-sue", "bfi": None})
    assert relay.choose_language(seat.seat_id, "ase") == "seat-sue"
    assert relay.choose_language(seat.seat_id, "es") == "seat-ivan"


async def test_edge_seats_move_to_the_room_when_the_session_moves_here(table):
    router = MediaRouter(loopback=True)
    edge = RelayNode(table, "a", "a", router, lambda s: f"room-{s}", capacity=2)
    await cluster(table, "o")
    await table.place("7")
    await cluster(table, "a")
    await edge.start("127.0.0.1")
    try:
        seat = await edge.listen("7")
        assert seat.on_edge and seat.room_id == "relay:7"

        # The origin died and the session was placed on this edge.
        await table.client.hset(
            table.key("placements"), "7", '{"session_id":"7","node_id":"a","fence":99}'
        )
        await edge.upkeep()

        assert not seat.on_edge and seat.room_id == "room-7"
    finally:
        await edge.stop()
        await router.aclose()


async def test_origin_seats_are_sent_away_when_the_session_moves_on(table):
    router = MediaRouter(loopback=True)
    origin = RelayNode(table, "o", "o", router, lambda s: f"room-{s}", capacity=2)
    await cluster(table, "o", "b")
    await table.client.hset(
        table.key("placements"), "7", '{"session_id":"7","node_id":"o","fence":1}'
    )
    await origin.start("127.0.0.1")
    try:
        seat = await origin.listen("7")
        sent: list[str] = []

        async def send_away() -> None:
            sent.append(seat.seat_id)

        seat.send_away = send_away
        await origin.upkeep()
        assert sent == [] and seat.room_id == "room-7"

        await table.client.hset(
            table.key("placements"), "7", '{"session_id":"7","node_id":"b","fence":2}'
        )
        await origin.upkeep()
        assert sent == [seat.seat_id]
    finally:
        await origin.stop()
        await router.aclose()


async def test_plain_participants_seated_at_the_origin_count_towards_its_share(table, relay):
    await cluster(table, "o")
    await table.place("7")
    await cluster(table, "a")
    # Seated on a node that is not the origin (one before a failover): not the origin's.
    await table.client.hset(table.key("relay:seated:7"), mapping={"o": 1, "a": 5})

    assert await relay.where_to_listen("7") == "o"  # one seated, no listen-only seat: room
    await counts(table, "7", o=1)
    assert await relay.where_to_listen("7") == "a"  # one seated and one listening: its share
    assert await relay.directory.edges("7") == ["a"]


async def test_a_session_placed_here_is_taken_over_before_its_room_opens_here(table):
    # The origin died and the session was placed on this edge by another node: the
    # session's room here (tapped for the other edges, the edge's seats moved into it) is
    # the one restored from the old origin's snapshot, not a fresh one opened before.
    router = MediaRouter(loopback=True)
    done: list[str] = []

    def room_for_session(session_id: str) -> str:
        done.append("room opened")
        return f"room-{session_id}"

    async def take_over(placement: Placement) -> None:
        done.append(f"taken over from {placement.previous}")

    edge = RelayNode(table, "a", "a", router, room_for_session, 2, take_over=take_over)
    await cluster(table, "o")
    await table.place("7")
    await cluster(table, "a", "b")
    await edge.start("127.0.0.1")
    try:
        seat = await edge.listen("7")
        assert seat.on_edge and done == []
        await edge.directory.set_edges("7", ["a", "b"])
        await table.client.hset(
            table.key("placements"), "7",
            '{"session_id":"7","node_id":"a","fence":99,"previous":"o"}',
        )  # fmt: skip
        await edge.upkeep()

        assert done[0] == "taken over from o" and "room opened" in done
        assert seat.room_id == "room-7"
    finally:
        await edge.stop()
        await router.aclose()

"""The live rooms' numbers in Prometheus form, read from the live state when scraped.

Nothing here counts on the hot path: the bus, the connections and the media router keep
plain integers, and this collector turns them into metric families at scrape time.
Labels carry room and session ids and room kinds, never a person's name or id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    Metric,
    SummaryMetricFamily,
)
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from rooms.web.live import LiveRooms


class RoomsCollector(Collector):
    """Connections, seats per room, packets, the bus and close codes of this process."""

    def __init__(self, find: Callable[[], LiveRooms | None]) -> None:
        self._find = find

    def collect(self) -> Iterator[Metric]:
        live = self._find()
        if live is None:
            return
        registry = live.registry
        stats = registry.stats
        yield GaugeMetricFamily(
            "rooms_websocket_connections", "Open signalling websockets.", value=stats.connections
        )
        seats = GaugeMetricFamily(
            "rooms_seats", "Seats in each live room.", labels=["session", "room", "kind"]
        )
        for room in registry.rooms.values():
            seats.add_metric([room.session_id, room.room_id, room.kind.value], len(room.seats))
        yield seats
        closes = CounterMetricFamily(
            "rooms_websocket_closes",
            "Signalling websockets ended, by close code and by which side closed.",
            labels=["code", "by"],
        )
        for (code, by), count in sorted(stats.closes.items()):
            closes.add_metric([str(code), by], count)
        yield closes
        forwarded, dropped = live.router.packet_counts()
        yield CounterMetricFamily(
            "rooms_packets_forwarded", "Audio packets sent to listeners' slots.", value=forwarded
        )
        yield CounterMetricFamily(
            "rooms_packets_dropped",
            "Audio packets dropped for listeners too slow to take them.",
            value=dropped,
        )
        recovery = live.router.recovery_counts()
        yield CounterMetricFamily(
            "rooms_red_dropped",
            "Publishers' RED packets dropped: headers or block lengths that do not add up.",
            value=recovery.red_dropped,
        )
        yield CounterMetricFamily(
            "rooms_red_recovered",
            "Frames lost on a publisher's leg and taken from its next RED packet.",
            value=recovery.red_recovered,
        )
        nacks = CounterMetricFamily(
            "rooms_nacks",
            "Packets listeners asked for again, by outcome: resent, unknown (never sent or "
            "too old), limited (over the slot's budget).",
            labels=["outcome"],
        )
        nacks.add_metric(["resent"], recovery.resent)
        nacks.add_metric(["unknown"], recovery.nack_unknown)
        nacks.add_metric(["limited"], recovery.nack_limited)
        yield nacks
        if live.relay is not None:
            yield from _relay(live)
        bus = registry.bus.stats
        yield SummaryMetricFamily(
            "rooms_bus_publish_seconds",
            "Time spent publishing live events (with Redis: the round trip).",
            count_value=bus.published,
            sum_value=bus.publish_seconds,
        )
        yield CounterMetricFamily(
            "rooms_bus_publish_failures",
            "Publishes the bus refused (Redis away): delivered in this process only.",
            value=bus.publish_failures,
        )
        yield CounterMetricFamily(
            "rooms_bus_subscriber_overflows",
            "Subscribers dropped for falling too far behind.",
            value=bus.overflows,
        )
        yield CounterMetricFamily(
            "rooms_bus_reconnects",
            "Times the bus subscribed again after losing Redis.",
            value=bus.reconnects,
        )


def _relay(live: LiveRooms) -> Iterator[Metric]:
    """The relay between nodes (rooms/cluster/relay_node.py): what this node sent as an
    origin, per edge, against what it took from the sources once; what it got as an edge."""
    relay = live.relay
    assert relay is not None
    taken = CounterMetricFamily(
        "rooms_relay_taken",
        "Packets an origin took from a session's relayed sources (each once, whatever the edges).",
        labels=["session"],
    )
    for session, count in sorted(relay.taken().items()):
        taken.add_metric([session], count)
    yield taken
    sent = CounterMetricFamily(
        "rooms_relay_sent", "Relay datagrams an origin sent, per session and edge.",
        labels=["session", "edge"],
    )  # fmt: skip
    for (session, edge), count in sorted(relay.sent().items()):
        sent.add_metric([session, edge], count)
    yield sent
    frames_taken = CounterMetricFamily(
        "rooms_relay_video_frames_taken",
        "Video frames an origin took from a session's relayed cameras and screen share (each "
        "once, whatever the edges).",
        labels=["session"],
    )
    for session, count in sorted(relay.frames_taken().items()):
        frames_taken.add_metric([session], count)
    yield frames_taken
    frames_sent = CounterMetricFamily(
        "rooms_relay_video_frames_sent", "Video frames an origin sent, per session and edge.",
        labels=["session", "edge"],
    )  # fmt: skip
    for (session, edge), count in sorted(relay.frames_sent().items()):
        frames_sent.add_metric([session, edge], count)
    yield frames_sent
    asked = CounterMetricFamily(
        "rooms_relay_keyframe_requests",
        "Edges' keyframe requests an origin answered (a picture lost on the hop, or a viewer "
        "starting), per session and edge.",
        labels=["session", "edge"],
    )
    for (session, edge), count in sorted(relay.keyframes_asked().items()):
        asked.add_metric([session, edge], count)
    yield asked
    lost = CounterMetricFamily(
        "rooms_relay_video_frames_lost",
        "Times an edge found relayed video frames lost on the hop (it then asked for a keyframe).",
        value=relay.ingest.frames_lost,
    )
    yield lost
    counts = relay.received()
    received = CounterMetricFamily(
        "rooms_relay_received",
        "Relay datagrams that reached this node, by outcome: accepted, unknown_peer (from an "
        "address no origin announced), refused (failing SRTP's check, or malformed), "
        "stale_origin (from a node no longer the origin of a session this one is an edge of). "
        "Keyframe requests from edges count here too (unknown_peer, refused).",
        labels=["outcome"],
    )
    received.add_metric(["accepted"], counts.received)
    received.add_metric(["unknown_peer"], counts.unknown_peer)
    received.add_metric(["refused"], counts.refused)
    received.add_metric(["stale_origin"], relay.not_feeding)
    yield received
    seats: dict[str, int] = {}
    for seat in relay.seats.values():
        seats[seat.session_id] = seats.get(seat.session_id, 0) + 1
    listen = GaugeMetricFamily(
        "rooms_listen_seats", "Listen-only seats on this node, per session.", labels=["session"]
    )
    for session, count in sorted(seats.items()):
        listen.add_metric([session], count)
    yield listen

"""Both ends of the relay in a node's media: the origin's sources out, the edge's sources in.

On the origin, :class:`OriginRelay` subscribes once to each relayed source's
:class:`~rooms.media.forwarding.Fanout` (the router's floor and voice taps say which:
:meth:`OriginRelay.tap`) and sends each packet to each edge once, whatever the number of
listeners there. On an edge, :class:`EdgeIngest` publishes what arrives into the edge's
router as the same source (:meth:`~rooms.media.router.MediaRouter.relayed`), so the edge's
slots, languages and fan-out work on it as on a local microphone.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction

import av

from rooms.media.forwarding import Fanout
from rooms.media.relay import Address, RelayOut, RelayPacket
from rooms.media.relay_socket import RelaySocket
from rooms.media.router import MediaRouter

__all__ = ["EdgeIngest", "OriginRelay"]

TIME_BASE = Fraction(1, 48_000)


@dataclass
class _Edge:
    address: Address
    out: RelayOut


class _SourceSink:
    """The relay's one subscription to a source's Fanout."""

    def __init__(self, relay: OriginRelay, fanout: Fanout) -> None:
        self.relay = relay
        self.fanout = fanout
        self.restart = True

    def push(self, packet: av.Packet) -> None:
        self.relay.send(self.fanout.source_id, packet, self.restart, self.fanout.level)
        self.restart = False

    def discontinuity(self) -> None:
        self.restart = True


class _Tap:
    """One of the router's taps (a room's floor, a booth's voice), feeding the relay."""

    def __init__(self, relay: OriginRelay, name: str) -> None:
        self.relay = relay
        self.name = name

    def follow(self, sources: list[Fanout]) -> None:
        self.relay.follow(self.name, sources)


@dataclass
class OriginRelay:
    """A session's relayed sources, each sent to each edge once."""

    socket: RelaySocket
    _edges: dict[str, _Edge] = field(default_factory=dict)
    _taps: dict[str, list[Fanout]] = field(default_factory=dict)
    _sinks: dict[str, _SourceSink] = field(default_factory=dict)
    packets_in: Counter[str] = field(default_factory=Counter)
    """Packets taken from each source (once, whatever the number of edges)."""
    sent: Counter[str] = field(default_factory=Counter)
    """Datagrams sent to each edge."""

    def tap(self, name: str) -> _Tap:
        """A floor or voice tap for the router (``set_floor_tap``, ``set_voice_tap``)."""
        return _Tap(self, name)

    def add_edge(self, edge_id: str, address: Address, key: bytes) -> None:
        """Send to ``edge_id`` at ``address`` with ``key`` (replacing what it had)."""
        self._edges[edge_id] = _Edge(address, RelayOut(key))

    def remove_edge(self, edge_id: str) -> None:
        self._edges.pop(edge_id, None)

    @property
    def edges(self) -> list[str]:
        return sorted(self._edges)

    @property
    def sources(self) -> list[str]:
        return sorted(self._sinks)

    def following(self, tap: str) -> list[str]:
        """The source ids ``tap`` relays now."""
        return [f.source_id for f in self._taps.get(tap, [])]

    def follow(self, tap: str, sources: list[Fanout]) -> None:
        self._taps[tap] = list(sources)
        wanted = {f.source_id: f for fanouts in self._taps.values() for f in fanouts}
        for source_id in [s for s in self._sinks if s not in wanted]:
            sink = self._sinks.pop(source_id)
            sink.fanout.unsubscribe(sink)
            for edge in self._edges.values():
                edge.out.pause(source_id)
        for source_id, fanout in wanted.items():
            old = self._sinks.get(source_id)
            if old is not None and old.fanout is fanout:
                continue
            if old is not None:
                old.fanout.unsubscribe(old)
            sink = self._sinks[source_id] = _SourceSink(self, fanout)
            fanout.subscribe(sink)

    def send(
        self, source_id: str, packet: av.Packet, restart: bool, level: int | None = None
    ) -> None:
        self.packets_in[source_id] += 1
        relayed = RelayPacket(source_id, packet.pts or 0, bytes(packet), restart, level)
        for edge_id, edge in self._edges.items():
            self.socket.send(edge.out.seal(relayed), edge.address)
            self.sent[edge_id] += 1

    def close(self) -> None:
        for sink in self._sinks.values():
            sink.fanout.unsubscribe(sink)
        self._sinks.clear()
        self._taps.clear()


class EdgeIngest:
    """Publishes relayed packets into an edge's router, as the sources they came from."""

    def __init__(self, router: MediaRouter) -> None:
        self.router = router
        self.packets: Counter[str] = Counter()
        """Packets published per source."""

    def __call__(self, peer_id: str, packet: RelayPacket) -> None:
        fanout = self.router.relayed(packet.source_id)
        if packet.restart:
            fanout.discontinuity()
        out = av.Packet(packet.payload)
        out.pts = packet.pts
        out.time_base = TIME_BASE
        self.packets[packet.source_id] += 1
        if packet.level is not None:  # as a local microphone's: before its packet
            self.router.heard_relayed(packet.source_id, packet.level)
        fanout.publish(out)

"""Both ends of the relay in a node's media: the origin's sources out, the edge's sources in.

On the origin, :class:`OriginRelay` subscribes once to each relayed source's
:class:`~rooms.media.forwarding.Fanout` (the router's floor and voice taps say which:
:meth:`OriginRelay.tap`) and sends each packet to each edge once, whatever the number of
listeners there. On an edge, :class:`EdgeIngest` publishes what arrives into the edge's
router as the same source (:meth:`~rooms.media.router.MediaRouter.relayed`), so the edge's
slots, languages and fan-out work on it as on a local microphone.

Video: the router's floor taps also say which cameras and which screen share a room shows
(``follow_video``), and its camera taps which signer's camera a sign-language booth has on
air (``set_camera_tap``); the origin subscribes once to each of those
:class:`~rooms.media.video.VideoFanout` and sends each encoded frame to each edge once, in
chunks (rooms.media.relay). An edge's first frame of a stream is a keyframe: the origin
holds the others back from that edge and asks the publisher for one, or sends the
source's cached keyframe at once when it is still the latest frame (a still slide). An
edge's keyframe request (:meth:`OriginRelay.keyframe_requested`) is answered the same way.
On the edge, :class:`EdgeIngest` puts the frames back together and publishes them into
the source's camera or screen in its router (:meth:`~rooms.media.router.MediaRouter.relayed_video`);
a frame lost on the hop makes that fanout wait for the next keyframe and ask the origin for
one, through ``ask`` (the edge's keyframe requests are coalesced there, as a publisher's).
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import av

from rooms.media.forwarding import Fanout
from rooms.media.relay import (
    CHUNK_BYTES,
    Address,
    FrameAssembly,
    KeyframeRequest,
    RelayChunk,
    RelayFrame,
    RelayOut,
    RelayPacket,
    video_stream,
)
from rooms.media.relay_socket import RelaySocket
from rooms.media.router import MediaRouter
from rooms.media.video import VideoFanout

__all__ = ["EdgeIngest", "OriginRelay"]

TIME_BASE = Fraction(1, 48_000)
VIDEO_TIME_BASE = Fraction(1, 90_000)


@dataclass
class _Edge:
    address: Address
    out: RelayOut
    started: set[int] = field(default_factory=set)  # video streams it has had a keyframe of


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

    def follow_video(self, sources: list[VideoFanout]) -> None:
        self.relay.follow_video(self.name, sources)


class _VideoSink:
    """The relay's one subscription to a camera or screen (a VideoFanout's sink)."""

    def __init__(self, relay: OriginRelay, fanout: VideoFanout) -> None:
        self.relay = relay
        self.fanout = fanout
        self.ssrc = video_stream(fanout.source_id, fanout.kind)
        # Each edge's first frame of the stream starts it there (RelayOut); later, the
        # publisher's reconnect does (its next frame is a keyframe: the fanout waits for one).
        self.restart = False

    def on_frame(self, source: VideoFanout, packet: av.Packet) -> None:
        self.relay.send_frame(self, packet, self.restart)
        self.restart = False

    def discontinuity(self) -> None:
        self.restart = True

    def waits_for(self, source: VideoFanout) -> bool:
        return any(self.ssrc not in edge.started for edge in self.relay._edges.values())


@dataclass
class OriginRelay:
    """A session's relayed sources, each sent to each edge once."""

    socket: RelaySocket
    _edges: dict[str, _Edge] = field(default_factory=dict)
    _taps: dict[str, list[Fanout]] = field(default_factory=dict)
    _sinks: dict[str, _SourceSink] = field(default_factory=dict)
    _video_taps: dict[str, list[VideoFanout]] = field(default_factory=dict)
    _video: dict[int, _VideoSink] = field(default_factory=dict)  # by stream (SSRC)
    packets_in: Counter[str] = field(default_factory=Counter)
    """Datagrams' worth taken from each source: audio packets, video frames' chunks (once,
    whatever the number of edges)."""
    sent: Counter[str] = field(default_factory=Counter)
    """Datagrams sent to each edge."""
    frames_in: Counter[str] = field(default_factory=Counter)
    """Video frames taken from each camera or screen (``<source>/<kind>``), once."""
    frames_sent: Counter[str] = field(default_factory=Counter)
    """Video frames sent to each edge."""
    keyframes_asked: Counter[str] = field(default_factory=Counter)
    """Keyframe requests from each edge."""

    def tap(self, name: str) -> _Tap:
        """A floor or voice tap for the router (``set_floor_tap``, ``set_voice_tap``)."""
        return _Tap(self, name)

    def add_edge(self, edge_id: str, address: Address, key: bytes) -> None:
        """Send to ``edge_id`` at ``address`` with ``key`` (replacing what it had)."""
        self._edges[edge_id] = _Edge(address, RelayOut(key))
        for sink in self._video.values():
            self._start_video(sink, edge_id)

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

    def following_video(self, tap: str) -> list[tuple[str, str]]:
        """The (source id, kind) of each camera and screen ``tap`` relays now."""
        return [(f.source_id, f.kind) for f in self._video_taps.get(tap, [])]

    def follow_video(self, tap: str, sources: list[VideoFanout]) -> None:
        self._video_taps[tap] = list(sources)
        wanted = {
            video_stream(f.source_id, f.kind): f for fs in self._video_taps.values() for f in fs
        }
        for ssrc in [s for s in self._video if s not in wanted]:
            sink = self._video.pop(ssrc)
            sink.fanout.unsubscribe(sink)
            for edge in self._edges.values():
                edge.out.pause(sink.fanout.source_id, sink.fanout.kind)
                edge.started.discard(ssrc)
        for ssrc, fanout in wanted.items():
            old = self._video.get(ssrc)
            if old is not None and old.fanout is fanout:
                continue
            if old is not None:
                old.fanout.unsubscribe(old)
            sink = self._video[ssrc] = _VideoSink(self, fanout)
            for edge in self._edges.values():
                edge.started.discard(ssrc)
            fanout.subscribe(sink)
            for edge_id in self._edges:
                self._start_video(sink, edge_id)

    def keyframe_requested(self, edge_id: str, ssrc: int) -> bool:
        """``edge_id`` lost a picture of the stream ``ssrc`` (or starts one): its cached
        keyframe if still current, and the publisher asked. Whether the stream is relayed."""
        sink = self._video.get(ssrc)
        if sink is None or edge_id not in self._edges:
            return False
        self.keyframes_asked[edge_id] += 1
        self._start_video(sink, edge_id)
        return True

    def _start_video(self, sink: _VideoSink, edge_id: str) -> None:
        """An edge needs a keyframe of the stream: the cached one if it is the source's
        latest frame, and a fresh one asked for (coalesced at the source)."""
        fanout = sink.fanout
        if fanout.cache.current and fanout.mime is not None:
            cached = fanout.cache.replay(fanout.mime)
            if cached is not None:
                self._send_to(sink, cached, edge_id, restart=False)
        fanout.request_keyframe()

    def send_frame(self, sink: _VideoSink, packet: av.Packet, restart: bool) -> None:
        """A frame of a relayed camera or screen, to each edge once (to an edge that has not
        had this stream's keyframe yet, only a keyframe)."""
        fanout = sink.fanout
        chunks = max(1, -(-packet.size // CHUNK_BYTES))
        self.frames_in[f"{fanout.source_id}/{fanout.kind}"] += 1
        self.packets_in[fanout.source_id] += chunks
        waiting = False
        for edge_id in self._edges:
            waiting |= not self._send_to(sink, packet, edge_id, restart)
        if waiting:
            fanout.request_keyframe()

    def _send_to(self, sink: _VideoSink, packet: av.Packet, edge_id: str, restart: bool) -> bool:
        edge = self._edges[edge_id]
        if sink.ssrc not in edge.started:
            if not packet.is_keyframe:
                return False
            edge.started.add(sink.ssrc)
        fanout = sink.fanout
        frame = RelayFrame(
            fanout.source_id, fanout.kind, fanout.mime or "", packet.pts or 0, bytes(packet),
            bool(packet.is_keyframe), restart,
        )  # fmt: skip
        for datagram in edge.out.seal_frame(frame):
            self.socket.send(datagram, edge.address)
            self.sent[edge_id] += 1
        self.frames_sent[edge_id] += 1
        return True

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
        for video in self._video.values():
            video.fanout.unsubscribe(video)
        self._sinks.clear()
        self._taps.clear()
        self._video.clear()
        self._video_taps.clear()


AskKeyframe = Callable[[str, int], None]
"""Send a keyframe request to an origin: its peer id, the stream's SSRC."""


class EdgeIngest:
    """Publishes relayed packets into an edge's router, as the sources they came from."""

    def __init__(self, router: MediaRouter, ask: AskKeyframe | None = None) -> None:
        """``ask``: sends a video stream's keyframe requests to the origin it came from."""
        self.router = router
        self.ask = ask
        self.packets: Counter[str] = Counter()
        """Packets published per source."""
        self.frames: Counter[str] = Counter()
        """Video frames published per camera or screen (``<source>/<kind>``)."""
        self.frames_lost = 0
        """Times frames of a stream were lost on the hop (a keyframe was then asked for)."""
        self._assembly: dict[int, FrameAssembly] = {}
        self._origin: dict[int, str] = {}  # each stream's origin, where its requests go

    def __call__(self, peer_id: str, packet: RelayPacket | RelayChunk | KeyframeRequest) -> None:
        if isinstance(packet, RelayChunk):
            self._chunk(peer_id, packet)
            return
        if not isinstance(packet, RelayPacket):
            return  # a keyframe request: an origin's business (rooms.cluster.relay_node)
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

    def _chunk(self, peer_id: str, chunk: RelayChunk) -> None:
        ssrc = chunk.ssrc
        if self._origin.get(ssrc) != peer_id:
            self._origin[ssrc] = peer_id
            self._assembly[ssrc] = FrameAssembly()
        frame, lost = self._assembly[ssrc].add(chunk)
        if frame is None and not lost:
            return
        fanout = self.router.relayed_video(
            chunk.source_id, chunk.kind, functools.partial(self._ask, ssrc)
        )
        if frame is not None and frame.restart:
            fanout.attach(functools.partial(self._ask, ssrc))  # its frames start afresh
        if lost:
            self.frames_lost += 1
            fanout.lost()  # nothing forwarded until the next keyframe, which it asks for
        if frame is None:
            return
        out = av.Packet(frame.data)
        out.pts = frame.pts
        out.time_base = VIDEO_TIME_BASE
        out.is_keyframe = frame.keyframe
        self.frames[f"{frame.source_id}/{frame.kind}"] += 1
        fanout.publish(frame.mime, out)

    def _ask(self, ssrc: int) -> None:
        origin = self._origin.get(ssrc)
        if origin is not None and self.ask is not None:
            self.ask(origin, ssrc)

    def forget(self, source_id: str) -> None:
        """The source is no longer relayed here: its streams' state goes."""
        for kind in ("camera", "screen"):
            ssrc = video_stream(source_id, kind)
            self._assembly.pop(ssrc, None)
            self._origin.pop(ssrc, None)

"""The relay between nodes: sources' encoded packets from an origin to its edges (sans-I/O).

A session larger than a node has an origin (its owner, where the floor and the booths
publish) and edges (nodes that serve only listeners). The origin sends each packet of each
relayed source to each edge once, as one UDP datagram; the edge publishes it into its own
:class:`~rooms.media.router.MediaRouter` as the same source, and its listeners' slots fan it
out there. mediasoup's PipeTransport and Jitsi's relayed bridges do the same job.

A relay datagram is an SRTP packet (AEAD AES-128-GCM: the payload encrypted, header and
payload authenticated), one key per direction of each pair of nodes
(:mod:`rooms.cluster.relays` hands keys out through Redis, never in logs). Its RTP header:

- payload type :data:`AUDIO_PT` (Opus as the publisher sent it, without RED);
- marker bit: the source's timestamps restart here (it reconnected), ``discontinuity()``;
- sequence number: per source and edge, for SRTP's replay window;
- timestamp: the packet's ``pts`` (48 kHz);
- SSRC: a hash of the source id (:func:`stream_id`), so that each source has its own replay
  window.

The payload (encrypted) is one byte of length, the source id (UTF-8), one byte of audio
level (0 loudest .. 127 silent, 255 unknown: the publisher's ``ssrc-audio-level``, so an
edge ranks floor talkers as the origin does), then the Opus packet: the edge needs no
separate announcement of streams, and peer ids never travel in clear.

Video (a floor speaker's camera, the room's screen share) travels as the encoded frames the
origin's receive hook assembled (VP8 or H.264, never decoded), each cut into chunks of at
most :data:`CHUNK_BYTES` so that no datagram needs IP fragmentation: payload type
:data:`VIDEO_PT`, marker bit on a frame's last chunk, timestamp the frame's ``pts`` (90
kHz), SSRC :func:`stream_id` of ``"<source id>/<camera|screen>"``. Its payload: one byte of
length and the source id, one byte of kind (0 camera, 1 screen), one byte of flags (1
keyframe, 2 H.264 rather than VP8, 4 the stream starts again here), the frame's number
(16 bits, per stream and edge), the chunk's index and the frame's number of chunks (16 bits
each), then the chunk. :class:`FrameAssembly` puts frames back together on the edge and
says when one was lost (a chunk or a whole frame missing): the edge's
:class:`~rooms.media.video.VideoFanout` then forwards nothing until the next keyframe and
asks for one.

The edge asks with an RTCP PLI (RFC 4585) whose media SSRC is the video stream's, sealed as
SRTCP with the same pair's key in the other direction: SRTCP derives its own keys from the
master key (RFC 3711, 4.3), and the origin never sends SRTCP with it, so no keystream is
used twice. The origin opens it only from an edge it sends to (:meth:`RelayIn.allow_control`);
any other is dropped and counted as packets are.

:class:`RelayOut` seals packets for one edge; :class:`RelayIn` opens those from known
peers: a datagram from an address no peer announced, or that fails SRTP's check (forged,
replayed, another key), is dropped and counted, never raised.
"""

from __future__ import annotations

import secrets
import struct
import zlib
from dataclasses import dataclass, field

import pylibsrtp

__all__ = [
    "AUDIO_PT",
    "CHUNK_BYTES",
    "KEY_BYTES",
    "VIDEO_PT",
    "FrameAssembly",
    "KeyframeRequest",
    "RelayChunk",
    "RelayControlOut",
    "RelayCounts",
    "RelayFrame",
    "RelayIn",
    "RelayOut",
    "RelayPacket",
    "new_key",
    "stream_id",
    "video_stream",
]

AUDIO_PT = 111
VIDEO_PT = 96
CHUNK_BYTES = 1100
"""A video frame's bytes per relay datagram (with headers and SRTP's tag, under 1,200)."""
KINDS = ("camera", "screen")
_VIDEO = struct.Struct("!BBHHH")  # kind, flags, frame number, chunk index, chunks
_KEYFRAME, _H264, _RESTART = 1, 2, 4
_PLI = struct.Struct("!BBHII")  # V=2 FMT=1, PT=206, length=2, sender SSRC, media SSRC
_PLI_SENDER = 1
PROFILE = pylibsrtp.Policy.SRTP_PROFILE_AEAD_AES_128_GCM
KEY_BYTES = 28  # 16 of key, 12 of salt
_HEADER = struct.Struct("!BBHII")
_MAX_ID = 255
_NO_LEVEL = 0xFF

Address = tuple[str, int]


def new_key() -> bytes:
    """A fresh SRTP master key and salt for one direction of one pair of nodes."""
    return secrets.token_bytes(KEY_BYTES)


def stream_id(source_id: str) -> int:
    """The SSRC a source's packets carry on the relay (the same on every edge)."""
    return zlib.crc32(source_id.encode())


def video_stream(source_id: str, kind: str) -> int:
    """The SSRC of a source's camera or screen on the relay."""
    return stream_id(f"{source_id}/{kind}")


@dataclass(frozen=True)
class RelayFrame:
    """One encoded video frame of a source's camera or screen, as the origin relays it."""

    source_id: str
    kind: str  # "camera" or "screen"
    mime: str  # "video/vp8" or "video/h264"
    pts: int  # 90 kHz
    data: bytes
    keyframe: bool
    restart: bool = False


@dataclass(frozen=True)
class RelayChunk:
    """A part of a relayed frame, as it arrives at an edge."""

    source_id: str
    kind: str
    mime: str
    pts: int
    keyframe: bool
    restart: bool
    frame: int  # the frame's number in its stream
    index: int
    chunks: int
    data: bytes

    @property
    def ssrc(self) -> int:
        return video_stream(self.source_id, self.kind)


@dataclass(frozen=True)
class KeyframeRequest:
    """An edge lost a picture of the stream ``ssrc`` (:func:`video_stream`), or starts one."""

    ssrc: int


@dataclass(frozen=True)
class RelayPacket:
    source_id: str
    pts: int
    payload: bytes
    restart: bool = False  # the source's timestamps start again here
    level: int | None = None  # its audio level (0 loudest .. 127 silent), when known


@dataclass
class RelayCounts:
    """What a relay endpoint sent and received, and what it refused (for /metrics)."""

    sent: int = 0
    received: int = 0
    unknown_peer: int = 0  # from an address that no peer announced
    refused: int = 0  # from a peer's address, but failing SRTP's check or malformed
    keyframe_requests: int = 0  # edges' keyframe requests opened (an origin)


def _session(key: bytes, outbound: bool) -> pylibsrtp.Session:
    if len(key) != KEY_BYTES:
        raise ValueError(f"a relay key has {KEY_BYTES} bytes")
    kind = pylibsrtp.Policy.SSRC_ANY_OUTBOUND if outbound else pylibsrtp.Policy.SSRC_ANY_INBOUND
    return pylibsrtp.Session(pylibsrtp.Policy(key=key, ssrc_type=kind, srtp_profile=PROFILE))


class RelayOut:
    """Seals one source's packets for one edge (one SRTP session, this pair's key)."""

    def __init__(self, key: bytes) -> None:
        self._srtp = _session(key, outbound=True)
        # Each source's next sequence number, kept after it stops (SRTP's replay window
        # at the edge would refuse a stream that started again from 0).
        self._sequence: dict[str, int] = {}
        self._idle: set[str] = set()  # sources whose next packet starts their stream again
        self._frames: dict[str, int] = {}  # each video stream's next frame number
        self.sent = 0

    def seal(self, packet: RelayPacket) -> bytes:
        name = packet.source_id.encode()
        if not 0 < len(name) <= _MAX_ID:
            raise ValueError("a relayed source id has 1 to 255 bytes")
        sequence = self._sequence.get(packet.source_id)
        # A source's first packet to this edge starts its timestamps there too.
        restart = packet.restart or sequence is None or packet.source_id in self._idle
        self._idle.discard(packet.source_id)
        sequence = sequence or 0
        self._sequence[packet.source_id] = (sequence + 1) & 0xFFFF
        head = _HEADER.pack(
            0x80,
            (0x80 if restart else 0) | AUDIO_PT,
            sequence,
            packet.pts & 0xFFFFFFFF,
            stream_id(packet.source_id),
        )
        self.sent += 1
        level = _NO_LEVEL if packet.level is None else packet.level & 0x7F
        body = bytes([len(name)]) + name + bytes([level]) + packet.payload
        return bytes(self._srtp.protect(head + body))

    def seal_frame(self, frame: RelayFrame) -> list[bytes]:
        """A video frame's datagrams, in order (one per :data:`CHUNK_BYTES` of it)."""
        name = frame.source_id.encode()
        if not 0 < len(name) <= _MAX_ID:
            raise ValueError("a relayed source id has 1 to 255 bytes")
        stream = f"{frame.source_id}/{frame.kind}"
        sequence = self._sequence.get(stream)
        restart = frame.restart or sequence is None or stream in self._idle
        self._idle.discard(stream)
        sequence = sequence or 0
        number = self._frames.get(stream, 0)
        self._frames[stream] = (number + 1) & 0xFFFF
        flags = (
            (_KEYFRAME if frame.keyframe else 0)
            | (_H264 if frame.mime.lower() == "video/h264" else 0)
            | (_RESTART if restart else 0)
        )
        parts = [frame.data[i : i + CHUNK_BYTES] for i in range(0, len(frame.data), CHUNK_BYTES)]
        parts = parts or [b""]
        if len(parts) > 0xFFFF:
            raise ValueError("a relayed frame has at most 65,535 chunks")
        ssrc = video_stream(frame.source_id, frame.kind)
        out = []
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            head = _HEADER.pack(
                0x80, (0x80 if last else 0) | VIDEO_PT, sequence, frame.pts & 0xFFFFFFFF, ssrc
            )
            sequence = (sequence + 1) & 0xFFFF
            video = _VIDEO.pack(KINDS.index(frame.kind), flags, number, index, len(parts))
            body = bytes([len(name)]) + name + video + part
            out.append(bytes(self._srtp.protect(head + body)))
        self._sequence[stream] = sequence
        self.sent += len(out)
        return out

    def pause(self, source_id: str, kind: str | None = None) -> None:
        """The source (its camera or screen: ``kind``) stops being relayed; if it comes
        back, its stream starts again."""
        stream = source_id if kind is None else f"{source_id}/{kind}"
        if stream in self._sequence:
            self._idle.add(stream)


class RelayControlOut:
    """Seals an edge's keyframe requests to one origin (SRTCP, that pair's key)."""

    def __init__(self, key: bytes) -> None:
        self._srtp = _session(key, outbound=True)

    def keyframe_request(self, ssrc: int) -> bytes:
        pli = _PLI.pack(0x81, 206, 2, _PLI_SENDER, ssrc & 0xFFFFFFFF)
        return bytes(self._srtp.protect_rtcp(pli))


class FrameAssembly:
    """One relayed video stream's frames put back together at an edge, losses noted.

    :meth:`add` takes each chunk as it arrives and returns a frame once all its chunks are
    in, and whether frames were lost before it (a frame left incomplete when a later one
    starts, or frame numbers skipped). A chunk of a frame older than the last one is ignored.
    """

    def __init__(self) -> None:
        self._frame: int | None = None  # the frame being put together
        self._parts: dict[int, bytes] = {}
        self._last: int | None = None  # the last frame completed
        self._lost = False

    def add(self, chunk: RelayChunk) -> tuple[RelayFrame | None, bool]:
        """The frame ``chunk`` completes (or None), and whether one was lost before it."""
        if chunk.restart and chunk.frame != self._frame:
            self._frame, self._parts, self._last, self._lost = None, {}, None, False
        reference = self._frame if self._frame is not None else self._last
        if reference is not None and not chunk.restart:
            ahead = (chunk.frame - reference) & 0xFFFF
            if ahead >= 0x8000 or (ahead == 0 and self._frame is None):
                return None, False  # late: a frame already done, or given up on
        if self._frame is not None and chunk.frame != self._frame:
            self._lost = True  # the frame being put together never completed
            self._frame, self._parts = None, {}
        if self._frame is None:
            if self._last is not None and chunk.frame != (self._last + 1) & 0xFFFF:
                self._lost = True  # whole frames never arrived
            self._frame = chunk.frame
        self._parts[chunk.index] = chunk.data
        if len(self._parts) < chunk.chunks:
            return None, False
        data = b"".join(self._parts.get(i, b"") for i in range(chunk.chunks))
        lost, self._lost = self._lost, False
        self._last, self._frame, self._parts = chunk.frame, None, {}
        frame = RelayFrame(
            chunk.source_id, chunk.kind, chunk.mime, chunk.pts, data, chunk.keyframe,
            chunk.restart,
        )  # fmt: skip
        return frame, lost


@dataclass
class _Peer:
    peer_id: str
    srtp: pylibsrtp.Session


@dataclass
class RelayIn:
    """Opens the datagrams of known peers (their address and key); drops and counts the rest."""

    counts: RelayCounts = field(default_factory=RelayCounts)
    _peers: dict[Address, _Peer] = field(default_factory=dict)
    _edges: dict[Address, _Peer] = field(default_factory=dict)  # keyframe requests' senders

    def allow(self, peer_id: str, address: Address, key: bytes) -> None:
        """Accept ``peer_id``'s packets from ``address``, sealed with ``key`` (a new key or
        address replaces the old: the peer restarted)."""
        self.forget(peer_id)
        self._peers[address] = _Peer(peer_id, _session(key, outbound=False))

    def forget(self, peer_id: str) -> None:
        for address in [a for a, p in self._peers.items() if p.peer_id == peer_id]:
            del self._peers[address]

    def peers(self) -> dict[str, Address]:
        return {p.peer_id: a for a, p in self._peers.items()}

    def allow_control(self, edge_id: str, address: Address, key: bytes) -> None:
        """Accept ``edge_id``'s keyframe requests from ``address``: it seals them with
        ``key``, the key this node sends to it with (an origin)."""
        self.forget_control(edge_id)
        self._edges[address] = _Peer(edge_id, _session(key, outbound=False))

    def forget_control(self, edge_id: str) -> None:
        for address in [a for a, p in self._edges.items() if p.peer_id == edge_id]:
            del self._edges[address]

    def control_peers(self) -> dict[str, Address]:
        return {p.peer_id: a for a, p in self._edges.items()}

    def open(
        self, datagram: bytes, address: Address
    ) -> tuple[str, RelayPacket | RelayChunk | KeyframeRequest] | None:
        """The sending peer's id and its packet, video chunk or keyframe request; None
        (counted) when it is no peer's."""
        if len(datagram) > 1 and 192 <= datagram[1] <= 223:  # RTCP (RFC 5761): a request
            return self._open_control(datagram, address)
        peer = self._peers.get(address)
        if peer is None:
            self.counts.unknown_peer += 1
            return None
        try:
            plain = peer.srtp.unprotect(datagram)
            first, second, _, pts, _ = _HEADER.unpack_from(plain)
            length = plain[_HEADER.size]
            start = _HEADER.size + 1
            source_id = plain[start : start + length].decode()
        except (pylibsrtp.Error, struct.error, IndexError, UnicodeDecodeError, ValueError):
            self.counts.refused += 1
            return None
        if first == 0x80 and second & 0x7F == VIDEO_PT and source_id:
            chunk = self._chunk(plain, start + length, source_id, pts)
            if chunk is None:
                self.counts.refused += 1
                return None
            self.counts.received += 1
            return peer.peer_id, chunk
        if first != 0x80 or second & 0x7F != AUDIO_PT or not source_id:
            self.counts.refused += 1
            return None
        if len(plain) <= start + length:
            self.counts.refused += 1
            return None
        level = plain[start + length]
        self.counts.received += 1
        packet = RelayPacket(
            source_id, pts, plain[start + length + 1 :], bool(second & 0x80),
            None if level == _NO_LEVEL else level,
        )  # fmt: skip
        return peer.peer_id, packet

    def _chunk(self, plain: bytes, at: int, source_id: str, pts: int) -> RelayChunk | None:
        if len(plain) < at + _VIDEO.size:
            return None
        kind, flags, frame, index, chunks = _VIDEO.unpack_from(plain, at)
        if kind >= len(KINDS) or not index < chunks:
            return None
        return RelayChunk(
            source_id, KINDS[kind], "video/h264" if flags & _H264 else "video/vp8", pts,
            bool(flags & _KEYFRAME), bool(flags & _RESTART), frame, index, chunks,
            plain[at + _VIDEO.size :],
        )  # fmt: skip

    def _open_control(
        self, datagram: bytes, address: Address
    ) -> tuple[str, KeyframeRequest] | None:
        edge = self._edges.get(address)
        if edge is None:
            self.counts.unknown_peer += 1
            return None
        try:
            plain = edge.srtp.unprotect_rtcp(datagram)
            first, kind, length, _, ssrc = _PLI.unpack_from(plain)
        except (pylibsrtp.Error, struct.error):
            self.counts.refused += 1
            return None
        if (first, kind, length) != (0x81, 206, 2):
            self.counts.refused += 1
            return None
        self.counts.keyframe_requests += 1
        return edge.peer_id, KeyframeRequest(ssrc)

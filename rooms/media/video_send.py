"""Send forwarded video frames to viewers synchronously: packetised once, sent in one loop.

With aiortc's sender loop, every frame a :class:`~rooms.media.video.VideoFanout`
publishes costs each viewer a task wake-up, ``encoder.pack`` re-packetising the
frame, an ``av.Packet`` copy, and per RTP packet an ``RtpPacket``, its header
extensions, an entry in the RTP history, SRTP and an awaited send. That was
6.5 ms of server CPU per viewer-second (docs/performance.md, "Video").

:func:`attach` sets ``VideoForwardingTrack.direct`` to a :class:`VideoSender`, so
the fanout's ``publish`` loop sends each viewer's packets itself, without awaiting:

- the frame is packetised once for every viewer (:class:`_Packetised`, cached on the
  ``av.Packet``), with aiortc's own packetisers: ``Vp8Encoder._packetize`` (payloads
  of at most 1,300 bytes, each with a 4-byte VP8 payload descriptor carrying a
  15-bit picture id) and ``H264Encoder._packetize`` (single NAL units, STAP-A, FU-A);
- per viewer only the VP8 picture id (the viewer's own counter, one per frame sent,
  so it runs on across source switches as aiortc's encoder's did) and the RTP
  header differ: the sender's SSRC, its next sequence number, its random timestamp
  origin plus the track's rebased ``pts`` (``VideoForwardingTrack._rebase_pts``,
  so timestamps keep increasing across switches), the marker on a frame's last
  packet, the negotiated payload type and the ``mid`` and ``abs-send-time``
  extensions exactly as aiortc writes them;
- the DTLS transport's tx SRTP session protects each packet in its own buffer
  (:class:`rooms.media.srtp.Protector`: no copy out, no allocation; pylibsrtp's
  wrapper cost more than the encryption) and the bytes go to the nominated ICE pair's
  socket (what ``RTCDtlsTransport._send_rtp`` and aioice's ``StunProtocol.send_data``
  do, without awaiting); asyncio's ``sendto`` is skipped while it has nothing queued,
  and once the socket would block the rest of the frame is queued behind, in order;
- when every packet of the frame but the last has the first's size and the last is
  no longer (VP8 always, H.264 when its NAL units allow), the viewer's packets leave
  in one ``sendmsg`` with UDP segmentation (``UDP_SEGMENT``, Linux 4.18+): the kernel
  cuts it back into the same datagrams, one system call a frame instead of one a
  packet (about 9% of a viewer's cost in the video benchmark). If the kernel refuses,
  the frame goes through asyncio's ``sendto`` and segmentation stays off (logged once);
- the last :data:`HISTORY` packets (header and a reference to the shared payload)
  answer the viewer's NACKs, wrapped in RTX when RTX was negotiated, as aiortc's
  ``_retransmit`` does; :func:`attach` hands NACKs from ``_handle_rtcp_packet``
  to :meth:`VideoSender.retransmit` instead of aiortc's (empty) history, within a
  budget (:class:`rooms.media.retransmit.NackBudget`, 100 resends a second in bursts
  of 64), so a viewer flooding NACKs gets the rest ignored and counted;
- the sender's RTCP counters (packets, octets, last RTP and NTP timestamps) and the
  DTLS transport's tx counters stay right, so the sender reports built from them
  (rooms.media.rtcp_pacing) are correct (lip sync with the audio in the same
  stream) and ``getStats`` is right.

The track keeps deciding what is sent: keyframe-gated switching, PLI/FIR coalescing
and the wait for a keyframe after a loss are unchanged. A viewer whose socket buffer
is full (the datagram transport queued a packet instead of sending it) has fallen
behind: the frame is not sent, and the track waits for the next keyframe and asks
for one, as its queue did when it overflowed.

aiortc's sender task keeps running: it waits in ``VideoForwardingTrack.recv()``,
which never yields while ``direct`` is set, and ends with the track. Its RTCP
(rooms.media.rtcp_pacing), RTCP handling (receiver reports, REMB) and stop are untouched.

Pinned to aiortc 1.16.0 and aioice 0.13.0 with :mod:`rooms.media.fast_send`:
:func:`check_video_send` fails loudly when the versions or the code relied on change.
"""

from __future__ import annotations

import functools
import inspect
import logging
import struct
from collections.abc import Awaitable, Callable
from typing import Any

import av
from aiortc import RTCRtpSender
from aiortc import clock as aiortc_clock
from aiortc.codecs import is_rtx
from aiortc.codecs.h264 import H264Encoder
from aiortc.codecs.vpx import Vp8Encoder
from aiortc.rtcdtlstransport import State as DtlsState
from aiortc.rtcrtpparameters import RTCRtpSendParameters
from aiortc.rtcrtpsender import random_sequence_number
from aiortc.rtp import RTCP_RTPFB_NACK, AnyRtcpPacket, RtcpRtpfbPacket
from aiortc.utils import random32

from rooms.media.fast_send import (
    ABS_SEND_TIME_URI,
    FastSendError,
    check_fast_send,
    header_extensions,
)
from rooms.media.retransmit import NackBudget
from rooms.media.srtp import Protector, check_srtp
from rooms.media.video import BEHIND, FAILED, SENT, Delivery, VideoForwardingTrack

__all__ = ["HISTORY", "VideoSender", "attach", "check_video_send"]

HISTORY = 128
"""Packets kept per viewer for retransmission (aiortc's ``RTP_HISTORY_SIZE``)."""
NACK_RATE = 100.0
NACK_BURST = 64
"""A viewer's resends: at most 100 a second, in bursts of 64 (a lost keyframe's packets)."""

_SOURCE_FRAGMENTS: tuple[tuple[Callable[..., Any], tuple[str, ...]], ...] = (
    (
        Vp8Encoder._packetize,
        (
            "partition_start=1, partition_id=0, picture_id=picture_id",
            "descr.partition_start = 0",
        ),
    ),
    (Vp8Encoder.pack, ("payloads = self._packetize(bytes(packet), self.picture_id)",)),
    (
        H264Encoder.pack,
        (
            "packages = self._split_bitstream(bytes(packet))",
            "return self._packetize(packages), timestamp",
        ),
    ),
    (RTCRtpSender._retransmit, ("wrap_rtx(", "ssrc=self._rtx_ssrc")),
    (
        RTCRtpSender.send,
        ('codec.parameters["apt"] == parameters.codecs[0].payloadType',),
    ),
    (
        RTCRtpSender._handle_rtcp_packet,
        ("packet.fmt == RTCP_RTPFB_NACK", "await self._retransmit(seq)"),
    ),
)

_HEADER = struct.Struct("!BBHLL")
_SEQUENCE = struct.Struct("!H")
_GSO_SIZE = struct.Struct("=H")
_SOL_UDP, _UDP_SEGMENT = 17, 103
_GSO_MAX = 40
_VP8_START = b"\x90\x80"  # X=1, S=1, PID=0; I=1: a 15-bit picture id follows
_VP8_MORE = b"\x80\x80"  # the same without S: a frame's later packets
_VP8_DESCRIPTOR = 4

logger = logging.getLogger(__name__)


def _empty() -> int:
    return 0


_gso = True
"""Whether a frame's packets go out as one UDP-segmented datagram (off after a refusal)."""


def _no_gso(error: OSError) -> None:
    global _gso
    _gso = False
    logger.warning("UDP segmentation refused (%s): video packets sent one by one", error)


@functools.cache
def _check_sources() -> str | None:
    for function, fragments in _SOURCE_FRAGMENTS:
        source = inspect.getsource(function)
        for fragment in fragments:
            if fragment not in source:
                return f"{function.__qualname__} no longer contains {fragment!r}"
    return None


def check_video_send(sender: RTCRtpSender | None = None) -> None:
    """Raise FastSendError unless aiortc, aioice (and ``sender``) are what this was written for."""
    check_fast_send(sender)
    check_srtp()
    problem = _check_sources()
    if problem is not None:
        raise FastSendError(f"aiortc's video packetising or retransmission changed: {problem}")
    if sender is not None and not isinstance(getattr(sender, "_rtx_ssrc", None), int):
        raise FastSendError("RTCRtpSender lacks _rtx_ssrc: aiortc's sender internals changed.")


class _Packetised:
    """One frame's RTP payloads, computed once for every viewer (the last frame published)."""

    packet: av.Packet | None = None
    mime = ""
    vp8 = False
    bodies: list[bytes] = []
    gso = False
    octets = 0
    ntp = 0
    abs_send_time = b"\x00\x00\x00"
    extensions: dict[tuple[bytes, int | None], bytes] = {}

    @classmethod
    def of(cls, packet: av.Packet, mime: str) -> type[_Packetised]:
        if packet is not cls.packet or mime != cls.mime:
            data = bytes(packet)
            cls.vp8 = mime == "video/vp8"
            if cls.vp8:
                # aiortc's packetiser with a placeholder picture id, which each viewer replaces.
                payloads = Vp8Encoder._packetize(data, 0)
                cls.bodies = [payload[_VP8_DESCRIPTOR:] for payload in payloads]
                cls.octets = sum(map(len, payloads))
            else:
                cls.bodies = H264Encoder._packetize(H264Encoder._split_bitstream(data))
                cls.octets = sum(map(len, cls.bodies))
            cls.packet, cls.mime = packet, mime
            # UDP segmentation cuts the datagram every len(first) bytes: only when every
            # packet but the last has the first's size and the last is no longer.
            first = len(cls.bodies[0])
            cls.gso = (
                1 < len(cls.bodies) <= _GSO_MAX
                and all(len(body) == first for body in cls.bodies[:-1])
                and len(cls.bodies[-1]) <= first
            )
            cls.ntp = aiortc_clock.current_ntp_time()
            cls.abs_send_time = ((cls.ntp >> 14) & 0x00FFFFFF).to_bytes(3, "big")
            cls.extensions = {}
        return cls

    @classmethod
    def extension(cls, extension: bytes, abs_at: int | None) -> bytes:
        """A viewer's header extension with this frame's abs-send-time, made once per layout."""
        if abs_at is None:
            return extension
        key = (extension, abs_at)
        stamped = cls.extensions.get(key)
        if stamped is None:
            stamped = extension[:abs_at] + cls.abs_send_time + extension[abs_at + 3 :]
            cls.extensions[key] = stamped
        return stamped


class VideoSender:
    """Sends one viewer's video slot straight to its peer; set as ``track.direct``."""

    def __init__(self, sender: RTCRtpSender, track: VideoForwardingTrack) -> None:
        check_video_send(sender)
        self.sender: Any = sender
        self.track = track
        self.frames = 0
        self.sent = 0
        """RTP packets sent (retransmissions not counted, as in aiortc)."""
        self.retransmitted = 0
        self.behind = 0
        self.errors = 0
        self.not_ready = 0
        self.mime = ""
        self.parameters: RTCRtpSendParameters | None = None
        self.sequence_number = random_sequence_number()
        self.timestamp_origin = random32()
        self.picture_id = random32() & 0x7FFF
        self.history: list[tuple[bytes, bytes] | None] = [None] * HISTORY
        self.nacks = NackBudget(rate=NACK_RATE, burst=NACK_BURST)
        """The viewer's NACKs: asked, resent, unknown (not held), limited (over budget)."""
        self._dtls: Any = sender.transport
        self._nominated: dict[int, Any] = sender.transport.transport._connection._nominated
        self._byte0 = 0x80
        self._payload_type = 0
        self._ssrc = 0
        self._extension = b""
        self._abs_at: int | None = None
        self._rtx_payload_type: int | None = None
        self._rtx_sequence_number = random_sequence_number()
        self._protector: Protector | None = None
        self._ready = False

    def configure(self, parameters: RTCRtpSendParameters) -> bool:
        """Take the negotiated parameters; False (aiortc's path kept) if the codec is not ours."""
        codec = parameters.codecs[0]
        mime = codec.mimeType.lower()
        if mime not in ("video/vp8", "video/h264"):
            logger.warning("video fast send off for %s: codec %s", self.track.label, mime)
            return False
        profile, value = header_extensions(parameters, 0)
        self._extension = struct.pack("!HH", profile, len(value) >> 2) + value if value else b""
        self._abs_at = None
        if any(ext.uri == ABS_SEND_TIME_URI for ext in parameters.headerExtensions):
            # Where the 3 bytes of abs-send-time sit: the bytes that differ from a maximal value.
            profile, other = header_extensions(parameters, 0xFFFFFF)
            self._abs_at = 4 + next(
                i for i, (a, b) in enumerate(zip(value, other, strict=True)) if a != b
            )
        self._byte0 = 0x80 | (bool(value) << 4)  # version 2, no padding, no CSRC
        self._payload_type = codec.payloadType or 0
        self._rtx_payload_type = next(
            (
                c.payloadType
                for c in parameters.codecs
                if is_rtx(c) and c.parameters.get("apt") == codec.payloadType
            ),
            None,
        )
        self.mime = mime
        self.parameters = parameters
        self._ssrc = self.sender._ssrc
        self._dtls = self.sender.transport
        self._nominated = self._dtls.transport._connection._nominated
        self._ready = True
        return True

    def __call__(self, source_mime: str, packet: av.Packet) -> Delivery:
        try:
            return self._send(source_mime, packet)
        except Exception:
            self.errors += 1
            if self.errors == 1 or self.errors % 1000 == 0:
                logger.exception(
                    "video send to %s failed (%d errors)", self.track.label, self.errors
                )
            return FAILED

    def _send(self, source_mime: str, packet: av.Packet) -> Delivery:
        if not self._ready:
            self.not_ready += 1
            return FAILED
        dtls = self._dtls
        pair = self._nominated.get(1)
        if dtls._state is not DtlsState.CONNECTED or pair is None:
            # aiortc's loop ends on ConnectionError and stops its track: so do we.
            self._ready = False
            self.track.stop()
            return FAILED
        transport = pair.protocol.transport
        # aioice's TURN transport has no buffer (the server itself uses STUN only).
        if getattr(transport, "get_write_buffer_size", _empty)():
            self.behind += 1
            return BEHIND
        sender = self.sender
        if not sender._enabled:
            return SENT
        frame = _Packetised.of(packet, source_mime)
        timestamp = (self.timestamp_origin + self.track._rebase_pts(packet.pts or 0)) & 0xFFFFFFFF
        extension = frame.extension(self._extension, self._abs_at)
        if frame.vp8:
            picture_id = _SEQUENCE.pack(0x8000 | self.picture_id)
            self.picture_id = (self.picture_id + 1) & 0x7FFF
            first = extension + _VP8_START + picture_id
            more = extension + _VP8_MORE + picture_id
        else:
            first = more = extension
        protector = self._protector
        if protector is None or protector.session is not dtls._tx_srtp:
            protector = self._protector = Protector(dtls._tx_srtp)
        protect, view = protector.protect, protector.view
        # Straight to the socket while asyncio has nothing queued for it (checked above);
        # once a datagram is queued, the rest of the frame queues behind it, in order.
        sock = getattr(transport, "_sock", None)
        direct = None if sock is None else sock.sendto
        pack = _HEADER.pack
        byte0, ssrc, history = self._byte0, self._ssrc, self.history
        byte1, marked = self._payload_type, self._payload_type | 0x80
        address = pair.remote_addr
        sequence_number = self.sequence_number
        last = len(frame.bodies) - 1
        tx_bytes = 0
        index = 0
        segmented = (
            getattr(sock, "sendmsg", None) if direct is not None and frame.gso and _gso else None
        )
        parts: list[bytes] | None = None if segmented is None else []
        for body in frame.bodies:
            head = pack(
                byte0, marked if index == last else byte1, sequence_number, timestamp, ssrc
            ) + (more if index else first)
            history[sequence_number % HISTORY] = (head, body)
            length = protect(head, body)
            if parts is not None:
                parts.append(view[:length].tobytes())
            elif direct is not None:
                try:
                    direct(view[:length], address)
                except OSError:
                    direct = None  # asyncio queues it (or reports the error) as it would have
                    transport.sendto(bytes(view[:length]), address)
            else:
                transport.sendto(bytes(view[:length]), address)
            tx_bytes += length
            sequence_number = (sequence_number + 1) & 0xFFFF
            index += 1
        if segmented is not None and parts:
            try:
                segmented(
                    [b"".join(parts)],
                    [(_SOL_UDP, _UDP_SEGMENT, _GSO_SIZE.pack(len(parts[0])))],
                    0,
                    address,
                )
            except OSError as error:
                if not isinstance(error, BlockingIOError):
                    _no_gso(error)
                for part in parts:  # asyncio sends or queues them, in order
                    transport.sendto(part, address)
        self.sequence_number = sequence_number
        self.frames += 1
        self.sent += index
        dtls._RTCDtlsTransport__tx_bytes += tx_bytes
        dtls._RTCDtlsTransport__tx_packets += index
        sender._RTCRtpSender__ntp_timestamp = frame.ntp
        sender._RTCRtpSender__rtp_timestamp = timestamp
        sender._RTCRtpSender__octet_count += frame.octets
        sender._RTCRtpSender__packet_count += index
        return SENT

    def holds(self, sequence_number: int) -> bool:
        """Whether the history still has the packet sent with ``sequence_number``."""
        entry = self.history[sequence_number % HISTORY]
        return entry is not None and _SEQUENCE.unpack_from(entry[0], 2)[0] == sequence_number

    def retransmit(self, sequence_number: int) -> bool:
        """Send a packet again (in RTX if negotiated); False if it is no longer held."""
        entry = self.history[sequence_number % HISTORY]
        if entry is None or not self._ready or not self.holds(sequence_number):
            return False
        head, body = entry
        pair = self._nominated.get(1)
        if self._dtls._state is not DtlsState.CONNECTED or pair is None:
            return False
        if self._rtx_payload_type is not None:
            # RFC 4588: the original sequence number, then the original payload.
            header_length = 12 + len(self._extension)
            head = (
                _HEADER.pack(
                    head[0],
                    (head[1] & 0x80) | self._rtx_payload_type,
                    self._rtx_sequence_number,
                    int.from_bytes(head[4:8], "big"),
                    self.sender._rtx_ssrc,
                )
                + head[12:header_length]
                + _SEQUENCE.pack(sequence_number)
                + head[header_length:]
            )
            self._rtx_sequence_number = (self._rtx_sequence_number + 1) & 0xFFFF
        data = self._dtls._tx_srtp.protect(head + body)
        pair.protocol.transport.sendto(data, pair.remote_addr)
        self._dtls._RTCDtlsTransport__tx_bytes += len(data)
        self._dtls._RTCDtlsTransport__tx_packets += 1
        self.retransmitted += 1
        return True


def attach(sender: RTCRtpSender, track: VideoForwardingTrack) -> VideoSender:
    """Send ``track``'s frames through a VideoSender once aiortc starts ``sender``.

    Call before the answer is applied. NACKs from the viewer are answered from the
    VideoSender's history; if the negotiated codec does not suit it, the track keeps
    aiortc's queued path.
    """
    video = VideoSender(sender, track)
    original_send: Callable[[RTCRtpSendParameters], Awaitable[None]] = sender.send
    original_rtcp: Callable[[AnyRtcpPacket], Awaitable[None]] = sender._handle_rtcp_packet

    async def send(parameters: RTCRtpSendParameters) -> None:
        await original_send(parameters)
        if not video.configure(parameters):
            track.direct = None

    async def handle_rtcp(packet: AnyRtcpPacket) -> None:
        if (
            track.direct is video
            and isinstance(packet, RtcpRtpfbPacket)
            and packet.fmt == RTCP_RTPFB_NACK
        ):
            budget = video.nacks
            for sequence_number in packet.lost:
                budget.asked += 1
                if not video.holds(sequence_number):
                    budget.unknown += 1
                elif budget.take():
                    budget.resent += video.retransmit(sequence_number)
            return
        await original_rtcp(packet)

    sender.send = send  # type: ignore[method-assign]
    sender._handle_rtcp_packet = handle_rtcp  # type: ignore[method-assign]
    track.direct = video
    return video

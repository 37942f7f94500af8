"""Receive encoded audio and video from an aiortc receiver, without its jitter buffer or decoder.

aiortc 1.16 always decodes: ``RTCRtpReceiver._handle_rtp_packet`` pushes every
packet through a jitter buffer (about 80 ms of prefetch for audio) and hands
the reassembled frame to a decoder thread through a ``queue.Queue``. There is
no public switch, so :func:`forward_encoded` swaps two private attributes of
one receiver instance:

- ``_RTCRtpReceiver__jitter_buffer`` becomes a pass-through: one Opus RTP
  packet is one frame, so nothing needs reassembly, and a forwarding server
  should not add delay (the listener's own jitter buffer absorbs jitter).
  Late or duplicate packets are dropped, so timestamps never go backwards.
- ``_RTCRtpReceiver__decoder_queue`` becomes a tap that turns each frame into
  an ``av.Packet`` and calls ``on_packet`` on the event loop, synchronously.
  Nothing is queued anywhere, so an unread track cannot grow. The decoder
  thread (whether it started before or after the swap) stays blocked on the
  original queue, idle, and never decodes; the stop sentinel (``None``) is
  passed on to that queue, so aiortc's own shutdown (thread exits, track
  ends) is unchanged.

Video (:func:`forward_encoded_video`) replaces the jitter buffer with a
:class:`_FrameAssembler` instead: a frame spans several packets, and is complete
at its marker packet, so it is handed on at once (aiortc's video buffer waits for
the next frame's first packet). The stream is joined at its first keyframe's first
packet (:func:`starts_keyframe`) or else after the first frame end: a still screen
share may send one keyframe and nothing after it. Frames come out in order; a hole that
retransmission does not fill within 250 ms is skipped and reported (``on_loss``),
so the forwarder can wait for a keyframe rather than send frames that reference
a lost one. The returned :class:`VideoReceiver` sends the publisher a picture
loss indication (PLI) through the receiver's ``_send_rtcp_pli``.

The receiver's track then never yields media; it only ends when the receiver
stops. This module is pinned to aiortc 1.16.0: :func:`check_aiortc` fails
loudly when the version or the private attributes change.
"""

from __future__ import annotations

import asyncio
import fractions
import functools
import logging
import queue
import time
from collections.abc import Callable
from importlib.metadata import version
from typing import Any

import av
from aiortc import RTCRtpReceiver
from aiortc.jitterbuffer import JitterBuffer, JitterFrame
from aiortc.rtp import RtpPacket
from aiortc.utils import uint16_add, uint16_gt, uint32_gt

from rooms.media import red
from rooms.media.errors import ReceiverHookError
from rooms.media.keyframes import is_keyframe

__all__ = [
    "PINNED_AIORTC_VERSION",
    "AudioTap",
    "ReceiverHookError",
    "VideoReceiver",
    "check_aiortc",
    "forward_encoded",
    "forward_encoded_video",
    "starts_keyframe",
]

PINNED_AIORTC_VERSION = "1.16.0"

_JITTER_BUFFER = "_RTCRtpReceiver__jitter_buffer"
_DECODER_QUEUE = "_RTCRtpReceiver__decoder_queue"

logger = logging.getLogger(__name__)

PacketCallback = Callable[[av.Packet], None]
FrameCallback = Callable[[str, av.Packet], None]
"""Called with the codec's mime type and one encoded video frame (``is_keyframe`` set)."""

VIDEO_TIME_BASE = fractions.Fraction(1, 90_000)
VIDEO_CODECS = ("video/vp8", "video/h264")
PATIENCE_S = 0.25
"""How long a hole in a video stream may wait for its retransmission before it is skipped."""
MAX_PENDING = 512


@functools.cache
def _installed_aiortc() -> str:
    return version("aiortc")


def check_aiortc(receiver: RTCRtpReceiver | None = None) -> None:
    """Raise ReceiverHookError unless aiortc (and ``receiver``, if given) match the pin."""
    installed = _installed_aiortc()
    if installed != PINNED_AIORTC_VERSION:
        raise ReceiverHookError(
            f"rooms.media.receiver_hook is pinned to aiortc {PINNED_AIORTC_VERSION}, "
            f"but aiortc {installed} is installed. Re-read aiortc's rtcrtpreceiver.py "
            "(_handle_rtp_packet, decoder_worker, __stop_decoder) and update the hook "
            "and its pin together."
        )
    if receiver is None:
        return
    buffer = getattr(receiver, _JITTER_BUFFER, None)
    decoder_queue = getattr(receiver, _DECODER_QUEUE, None)
    if not isinstance(buffer, JitterBuffer | _PassThroughJitterBuffer | _FrameAssembler):
        raise ReceiverHookError(
            f"RTCRtpReceiver.{_JITTER_BUFFER} is {type(buffer).__name__}, expected "
            "aiortc.jitterbuffer.JitterBuffer: aiortc's receiver internals changed."
        )
    if not isinstance(decoder_queue, queue.Queue | _DecoderQueueTap | _VideoTap):
        raise ReceiverHookError(
            f"RTCRtpReceiver.{_DECODER_QUEUE} is {type(decoder_queue).__name__}, expected "
            "queue.Queue: aiortc's receiver internals changed."
        )


def forward_encoded(
    receiver: RTCRtpReceiver,
    on_packet: PacketCallback,
    *,
    on_level: Callable[[int], None] | None = None,
) -> AudioTap:
    """Deliver the receiver's Opus packets to ``on_packet`` instead of decoding them.

    Call it from the peer connection's ``track`` event, before any packet arrives.
    Packets carry ``pts`` in the clock rate's time base, starting at 0. RED packets
    (RFC 2198) are unpacked: their primary frame, after a redundant copy of any frame
    lost before it. The returned tap counts RED packets dropped and frames recovered.
    ``on_level`` gets each packet's ``ssrc-audio-level`` (0 loudest .. 127 silent), when
    the sender includes it (rooms.media.voice).
    """
    check_aiortc(receiver)
    decoder_queue = getattr(receiver, _DECODER_QUEUE)
    if isinstance(decoder_queue, _DecoderQueueTap | _VideoTap):
        raise ReceiverHookError("forward_encoded() was already installed on this receiver")
    tap = _DecoderQueueTap(decoder_queue, on_packet)
    setattr(receiver, _JITTER_BUFFER, _PassThroughJitterBuffer(on_level))
    setattr(receiver, _DECODER_QUEUE, tap)
    return tap


class VideoReceiver:
    """A hooked video receiver: asks its publisher for keyframes."""

    def __init__(self, receiver: RTCRtpReceiver, assembler: _FrameAssembler) -> None:
        self.receiver = receiver
        self.assembler = assembler
        self.pli_sent = 0

    def request_keyframe(self) -> None:
        """Send a PLI for the stream being received (nothing before its first packet)."""
        ssrc = self.assembler.ssrc
        if ssrc is None:
            return
        self.pli_sent += 1
        asyncio.ensure_future(self.receiver._send_rtcp_pli(ssrc))


def forward_encoded_video(
    receiver: RTCRtpReceiver,
    on_frame: FrameCallback,
    on_loss: Callable[[], None],
    *,
    clock: Callable[[], float] = time.monotonic,
) -> VideoReceiver:
    """Deliver the receiver's encoded VP8 or H.264 frames to ``on_frame``, never decoding them.

    Frames carry ``pts`` in 1/90000 from 0 and ``is_keyframe``. ``on_loss`` is called
    when frames were lost for good: the next frames reference a picture nobody got.
    """
    check_aiortc(receiver)
    decoder_queue = getattr(receiver, _DECODER_QUEUE)
    if isinstance(decoder_queue, _DecoderQueueTap | _VideoTap):
        raise ReceiverHookError("forward_encoded() was already installed on this receiver")
    assembler = _FrameAssembler(on_loss, clock)
    setattr(receiver, _JITTER_BUFFER, assembler)
    setattr(receiver, _DECODER_QUEUE, _VideoTap(decoder_queue, on_frame))
    return VideoReceiver(receiver, assembler)


def starts_keyframe(data: bytes) -> bool:
    """Whether a depayloaded packet is the first of a VP8 keyframe or an H.264 IDR access unit.

    VP8 (RFC 6386 9.1): a key frame's tag, then the start code 9d 01 2a. H.264 (Annex B,
    as aiortc depayloads it): a sequence parameter set first, as browsers send before an IDR.
    """
    if len(data) >= 6 and data[0] & 0x01 == 0 and data[3:6] == b"\x9d\x01\x2a":
        return True
    if data.startswith(b"\x00\x00\x00\x01"):
        return len(data) > 4 and data[4] & 0x1F == 7
    return False


class _PassThroughJitterBuffer:
    """Every in-order packet is a complete frame; late and duplicate ones are dropped."""

    def __init__(self, on_level: Callable[[int], None] | None = None) -> None:
        self._last_seq: int | None = None
        self._on_level = on_level

    def add(self, packet: RtpPacket) -> tuple[bool, JitterFrame | None]:
        seq = packet.sequence_number
        if self._last_seq is not None and not uint16_gt(seq, self._last_seq):
            return False, None
        self._last_seq = seq
        level = packet.extensions.audio_level
        if self._on_level is not None and level is not None:
            try:
                self._on_level(level[1])
            except Exception:  # an error here would unwind into aiortc's datagram handler
                logger.exception("audio level callback failed")
        return False, JitterFrame(data=packet._data, timestamp=packet.timestamp)  # type: ignore[attr-defined]


class _DecoderQueueTap:
    """Stands in for the receiver's decoder queue.

    ``put`` runs on the event loop (from ``_handle_rtp_packet`` and the stop
    path). ``get`` runs in the decoder thread, if it started after the hook was
    installed, and blocks on the original queue, which only ever receives the
    stop sentinel.
    """

    def __init__(self, decoder_queue: queue.Queue[Any], on_packet: PacketCallback) -> None:
        self._decoder_queue = decoder_queue
        self._on_packet = on_packet
        self._time_bases: dict[int, fractions.Fraction] = {}
        self._last: int | None = None
        self.red_dropped = 0
        """RED packets whose headers or block lengths did not add up (dropped)."""
        self.recovered = 0
        """Frames lost on the publisher's leg and taken from a later RED packet."""

    def get(self) -> None:
        return self._decoder_queue.get()  # type: ignore[no-any-return]

    def put(self, item: tuple[Any, JitterFrame] | None) -> None:
        if item is None:
            self._decoder_queue.put(None)
            return
        codec, frame = item
        mime = codec.mimeType.lower()
        if mime == "audio/opus":
            self._deliver(frame.data, frame.timestamp, codec.clockRate)
        elif mime == "audio/red":
            self._unpack_red(frame.data, frame.timestamp, codec.clockRate)

    def _unpack_red(self, payload: bytes, timestamp: int, clock_rate: int) -> None:
        """The primary frame, after any redundant copy that fills a hole before it."""
        try:
            _, primary, blocks = red.split(payload)
        except red.RedError:
            self.red_dropped += 1
            if self.red_dropped == 1 or self.red_dropped % 1000 == 0:
                logger.warning("dropped %d RED packets with bad block lengths", self.red_dropped)
            return
        for block in blocks:
            earlier = (timestamp - block.offset) & 0xFFFFFFFF
            if block.data and self._last is not None and uint32_gt(earlier, self._last):
                self.recovered += 1
                self._deliver(block.data, earlier, clock_rate)
        self._deliver(primary, timestamp, clock_rate)

    def _deliver(self, data: bytes, timestamp: int, clock_rate: int) -> None:
        if self._last is not None and not uint32_gt(timestamp, self._last):
            return  # a copy of a frame already delivered
        self._last = timestamp
        time_base = self._time_bases.get(clock_rate)
        if time_base is None:
            time_base = self._time_bases[clock_rate] = fractions.Fraction(1, clock_rate)
        packet = av.Packet(data)
        packet.pts = timestamp
        packet.time_base = time_base
        try:
            self._on_packet(packet)
        except Exception:
            # An error here would unwind into aiortc's datagram handler.
            logger.exception("encoded packet callback failed")


class _Frames(JitterFrame):
    """Every frame one packet completed (a retransmission can complete several)."""

    def __init__(self, frames: list[JitterFrame]) -> None:
        super().__init__(data=b"", timestamp=frames[0].timestamp)
        self.frames = frames


class _FrameAssembler:
    """In-order video frames, each handed on as soon as its marker packet arrives."""

    def __init__(self, on_loss: Callable[[], None], clock: Callable[[], float]) -> None:
        self.ssrc: int | None = None
        self.frames_out = 0
        self.losses = 0
        self._on_loss = on_loss
        self._clock = clock
        self._next: int | None = None  # sequence number the next frame starts at
        self._packets: dict[int, RtpPacket] = {}
        self._stalled_since: float | None = None

    def add(self, packet: RtpPacket) -> tuple[bool, JitterFrame | None]:
        self.ssrc = packet.ssrc
        seq = packet.sequence_number
        if self._next is None:
            if starts_keyframe(packet._data):  # type: ignore[attr-defined]
                self._next = seq  # the stream's first keyframe: a still screen may send no other
            else:
                # Start after a frame's end: the next packet begins a frame.
                if packet.marker:
                    self._next = uint16_add(seq, 1)
                return False, None
        if seq != self._next and not uint16_gt(seq, self._next):
            return False, None  # late or duplicate
        if uint16_add(seq, -self._next) >= MAX_PENDING:
            self._lost()
            self._packets.clear()
            self._next = uint16_add(seq, 1) if packet.marker else None
            return False, None
        self._packets[seq] = packet
        frames = self._complete()
        if frames or not self._packets:
            self._stalled_since = None
        elif self._stalled_since is None:
            self._stalled_since = self._clock()
        elif self._clock() - self._stalled_since > PATIENCE_S:
            self._skip_hole()
            frames = self._complete()
        if not frames:
            return False, None
        self.frames_out += len(frames)
        return False, _Frames(frames)

    def _complete(self) -> list[JitterFrame]:
        frames: list[JitterFrame] = []
        while self._next is not None:
            parts: list[RtpPacket] = []
            seq = self._next
            while True:
                part = self._packets.get(seq)
                if part is None:
                    return frames
                parts.append(part)
                if part.marker:
                    break
                seq = uint16_add(seq, 1)
            for part in parts:
                del self._packets[part.sequence_number]
            data = b"".join(part._data for part in parts)  # type: ignore[attr-defined]
            frames.append(JitterFrame(data=data, timestamp=parts[0].timestamp))
            self._next = uint16_add(seq, 1)
        return frames

    def _skip_hole(self) -> None:
        """Give up on the missing packets: resume after the first frame end held."""
        self._lost()
        self._stalled_since = None
        assert self._next is not None
        start = self._next
        ends = [seq for seq, part in self._packets.items() if part.marker]
        if not ends:
            self._packets.clear()
            self._next = None
            return
        end = min(ends, key=lambda seq: uint16_add(seq, -start))
        self._packets = {
            seq: part
            for seq, part in self._packets.items()
            if uint16_add(seq, -start) > uint16_add(end, -start)
        }
        self._next = uint16_add(end, 1)

    def _lost(self) -> None:
        self.losses += 1
        try:
            self._on_loss()
        except Exception:
            logger.exception("video loss callback failed")


class _VideoTap:
    """Stands in for a video receiver's decoder queue: frames go to ``on_frame``, encoded."""

    def __init__(self, decoder_queue: queue.Queue[Any], on_frame: FrameCallback) -> None:
        self._decoder_queue = decoder_queue
        self._on_frame = on_frame
        self._origin: int | None = None
        self._last = 0
        self._unwrapped = 0

    def get(self) -> None:
        return self._decoder_queue.get()  # type: ignore[no-any-return]

    def put(self, item: tuple[Any, JitterFrame] | None) -> None:
        if item is None:
            self._decoder_queue.put(None)
            return
        codec, container = item
        mime = codec.mimeType.lower()
        if mime not in VIDEO_CODECS or not isinstance(container, _Frames):
            return
        for frame in container.frames:
            packet = av.Packet(frame.data)
            packet.pts = self._pts(frame.timestamp)
            packet.time_base = VIDEO_TIME_BASE
            packet.is_keyframe = is_keyframe(mime, frame.data)
            try:
                self._on_frame(mime, packet)
            except Exception:
                logger.exception("encoded frame callback failed")

    def _pts(self, timestamp: int) -> int:
        """RTP timestamps unwrapped past 2**32 and counted from the first frame."""
        if self._origin is None:
            self._origin = self._last = timestamp
            return 0
        delta = (timestamp - self._last) & 0xFFFFFFFF
        if delta >= 1 << 31:
            delta -= 1 << 32  # an older frame's timestamp
        self._last = timestamp
        self._unwrapped += delta
        return self._unwrapped


AudioTap = _DecoderQueueTap
"""What :func:`forward_encoded` installs: ``red_dropped`` and ``recovered`` count."""

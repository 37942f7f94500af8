"""Receive encoded audio from an aiortc receiver, without its jitter buffer or decoder.

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

The receiver's track then never yields media; it only ends when the receiver
stops. This module is pinned to aiortc 1.16.0: :func:`check_aiortc` fails
loudly when the version or the private attributes change.
"""

from __future__ import annotations

import fractions
import functools
import logging
import queue
from collections.abc import Callable
from importlib.metadata import version
from typing import Any

import av
from aiortc import RTCRtpReceiver
from aiortc.jitterbuffer import JitterBuffer, JitterFrame
from aiortc.rtp import RtpPacket
from aiortc.utils import uint16_gt

from rooms.media.errors import ReceiverHookError

__all__ = ["PINNED_AIORTC_VERSION", "ReceiverHookError", "check_aiortc", "forward_encoded"]

PINNED_AIORTC_VERSION = "1.16.0"

_JITTER_BUFFER = "_RTCRtpReceiver__jitter_buffer"
_DECODER_QUEUE = "_RTCRtpReceiver__decoder_queue"

logger = logging.getLogger(__name__)

PacketCallback = Callable[[av.Packet], None]


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
    if not isinstance(buffer, JitterBuffer | _PassThroughJitterBuffer):
        raise ReceiverHookError(
            f"RTCRtpReceiver.{_JITTER_BUFFER} is {type(buffer).__name__}, expected "
            "aiortc.jitterbuffer.JitterBuffer: aiortc's receiver internals changed."
        )
    if not isinstance(decoder_queue, queue.Queue | _DecoderQueueTap):
        raise ReceiverHookError(
            f"RTCRtpReceiver.{_DECODER_QUEUE} is {type(decoder_queue).__name__}, expected "
            "queue.Queue: aiortc's receiver internals changed."
        )


def forward_encoded(receiver: RTCRtpReceiver, on_packet: PacketCallback) -> None:
    """Deliver the receiver's Opus packets to ``on_packet`` instead of decoding them.

    Call it from the peer connection's ``track`` event, before any packet arrives.
    Packets carry ``pts`` in the clock rate's time base, starting at 0.
    """
    check_aiortc(receiver)
    decoder_queue = getattr(receiver, _DECODER_QUEUE)
    if isinstance(decoder_queue, _DecoderQueueTap):
        raise ReceiverHookError("forward_encoded() was already installed on this receiver")
    setattr(receiver, _JITTER_BUFFER, _PassThroughJitterBuffer())
    setattr(receiver, _DECODER_QUEUE, _DecoderQueueTap(decoder_queue, on_packet))


class _PassThroughJitterBuffer:
    """Every in-order packet is a complete frame; late and duplicate ones are dropped."""

    def __init__(self) -> None:
        self._last_seq: int | None = None

    def add(self, packet: RtpPacket) -> tuple[bool, JitterFrame | None]:
        seq = packet.sequence_number
        if self._last_seq is not None and not uint16_gt(seq, self._last_seq):
            return False, None
        self._last_seq = seq
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

    def get(self) -> None:
        return self._decoder_queue.get()  # type: ignore[no-any-return]

    def put(self, item: tuple[Any, JitterFrame] | None) -> None:
        if item is None:
            self._decoder_queue.put(None)
            return
        codec, frame = item
        if codec.mimeType.lower() != "audio/opus":
            return
        time_base = self._time_bases.get(codec.clockRate)
        if time_base is None:
            time_base = self._time_bases[codec.clockRate] = fractions.Fraction(1, codec.clockRate)
        packet = av.Packet(frame.data)
        packet.pts = frame.timestamp
        packet.time_base = time_base
        try:
            self._on_packet(packet)
        except Exception:
            # An error here would unwind into aiortc's datagram handler.
            logger.exception("encoded packet callback failed")

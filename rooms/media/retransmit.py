"""Answer a listener's NACKs for audio: resend lost packets from a short history, within a budget.

A listener that negotiated ``nack`` for its slot (rooms.media.audio_sdp) asks for
the sequence numbers it missed (RTCP generic NACK, RFC 4585). The server resends
the very packet (same sequence number and timestamp; no RTX for audio), if:

- it is still in the slot's history: the last :data:`HISTORY` packets, 1.28 s of
  20 ms frames, longer than any listener's jitter buffer waits. A sequence number
  the slot never sent, or sent too long ago, is ignored and counted (``unknown``);
- the slot's budget allows: at most :data:`RATE` resends a second, in bursts of at
  most :data:`BURST` (a token bucket). A listener that floods NACKs gets the rest
  ignored and counted (``limited``); the work per NACK packet is bounded by its
  length, and nothing it asks for touches any other listener.

Where the packets are kept: on aiortc's queued path, aiortc's own sender history
(``RTP_HISTORY_SIZE`` = 128 ``RtpPacket`` objects per sender), which
``RTCRtpSender._retransmit`` reads. On the fast path (rooms.media.fast_send),
:class:`History`: per slot, the sequence number, timestamp and a reference to the
payload; the payload bytes themselves are shared by all the listeners of one
source (one ``bytes`` per published packet), so the per-source cache is the
source's last 64 payloads, and each listener's slot adds about 1 KB of index.
"""

from __future__ import annotations

import time
from array import array
from collections.abc import Awaitable, Callable
from typing import Any

from aiortc import RTCRtpSender
from aiortc.rtp import RTCP_RTPFB_NACK, RTP_HISTORY_SIZE, AnyRtcpPacket, RtcpRtpfbPacket

from rooms.media.errors import ReceiverHookError
from rooms.media.sender_hook import check_sender_hooks

__all__ = ["BURST", "HISTORY", "RATE", "FastResend", "History", "NackBudget", "answer_nacks"]

HISTORY = 64
RATE = 50.0
"""Resends a second per slot at most: the slot's own packet rate."""
BURST = 25
_HISTORY = "_RTCRtpSender__rtp_history"


class History:
    """The last :data:`HISTORY` packets one fast sender sent: enough to send each again."""

    def __init__(self, size: int = HISTORY) -> None:
        self.size = size
        self._seq = array("l", [-1] * size)
        self._timestamp = array("L", [0] * size)
        self._payload: list[bytes] = [b""] * size

    def add(self, sequence_number: int, timestamp: int, payload: bytes) -> None:
        at = sequence_number % self.size
        self._seq[at] = sequence_number
        self._timestamp[at] = timestamp
        self._payload[at] = payload

    def get(self, sequence_number: int) -> tuple[int, bytes] | None:
        """The timestamp and payload sent with ``sequence_number``, if still held."""
        at = sequence_number % self.size
        if self._seq[at] != sequence_number:
            return None
        return self._timestamp[at], self._payload[at]


class NackBudget:
    """A token bucket of resends, and the counts a listener's NACKs leave behind."""

    def __init__(
        self, rate: float = RATE, burst: int = BURST, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.asked = 0
        self.resent = 0
        self.unknown = 0
        self.limited = 0
        self._clock = clock
        self._tokens = float(burst)
        self._at = clock()

    def take(self) -> bool:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens < 1:
            self.limited += 1
            return False
        self._tokens -= 1
        return True


class FastResend:
    """How the fast path answers: whether its History holds a packet, and sending it again."""

    def __init__(self, holds: Callable[[int], bool], resend: Callable[[int], None]) -> None:
        self.holds = holds
        self.resend = resend


def answer_nacks(sender: RTCRtpSender, budget: NackBudget, fast: FastResend | None = None) -> None:
    """Handle the NACKs ``sender`` receives: resend what the history holds, within ``budget``.

    ``fast`` (rooms.media.fast_send) resends from its own :class:`History`; without it,
    aiortc's sender history is used. Every other RTCP packet goes on to aiortc (or the
    hook installed before).
    """
    check_sender_hooks()
    held: Any = getattr(sender, _HISTORY, None)
    if not isinstance(held, dict):
        raise ReceiverHookError(f"RTCRtpSender lacks {_HISTORY}: aiortc's sender changed")
    original: Callable[[AnyRtcpPacket], Awaitable[None]] = sender._handle_rtcp_packet

    def aiortc_holds(seq: int) -> bool:
        kept = held.get(seq % RTP_HISTORY_SIZE)
        return kept is not None and kept.sequence_number == seq

    async def handle(packet: AnyRtcpPacket) -> None:
        if not (isinstance(packet, RtcpRtpfbPacket) and packet.fmt == RTCP_RTPFB_NACK):
            await original(packet)
            return
        holds = aiortc_holds if fast is None else fast.holds
        for seq in packet.lost:
            budget.asked += 1
            if not holds(seq):
                budget.unknown += 1
                continue
            if not budget.take():
                continue
            budget.resent += 1
            if fast is None:
                await sender._retransmit(seq)
            else:
                fast.resend(seq)

    sender._handle_rtcp_packet = handle  # type: ignore[method-assign]

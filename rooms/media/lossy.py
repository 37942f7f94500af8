"""Loss on one listener's leg, on purpose: for tests and the loss benchmark, never in service.

This machine's kernel has no netem, so the loss benchmark (benchmarks/loss.py) and the
browser test drop packets at the last step before the socket instead: a share of the
datagrams the server sends one listener (RTP, retransmissions and RTCP alike) is dropped
at random, after sequence numbers and encryption, as a lossy mobile link would.
:meth:`rooms.media.peer.ServerPeer.set_leg_loss` installs it on both send paths.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["LossyLeg", "drop_on_transport"]


class LossyLeg:
    """Says, datagram by datagram, whether to drop it: ``share`` of them at random."""

    def __init__(self, share: float, seed: int | None = None) -> None:
        if not 0.0 <= share < 1.0:
            raise ValueError("share must be at least 0 and below 1")
        self.share = share
        self.sent = 0
        self.dropped = 0
        self._random = random.Random(seed)

    def __call__(self) -> bool:
        if self.share and self._random.random() < self.share:
            self.dropped += 1
            return True
        self.sent += 1
        return False


def drop_on_transport(transport: Any, leg: LossyLeg) -> None:
    """Drop ``leg``'s share of what aiortc's queued path sends (``RTCDtlsTransport._send_rtp``)."""
    original: Callable[[bytes], Awaitable[None]] = getattr(transport, "_rooms_send_rtp", None) or (
        transport._send_rtp
    )
    transport._rooms_send_rtp = original

    async def send(data: bytes) -> None:
        if not leg():
            await original(data)

    transport._send_rtp = send

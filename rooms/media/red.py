"""RED (RFC 2198) for Opus: read a publisher's redundant packets, build them for listeners.

A RED payload is a list of blocks, oldest first, each a whole Opus frame: the
redundant ones (a copy of an earlier frame, ``offset`` samples before this
packet's timestamp) and, last, the primary (this packet's own frame)::

    redundant header: F=1 | block PT (7) | timestamp offset (14) | block length (10)
    primary header:   F=0 | block PT (7)
    then the blocks' data, in header order

A listener who loses a packet gets its frame back from the next one. Sans-I/O:
:func:`split` and :func:`join` work on bytes, :class:`RedView` on ``av.Packet``.

The server strips a publisher's RED at the receive hook (the primary goes to the
publisher's Fanout, and a redundant copy fills a hole left by loss on the
publisher's own leg), and builds RED again once per source for the listeners who
negotiated it (:class:`RedView`), so every such listener gets the same redundancy
whatever the publisher sent: aiortc clients and browsers without RED send plain Opus.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import av

from rooms.media.errors import MediaError
from rooms.media.forwarding import Fanout

__all__ = [
    "DISTANCE",
    "MAX_LENGTH",
    "MAX_OFFSET",
    "PROTECT_FROM",
    "PROTECT_UNTIL",
    "Block",
    "RedError",
    "RedView",
    "join",
    "split",
]

MAX_OFFSET = (1 << 14) - 1
MAX_LENGTH = (1 << 10) - 1
DISTANCE = 1
"""Earlier frames each RED packet carries again (libwebrtc's default: one)."""
PROTECT_FROM = 0.02
"""Adaptive views (low-data listeners) add redundancy from this share of loss..."""
PROTECT_UNTIL = 0.005
"""...and drop it again under this one."""
PROTECT_CHECK_S = 1.0
MAX_BLOCKS = 8
"""More blocks than this in one payload is not a publisher's RED: dropped."""


class RedError(MediaError):
    """A RED payload whose headers or block lengths do not add up."""


@dataclass(frozen=True)
class Block:
    """One redundant frame: ``offset`` samples before the packet's timestamp."""

    offset: int
    data: bytes
    payload_type: int = 0


def split(payload: bytes) -> tuple[int, bytes, list[Block]]:
    """The primary's payload type and frame, and the redundant blocks (oldest first)."""
    headers: list[tuple[int, int, int]] = []
    at = 0
    while True:
        if at >= len(payload):
            raise RedError("RED headers run past the end of the payload")
        first = payload[at]
        if not first & 0x80:
            primary_type = first & 0x7F
            at += 1
            break
        if at + 4 > len(payload):
            raise RedError("a RED block header is cut short")
        word = int.from_bytes(payload[at + 1 : at + 4], "big")
        headers.append((first & 0x7F, word >> 10, word & 0x3FF))
        at += 4
        if len(headers) > MAX_BLOCKS:
            raise RedError(f"more than {MAX_BLOCKS} RED blocks")
    blocks: list[Block] = []
    for block_type, offset, length in headers:
        if at + length > len(payload):
            raise RedError("a RED block is longer than the payload left")
        blocks.append(Block(offset, payload[at : at + length], block_type))
        at += length
    return primary_type, payload[at:], blocks


def join(payload_type: int, primary: bytes, blocks: list[Block]) -> bytes:
    """A RED payload: ``blocks`` (oldest first, all of ``payload_type``) then ``primary``."""
    head = bytearray()
    for block in blocks:
        if not 0 <= block.offset <= MAX_OFFSET or len(block.data) > MAX_LENGTH:
            raise RedError("a RED block's offset or length does not fit its header")
        word = (block.offset << 10) | len(block.data)
        head.append(0x80 | payload_type)
        head += word.to_bytes(3, "big")
    head.append(payload_type)
    return bytes(head) + b"".join(block.data for block in blocks) + primary


class RedView:
    """One source's packets as RED for one Opus payload type, built once for all its listeners.

    Each packet carries the previous ``distance`` frames again, when they are recent
    enough for the offset field and short enough for the length field. Listeners'
    slots subscribe to :attr:`fanout` as they would to the source's own.
    """

    def __init__(
        self,
        source: Fanout,
        payload_type: int,
        distance: int = DISTANCE,
        *,
        protect: Callable[[], float] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``protect``: the listeners' loss (share), read once a second; redundancy (one
        frame) only while it is at least :data:`PROTECT_FROM`, until under :data:`PROTECT_UNTIL`."""
        self.fanout = Fanout(source.source_id)
        self.fanout.red = True
        self.fanout.low_data = source.low_data
        self.source = source
        self.payload_type = payload_type
        self.distance = distance
        self._previous: deque[tuple[int, bytes]] = deque(maxlen=max(distance, 1))
        self._protect = protect
        self._clock = clock
        self._checked_at: float | None = None
        source.subscribe(self)

    def _adapt(self) -> None:
        now = self._clock()
        if self._protect is None or (
            self._checked_at is not None and now - self._checked_at < PROTECT_CHECK_S
        ):
            return
        self._checked_at = now
        loss = self._protect()
        if loss >= PROTECT_FROM:
            self.distance = 1
        elif loss < PROTECT_UNTIL:
            self.distance = 0

    def push(self, packet: av.Packet) -> None:
        self._adapt()
        primary = bytes(packet)
        pts = packet.pts or 0
        blocks = []
        if self.distance:
            for earlier_pts, data in self._previous:
                offset = pts - earlier_pts
                if 0 < offset <= MAX_OFFSET and len(data) <= MAX_LENGTH:
                    blocks.append(Block(offset, data))
            self._previous.append((pts, primary))
        out = av.Packet(join(self.payload_type, primary, blocks))
        out.pts = packet.pts
        if packet.time_base is not None:
            out.time_base = packet.time_base
        self.fanout.publish(out)

    def discontinuity(self) -> None:
        self._previous.clear()
        self.fanout.discontinuity()

    def close(self) -> None:
        self.source.unsubscribe(self)

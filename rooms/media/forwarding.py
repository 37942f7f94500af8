"""Fan encoded packets out to listener tracks, and switch a track's source without renegotiation.

A :class:`Fanout` holds one publisher's Opus packets (``av.Packet``, as the
receive hook delivers them) and pushes each one to every subscribed sink,
synchronously and without awaiting. A :class:`ForwardingTrack` is one
listener's outgoing track: aiortc's ``RTCRtpSender`` reads it and, because it
yields ``av.Packet`` rather than frames, only packetises (``encoder.pack``),
never encodes.

Slow listeners: each track keeps at most ``queue_packets`` packets and drops
the oldest when full, so a listener whose sender falls behind loses audio
instead of building delay, and never holds up the publisher or the others.

Bursts: when the server's event loop stalls (a full garbage collection, another thread
holding the interpreter lock, a starved CPU), the packets that waited in the socket are
pushed all at once, and the listener's sender would send them back to back. A browser's
jitter buffer reads such a burst as network jitter and raises its delay target, which then
takes seconds to come down: a 300 ms stall added about 55 ms for 6 s at every listener
(benchmarks/latency.py, with a stall injected). So a track sends only the packets of a
burst that are at most ``BURST_S`` older than the newest one; the browser conceals the gap
instead of delaying everything after it. On the fast send path there is no queue to look
into (each packet leaves as it comes), so each source's :class:`Punctuality` tells a burst
by its arrival instead: a packet that comes right behind the previous one (under
``BURST_GAP_S``) and more than ``BURST_S`` after its usual time (the earliest its source's
packets have arrived, against their media time, over the last ``USUAL_WINDOW_S``), in a
burst whose first packet was more than ``STALL_S`` late, is stale, as is that first packet;
fast-path tracks skip them. A source whose path gets slower for good loses at most two packets:
its packets arrive late but spaced as usual, and after three that lateness is the usual.

Switching starts with the new source's latest packet when it is fresh (under 30 ms old),
so the first packet of the new language leaves at once instead of up to a frame later.
``RTCRtpSender`` numbers packets itself (one sequence number per
packet it sends) and derives the RTP timestamp as a random origin plus the
packet's ``pts``. So sequence numbers stay continuous across a switch for
free, and the track only has to keep ``pts`` increasing: each run of packets
from one source (a segment) is shifted so it starts one frame, or the wall
time elapsed since the last packet if longer, after the previous packet.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

__all__ = ["Fanout", "ForwardingTrack", "PacketSink", "Punctuality", "SourceSwitch"]

QUEUE_PACKETS = 5
"""Packets a listener track holds at most (100 ms of 20 ms Opus frames)."""

CLOCK_RATE = 48_000
FRAME_SAMPLES = 960


class PacketSink(Protocol):
    def push(self, packet: av.Packet) -> None: ...

    def discontinuity(self) -> None: ...


BURST_S = 0.04
"""A queued packet more than this behind the newest queued one (in media time) is dropped."""

_PTS_WRAP = 1 << 32  # pts are RTP timestamps, which wrap

BURST_GAP_S = 0.005
"""A packet that arrives this soon after its source's previous one came in a burst."""
USUAL_WINDOW_S = 2.0
"""How far back a source's usual arrival time (its earliest, against media time) looks."""
STALL_S = 0.15
"""A packet this late after a gap comes out of a stall (network jitter is rarely so late)."""
SLOWER_AFTER = 3
"""Late packets, spaced as usual, in a row: the path got slower, not stalled."""

TEST_LOSS_RUN = 3
"""Packets ``ForwardingTrack.test_loss`` drops in a row."""

FRESH_S = 0.03
"""A switched track starts with the source's latest packet if it is younger than this."""


class Punctuality:
    """Whether a source's packet arrives stale: in a burst, and late against the usual.

    ``offset`` is a packet's arrival time minus its media time (its RTP timestamp, unwrapped,
    in seconds); the least offset over the last :data:`USUAL_WINDOW_S` is when the source's
    packets usually arrive, and ``late`` how far behind that a packet is. A stall of the
    server's loop holds packets in the socket and then hands them over back to back:

    - the first packet after the gap, when it is more than :data:`STALL_S` late (a stall,
      not ordinary network jitter), is stale: sent, it alone would make the listener's
      jitter buffer wait that long for everything after it;
    - so is each packet of the burst behind it (under :data:`BURST_GAP_S` after the previous
      one) that is still more than :data:`BURST_S` late. Smaller delays, and the bursts
      they cause, are the listener's jitter buffer's to absorb;
    - a path that got slower for good gives late packets spaced as usual: after
      :data:`SLOWER_AFTER` of them in a row, their lateness becomes the usual.
    """

    def __init__(self) -> None:
        self._usual: deque[tuple[float, float]] = deque()  # (arrival, offset), offsets rising
        self._last_pts: int | None = None
        self._last_arrival = 0.0
        self._media_s = 0.0
        self._late_in_a_row = 0
        self._after_stall = False  # the burst coming now follows a stall
        self.stale_count = 0

    def stale(self, pts: int | None, now: float) -> bool:
        """Take the packet's arrival at ``now``; True if it is a stale packet of a burst."""
        if pts is None:
            return False
        if self._last_pts is not None:
            step = (pts - self._last_pts) % _PTS_WRAP
            if step >= _PTS_WRAP // 2:  # older than the last one: reordered, never judged
                return False
            self._media_s += step / CLOCK_RATE
        gap = now - self._last_arrival
        self._last_pts, self._last_arrival = pts, now
        offset = now - self._media_s
        usual = self._usual
        while usual and usual[-1][1] >= offset:
            usual.pop()
        usual.append((now, offset))
        while usual[0][0] < now - USUAL_WINDOW_S:
            usual.popleft()
        late = offset - usual[0][1]
        if gap < BURST_GAP_S:  # right behind the previous one: a burst
            stale = self._after_stall and late > BURST_S
        elif late > BURST_S:
            self._late_in_a_row += 1
            if self._late_in_a_row >= SLOWER_AFTER:  # the path is slower now: that is usual
                usual.clear()
                usual.append((now, offset))
                self._late_in_a_row, self._after_stall = 0, False
                return False
            stale = self._after_stall = late > STALL_S
        else:
            self._late_in_a_row, self._after_stall = 0, False
            stale = False
        self.stale_count += stale
        return stale

    def restart(self) -> None:
        """The source's timestamps start again (a new connection): forget what was usual."""
        self._usual.clear()
        self._last_pts = None
        self._media_s = 0.0
        self._late_in_a_row = 0
        self._after_stall = False


class Fanout:
    """One publisher's encoded packets, pushed to every subscribed sink."""

    def __init__(self, source_id: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.source_id = source_id
        self.enabled = True
        self.red = False
        """Its packets are RED payloads (rooms.media.red.RedView), not plain Opus."""
        self.low_data = False
        """It is (a view of) a low-data rendition: its listeners' loss is filed apart."""
        self.packets_in = 0
        self.level: int | None = None
        """The audio level of the packet being published (0 loudest .. 127 silent), if known:
        the relay carries it to edges (rooms.media.relay_feed)."""
        self.punctuality = Punctuality()
        self.stale = False
        """The packet being published came late in a burst: fast-path tracks skip it."""
        self._clock = clock
        self._sinks: dict[PacketSink, None] = {}
        self._latest: av.Packet | None = None
        self._latest_at = 0.0

    def latest(self) -> av.Packet | None:
        """The last packet published, if it is fresh enough to send right away."""
        if not self.enabled or self._latest is None:
            return None
        if self._clock() - self._latest_at > FRESH_S:
            return None
        return self._latest

    def __repr__(self) -> str:
        return f"Fanout({self.source_id!r}, sinks={len(self._sinks)})"

    @property
    def sink_count(self) -> int:
        return len(self._sinks)

    def subscribe(self, sink: PacketSink) -> None:
        self._sinks[sink] = None

    def unsubscribe(self, sink: PacketSink) -> None:
        self._sinks.pop(sink, None)

    def publish(self, packet: av.Packet) -> None:
        """Hand ``packet`` to every sink; does nothing while disabled (muted)."""
        self.packets_in += 1
        if not self.enabled:
            return
        now = self._clock()
        self.stale = self.punctuality.stale(packet.pts, now)
        self._latest, self._latest_at = packet, now
        for sink in tuple(self._sinks):
            sink.push(packet)

    def discontinuity(self) -> None:
        """The publisher's timestamps restart (a new connection): sinks start a new segment."""
        self.punctuality.restart()
        for sink in tuple(self._sinks):
            sink.discontinuity()


@dataclass
class SourceSwitch:
    """A source change on a forwarding track, completed when the new source's first packet leaves.

    ``first_ordinal`` counts the packets this track yielded before that first
    packet. aiortc's sender gives each yielded packet the next sequence number,
    so the new source starts at ``(first sequence number of the stream +
    first_ordinal) % 65536``: aiortc keeps its random starting sequence number
    to itself, the listener sees it in the first packet.
    """

    source_id: str | None
    requested_at: float
    first_ordinal: int | None = None
    first_sent_at: float | None = None


def _behind(packet: av.Packet, newest: av.Packet) -> float:
    """Seconds of media time from ``packet`` to ``newest`` (0 if unknown or not behind)."""
    if packet.pts is None or newest.pts is None:
        return 0.0
    samples = (newest.pts - packet.pts) % _PTS_WRAP
    return samples / CLOCK_RATE if samples < _PTS_WRAP // 2 else 0.0


class ForwardingTrack(MediaStreamTrack):
    """One listener's outgoing audio track, fed by whichever Fanout it is switched to."""

    kind = "audio"

    def __init__(
        self,
        *,
        queue_packets: int = QUEUE_PACKETS,
        on_switch: Callable[[SourceSwitch], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.on_switch = on_switch
        self.last_switch: SourceSwitch | None = None
        self.packets_out = 0
        self.dropped = 0
        self.burst_dropped = 0
        self.test_loss = 0.0
        """Share of packets dropped on purpose: a hook for tests of feed health, never set in service.

        Dropped in runs of :data:`TEST_LOSS_RUN` before the sender numbers them, like loss
        before the server: redundancy (RED) brings back only the last of a run. On the
        queued path and on the fast path (``direct``) alike.
        """
        self._test_lost = 0.0
        self._test_dropping = 0
        self.red_payload_type: int | None = None
        """The slot negotiated RED: the Opus payload type its RED blocks name (rooms.media.red)."""
        self._clock = clock
        self._queue: deque[av.Packet] = deque(maxlen=queue_packets)
        self._wakeup = asyncio.Event()
        self._source: Fanout | None = None
        self._new_segment = True
        self._switch_pending = False
        self._offset = 0
        self._last_source_pts: int | None = None
        self._last_pts: int | None = None
        self._last_sent_at = 0.0
        self.direct: Callable[[av.Packet], None] | None = None
        """Set by :mod:`rooms.media.fast_send`: packets go there at once instead of the queue."""

    @property
    def source(self) -> Fanout | None:
        return self._source

    def switch(self, source: Fanout | None) -> None:
        """Carry ``source`` from now on (``None``: silence); no-op if it already does."""
        if source is self._source:
            return
        if self._source is not None:
            self._source.unsubscribe(self)
        self._source = source
        # Packets still queued belong to the old source: a listener who switched
        # language should not hear them.
        self._queue.clear()
        self._new_segment = True
        self._switch_pending = True
        self.last_switch = SourceSwitch(
            source_id=None if source is None else source.source_id,
            requested_at=self._clock(),
        )
        if source is not None and self.readyState == "live":
            source.subscribe(self)
            # Start with the packet the source sent a moment ago rather than waiting up to
            # a frame for its next one: the listener hears the new language sooner.
            latest = source.latest()
            if latest is not None:
                self.push(latest)

    def push(self, packet: av.Packet) -> None:
        if self.direct is not None:
            if self._source is not None and self._source.stale:
                self.burst_dropped += 1
                return
            if self.test_loss and self._test_drops():
                return
            self.direct(packet)
            return
        if len(self._queue) == self._queue.maxlen:
            self.dropped += 1
        self._queue.append(packet)
        self._wakeup.set()

    def discontinuity(self) -> None:
        self._new_segment = True

    async def recv(self) -> av.Packet:
        while not self._queue:
            if self.readyState != "live":
                raise MediaStreamError
            self._wakeup.clear()
            await self._wakeup.wait()
        if self.readyState != "live":
            raise MediaStreamError
        packet = self._queue.popleft()
        while self._queue and _behind(packet, self._queue[-1]) > BURST_S:
            self.burst_dropped += 1
            packet = self._queue.popleft()
        if self.test_loss and self._test_drops():
            return await self.recv()
        return self._rebase(packet)

    def _test_drops(self) -> bool:
        """Whether :attr:`test_loss` drops this packet (before it is numbered, on either path)."""
        self._test_lost += self.test_loss
        if self._test_lost >= TEST_LOSS_RUN:
            self._test_lost -= TEST_LOSS_RUN
            self._test_dropping = TEST_LOSS_RUN
        if self._test_dropping:
            self._test_dropping -= 1
            return True
        return False

    def stop(self) -> None:
        self.switch(None)
        super().stop()
        self._wakeup.set()

    def _rebase(self, packet: av.Packet) -> av.Packet:
        pts = self._rebase_pts(packet.pts or 0)
        out = av.Packet(bytes(packet))
        out.pts = pts
        out.time_base = packet.time_base
        return out

    def _rebase_pts(self, source_pts: int) -> int:
        """The outgoing pts of the next packet (one more packet out); fires ``on_switch``."""
        now = self._clock()
        if (
            self._new_segment
            or self._last_source_pts is None
            or source_pts <= self._last_source_pts
        ):
            self._offset = self._segment_start(now) - source_pts
            self._new_segment = False
            if self._switch_pending and self.last_switch is not None:
                self._switch_pending = False
                self.last_switch.first_ordinal = self.packets_out
                self.last_switch.first_sent_at = now
                if self.on_switch is not None:
                    self.on_switch(self.last_switch)
        self._last_source_pts = source_pts
        pts = source_pts + self._offset
        self._last_pts = pts
        self._last_sent_at = now
        self.packets_out += 1
        return pts

    def _segment_start(self, now: float) -> int:
        if self._last_pts is None:
            return 0
        frames = round((now - self._last_sent_at) * CLOCK_RATE / FRAME_SAMPLES)
        return self._last_pts + max(1, frames) * FRAME_SAMPLES

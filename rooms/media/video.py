"""Fan encoded video frames out to viewers' slots, and switch a slot's source on a keyframe.

A :class:`VideoFanout` is one publisher's camera or screen: the receive hook hands it
each encoded frame (``av.Packet`` with ``is_keyframe``) and it pushes the frame to every
subscribed :class:`VideoForwardingTrack`. A track is one viewer's video slot. By default
(:mod:`rooms.media.video_send`, set as ``direct``) the track hands each frame it lets
through to a sender that packetises it once for all viewers and sends the viewer's RTP
packets at once; otherwise aiortc's ``RTCRtpSender`` reads the track and, because it
yields ``av.Packet``, only packetises (``encoder.pack``). Either way nothing is decoded
or encoded per viewer. The sender numbers packets and VP8 pictures itself, so sequence
numbers and picture ids run on across a switch; the track keeps ``pts`` increasing (each
source's run is shifted to start after the previous frame, by the wall time elapsed).

Keyframes:

- switching a slot to a new source subscribes to it and asks it for a keyframe; the
  old source keeps the slot until that keyframe arrives, so the first new frame the
  viewer gets is decodable (a slot switched from nothing stays empty until then);
  before the viewer's sender starts reading (its connection is not up yet) nothing is
  queued, and the keyframe is asked for when it starts;
- if the source holds a recent keyframe (:class:`rooms.media.keyframe_cache.KeyframeCache`),
  the switch happens at once with a copy of it (a still screen share sends no new
  keyframe however often it is asked); if frames came after that keyframe, the slot
  then waits for the fresh keyframe, since they reference pictures the viewer lacks;
  a viewer's PLI is answered the same way while the cached keyframe is the latest frame,
  and a new viewer of a still source gets it once more after ``REPEAT_S``;
- a viewer's PLI/FIR (picture lost) asks the current source, limited per viewer;
- requests to one source are coalesced (:class:`rooms.media.keyframes.KeyframeRequests`);
- after frames were lost upstream, the fanout forwards nothing until the next
  keyframe; a viewer that falls behind (more than ``queue_frames`` queued, or, sent
  directly, its socket buffer full) is cut to the next keyframe too, and one is asked for.

Codecs: a slot forwards only frames of the codec it negotiated (VP8 for browsers that
offer it); a source of another codec leaves the slot empty.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from fractions import Fraction
from typing import Literal, Protocol

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from rooms.media.keyframe_cache import KeyframeCache
from rooms.media.keyframes import KeyframeRequests, RequestLimiter, Scheduler

__all__ = [
    "BEHIND",
    "FAILED",
    "SENT",
    "Delivery",
    "FrameSink",
    "VideoFanout",
    "VideoForwardingTrack",
]

CLOCK_RATE = 90_000
TIME_BASE = Fraction(1, CLOCK_RATE)
QUEUE_FRAMES = 8
REPEAT_S = 0.5
"""A still source's cached keyframe is sent to a new viewer again after this long."""

Delivery = Literal["sent", "behind", "failed"]
"""What a direct sender did with a frame: sent it, or not because the viewer is behind or it failed."""
SENT: Delivery = "sent"
BEHIND: Delivery = "behind"
FAILED: Delivery = "failed"


class FrameSink(Protocol):
    """What a VideoFanout pushes frames to: a viewer's slot, or the relay to edges."""

    def on_frame(self, source: VideoFanout, packet: av.Packet) -> None: ...

    def discontinuity(self) -> None: ...

    def waits_for(self, source: VideoFanout) -> bool: ...


class _LoopScheduler:
    def call_later(self, delay: float, callback: Callable[[], None]) -> asyncio.TimerHandle:
        return asyncio.get_running_loop().call_later(delay, callback)


class VideoFanout:
    """One publisher's camera or screen: encoded frames to every subscribed slot."""

    def __init__(
        self,
        source_id: str,
        kind: str = "camera",
        *,
        scheduler: Scheduler | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source_id = source_id
        self.kind = kind
        self.mime: str | None = None
        self.frames_in = 0
        self.keyframes_in = 0
        self.connected = False
        """A connection sends this source (the client offered it); set by the peer."""
        self._sinks: dict[FrameSink, None] = {}
        self._broken = False
        self._send_pli: Callable[[], None] | None = None
        self.scheduler: Scheduler = scheduler or _LoopScheduler()
        self.keyframes = KeyframeRequests(
            f"{kind} of peer {source_id}", self._pli, self.scheduler, clock=clock
        )
        self.keyframes.waiting_by(self._someone_waits)
        self.cache = KeyframeCache(clock=clock)
        """The last keyframe, replayed to a slot switched to this source."""

    def __repr__(self) -> str:
        return f"VideoFanout({self.source_id!r}, {self.kind}, sinks={len(self._sinks)})"

    @property
    def sink_count(self) -> int:
        return len(self._sinks)

    def attach(self, send_pli: Callable[[], None] | None) -> None:
        """The publisher's (new) receiver; its frame numbering starts afresh."""
        self._send_pli = send_pli
        self.connected = send_pli is not None
        self._broken = True  # nothing is forwarded before the new connection's keyframe
        self.cache.clear()  # its timestamps start afresh too
        for sink in tuple(self._sinks):
            sink.discontinuity()
        if self._sinks:
            self.request_keyframe()

    def subscribe(self, sink: FrameSink) -> None:
        self._sinks[sink] = None

    def unsubscribe(self, sink: FrameSink) -> None:
        self._sinks.pop(sink, None)

    def request_keyframe(self) -> None:
        self.keyframes.request()

    def lost(self) -> None:
        """Frames were lost upstream: forward nothing until the next keyframe."""
        self._broken = True
        self.cache.lost()
        self.request_keyframe()

    def ended(self) -> None:
        """The camera was turned off or the share stopped: its last picture is not shown again."""
        self.cache.clear()

    def publish(self, mime: str, packet: av.Packet) -> None:
        self.frames_in += 1
        self.mime = mime
        self.cache.add(mime, packet)
        if packet.is_keyframe:
            self.keyframes_in += 1
            self._broken = False
            self.keyframes.keyframe_arrived()
        elif self._broken:
            return
        for sink in tuple(self._sinks):
            sink.on_frame(self, packet)

    def close(self) -> None:
        self.keyframes.close()
        self.cache.clear()
        self._send_pli = None
        self.connected = False

    def _pli(self) -> None:
        if self._send_pli is not None:
            self._send_pli()

    def _someone_waits(self) -> bool:
        if not self._sinks:
            return False
        return self._broken or any(sink.waits_for(self) for sink in self._sinks)


class VideoForwardingTrack(MediaStreamTrack):
    """One viewer's video slot, fed by whichever VideoFanout it is switched to."""

    kind = "video"

    def __init__(
        self,
        label: str = "video slot",
        *,
        queue_frames: int = QUEUE_FRAMES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.label = label
        self.mime: str | None = None
        """The codec the slot negotiated (``video/vp8``...), set by the peer."""
        self.frames_out = 0
        self.dropped = 0
        self.switches = 0
        self.limiter = RequestLimiter(label, clock=clock)
        self._clock = clock
        self._queue: deque[av.Packet] = deque()
        self._queue_frames = queue_frames
        self._wakeup = asyncio.Event()
        self._source: VideoFanout | None = None
        self._pending: VideoFanout | None = None
        self._need_keyframe = False
        self._new_segment = True
        self._offset = 0
        self._last_source_pts: int | None = None
        self._last_pts: int | None = None
        self._last_sent_at = 0.0
        self._reading = False
        self.direct: Callable[[str, av.Packet], Delivery] | None = None
        """Set by :mod:`rooms.media.video_send`: frames are sent at once instead of queued."""

    @property
    def source(self) -> VideoFanout | None:
        """What the slot shows now (the old source until a new one's keyframe arrives)."""
        return self._source

    @property
    def wanted(self) -> VideoFanout | None:
        """What the slot was last switched to."""
        return self._pending if self._pending is not None else self._source

    def waits_for(self, source: VideoFanout) -> bool:
        return source is self._pending or (source is self._source and self._need_keyframe)

    def switch(self, source: VideoFanout | None) -> None:
        """Show ``source`` from its next keyframe on (``None``: nothing, at once)."""
        if source is self.wanted:
            return
        if self._pending is not None:
            self._pending.unsubscribe(self)
            self._pending = None
        if source is None or self.readyState != "live":
            self._drop_source()
            return
        if source is self._source:
            return  # back to the current source before the new one's keyframe came
        self._pending = source
        source.subscribe(self)
        if self._reading:
            source.request_keyframe()
            self._replay(source)
        # else: asked when the sender starts reading (the viewer's connection is up), so
        # the keyframe is not spent while nothing can be sent.

    def keyframe_requested(self) -> None:
        """The viewer lost a picture (PLI/FIR): ask the source, within the viewer's limit."""
        source = self.wanted
        if source is not None and self.limiter.allow():
            source.request_keyframe()
            if source is self._source and source.cache.current:
                self._replay(source)

    def discontinuity(self) -> None:
        self._new_segment = True

    def on_frame(self, source: VideoFanout, packet: av.Packet) -> None:
        if not self._reading or (self.mime is not None and source.mime != self.mime):
            return
        if source is self._pending:
            if not packet.is_keyframe:
                return
            if self._source is not None:
                self._source.unsubscribe(self)
            self._source, self._pending = source, None
            self._queue.clear()
            self._need_keyframe = False
            self._new_segment = True
            self.switches += 1
        elif source is not self._source:
            return
        elif self._need_keyframe:
            if not packet.is_keyframe:
                return
            self._need_keyframe = False
        if self.direct is not None:
            delivery = self.direct(source.mime or "", packet)
            if delivery != SENT:
                # A frame the viewer misses breaks the ones after it: wait for a keyframe.
                self.dropped += 1
                self._need_keyframe = True
                if delivery == BEHIND:
                    source.request_keyframe()
            return
        if len(self._queue) >= self._queue_frames:
            # The viewer's sender fell behind: a frame it skips breaks the ones after it.
            self.dropped += len(self._queue)
            self._queue.clear()
            if not packet.is_keyframe:
                self._need_keyframe = True
                source.request_keyframe()
                return
        self._queue.append(packet)
        self._wakeup.set()

    async def recv(self) -> av.Packet:
        if not self._reading:
            self._reading = True
            if self._pending is not None:
                self._pending.request_keyframe()
                self._replay(self._pending)
        while not self._queue:
            if self.readyState != "live":
                raise MediaStreamError
            self._wakeup.clear()
            await self._wakeup.wait()
        if self.readyState != "live":
            raise MediaStreamError
        packet = self._queue.popleft()
        out = av.Packet(bytes(packet))
        out.pts = self._rebase_pts(packet.pts or 0)
        out.time_base = TIME_BASE
        out.is_keyframe = packet.is_keyframe
        return out

    def stop(self) -> None:
        self.switch(None)
        super().stop()
        self._wakeup.set()

    def _replay(self, source: VideoFanout, *, repeat: bool = True) -> None:
        """Show the source's cached keyframe now, if it has one of the slot's codec."""
        packet = source.cache.replay(self.mime or source.mime or "")
        if packet is None:
            return
        current = source.cache.current
        self.on_frame(source, packet)
        if source is not self._source:
            return
        if not current:
            self._need_keyframe = True  # later frames reference pictures this viewer lacks
        elif repeat:
            # Once more a little later, while the source stays still: a browser may decode
            # a slot's first frame before its page shows the slot, and then show nothing
            # until the next frame (measured: 1 run in 3 waited 3 s for Chromium's own PLI).
            source.scheduler.call_later(REPEAT_S, lambda: self._repeat(source))

    def _repeat(self, source: VideoFanout) -> None:
        if source is self._source and source.cache.current and self.readyState == "live":
            self._replay(source, repeat=False)

    def _drop_source(self) -> None:
        if self._source is not None:
            self._source.unsubscribe(self)
        self._source = None
        self._queue.clear()
        self._new_segment = True

    def _rebase_pts(self, source_pts: int) -> int:
        now = self._clock()
        if (
            self._new_segment
            or self._last_source_pts is None
            or source_pts <= self._last_source_pts
        ):
            if self._last_pts is None:
                start = 0
            else:
                elapsed = round((now - self._last_sent_at) * CLOCK_RATE)
                start = self._last_pts + max(1, elapsed)
            self._offset = start - source_pts
            self._new_segment = False
        self._last_source_pts = source_pts
        pts = source_pts + self._offset
        self._last_pts = pts
        self._last_sent_at = now
        self.frames_out += 1
        return pts

"""A room's floor, tapped for its captions worker: each speaker's packets once, with backpressure.

The media router calls :meth:`FloorTap.follow` with the fanouts of the room's speakers
whenever they change (``MediaRouter.set_floor_tap``). The tap subscribes to each like a
listener would, but nothing is decoded here: the encoded packets go to the worker process as
they are. A :class:`~rooms.autocaptions.backlog.Backlog` decides whether each packet goes or
is dropped; the tap reports the flow and each recognised line, with its delay from the end of
the phrase's audio here to the line's arrival back here.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import av

from rooms.autocaptions.backlog import Backlog, Flow
from rooms.autocaptions.worker import PACKET_S
from rooms.media.forwarding import Fanout

__all__ = ["FloorTap", "Recognised", "WorkerPort"]


class WorkerPort(Protocol):
    def send(self, item: tuple[Any, ...]) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Recognised:
    source: str
    text: str
    delay_s: float  # end of the phrase's audio at the server to its words back at the server
    phrase_s: float
    compute_s: float


class _SourceSink:
    """Subscribed to one speaker's fanout; hands packets to the tap."""

    def __init__(self, tap: FloorTap, source: Fanout) -> None:
        self.tap = tap
        self.source = source

    def push(self, packet: av.Packet) -> None:
        self.tap._packet(self.source.source_id, packet)

    def discontinuity(self) -> None:
        pass  # a reconnect: Opus decodes on; the chunker sees a short silence


class FloorTap:
    """Feeds a worker from the floor; ``on_line`` and ``on_flow`` report back."""

    def __init__(
        self,
        worker: WorkerPort,
        on_line: Callable[[Recognised], None],
        on_flow: Callable[[Flow], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.worker = worker
        self.on_line = on_line
        self.on_flow = on_flow
        self.clock = clock
        self.backlog = Backlog(clock)
        self.ready = False
        self._sinks: dict[str, _SourceSink] = {}
        self._seq = 0
        self._arrivals: deque[tuple[int, float]] = deque(maxlen=3000)  # 60 s of packets
        self._timer: asyncio.TimerHandle | None = None
        self._closed = False

    @property
    def sources(self) -> list[str]:
        return list(self._sinks)

    def follow(self, sources: list[Fanout]) -> None:
        """Tap exactly these speakers from now on."""
        wanted = {source.source_id: source for source in sources}
        for source_id in list(self._sinks):
            if source_id not in wanted:
                sink = self._sinks.pop(source_id)
                sink.source.unsubscribe(sink)
                self.worker.send(("end", source_id))
        for source_id, source in wanted.items():
            if source_id not in self._sinks:
                sink = self._sinks[source_id] = _SourceSink(self, source)
                source.subscribe(sink)
        self.backlog.sources = max(1, len(self._sinks))

    def close(self) -> None:
        self._closed = True
        self.follow([])
        if self._timer is not None:
            self._timer.cancel()
        self.worker.close()

    def _packet(self, source_id: str, packet: av.Packet) -> None:
        if self._closed or not self.ready:
            return
        was = self.backlog.flow
        if self.backlog.offer(PACKET_S):
            self._seq += 1
            self._arrivals.append((self._seq, self.clock()))
            self.worker.send(("audio", source_id, self._seq, bytes(packet)))
        self._flow_changed(was)

    def message(self, message: tuple[Any, ...]) -> None:
        """A message from the worker (on the event loop)."""
        if self._closed:
            return
        kind = message[0]
        if kind == "ready":
            self.ready = True
        elif kind == "done":
            was = self.backlog.flow
            self.backlog.done(float(message[1]))
            self._flow_changed(was)
        elif kind == "line":
            _, source, text, end_seq, phrase_s, compute_s = message
            self.on_line(Recognised(source, text, self._delay(end_seq), phrase_s, compute_s))

    def _delay(self, seq: int) -> float:
        for known, at in self._arrivals:
            if known == seq:
                return self.clock() - at
        return float("nan")

    def _flow_changed(self, was: Flow) -> None:
        now = self.backlog.flow
        if now is Flow.PAUSED and self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(1.0, self._tick)
        if now is not was:
            if now is Flow.PAUSED:
                self.worker.send(("gap",))
            self.on_flow(now)

    def _tick(self) -> None:
        """While paused, look again every second: the floor may be silent, so no packet asks."""
        self._timer = None
        if self._closed:
            return
        self._flow_changed_after_check()

    def _flow_changed_after_check(self) -> None:
        was = self.backlog.flow
        self.backlog.check()
        self._flow_changed(was)

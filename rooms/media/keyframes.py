"""Keyframes: spotting them in encoded frames, and asking a publisher for one, coalesced.

A viewer who starts watching a source needs a keyframe before it can show anything. The
server asks the publisher's browser for one with an RTCP PLI. A hundred viewers joining at
once must cause a handful of requests, not a hundred, so :class:`KeyframeRequests` sends
at most one request per ``interval`` (300 ms): requests made while one is recent are merged
into a single request when the interval ends, and dropped altogether if a keyframe arrives
first (it satisfies everyone who asked before it).

A publisher that never answers is asked again every ``retry`` seconds while someone still
waits, and logged once per episode (by peer id, never by name). A viewer that floods
keyframe requests is limited by :class:`RequestLimiter` and logged at most once a minute.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Protocol

__all__ = ["KeyframeRequests", "RequestLimiter", "Scheduler", "is_keyframe"]

logger = logging.getLogger(__name__)

INTERVAL_S = 0.3
"""At most one keyframe request to a publisher per this many seconds."""
RETRY_S = 1.0
"""Ask again after this long without a keyframe, while someone waits."""
UNANSWERED_WARNING = 3
"""Log a publisher that left this many requests in a row unanswered."""


def is_keyframe(mime_type: str, frame: bytes) -> bool:
    """Whether an encoded frame (as aiortc depayloads it) can be decoded on its own."""
    if not frame:
        return False
    mime = mime_type.lower()
    if mime == "video/vp8":
        # RFC 6386 9.1: the frame tag's lowest bit is 0 for a key frame.
        return frame[0] & 0x01 == 0
    if mime == "video/h264":
        return _h264_has_idr(frame)
    return False


def _h264_has_idr(frame: bytes) -> bool:
    """An Annex B access unit with an IDR slice (NAL type 5) or a sequence parameter set (7)."""
    start = 0
    while True:
        index = frame.find(b"\x00\x00\x01", start)
        if index < 0 or index + 3 >= len(frame):
            return False
        if frame[index + 3] & 0x1F in (5, 7):
            return True
        start = index + 3


class Scheduler(Protocol):
    """``loop.call_later`` (a fake clock in tests)."""

    def call_later(self, delay: float, callback: Callable[[], None]) -> Cancellable: ...


class Cancellable(Protocol):
    def cancel(self) -> None: ...


class KeyframeRequests:
    """Coalesces keyframe requests to one publisher's source; ``send`` emits the actual PLI."""

    def __init__(
        self,
        label: str,
        send: Callable[[], None],
        scheduler: Scheduler,
        *,
        clock: Callable[[], float] = time.monotonic,
        interval: float = INTERVAL_S,
        retry: float = RETRY_S,
    ) -> None:
        self.label = label
        self.asked = 0
        """Requests received (viewers joining, switching, losing pictures)."""
        self.sent = 0
        """Requests sent to the publisher."""
        self.unanswered = 0
        self._send = send
        self._scheduler = scheduler
        self._clock = clock
        self._interval = interval
        self._retry = retry
        self._last_sent: float | None = None
        self._timer: Cancellable | None = None
        self._retry_timer: Cancellable | None = None
        self._waiting: Callable[[], bool] = lambda: False
        self._warned = False

    def waiting_by(self, waiting: Callable[[], bool]) -> None:
        """Tell the requester how to know whether anyone still waits (for retries)."""
        self._waiting = waiting

    def request(self) -> None:
        self.asked += 1
        if self._timer is not None:
            return  # merged into the request already scheduled
        now = self._clock()
        if self._last_sent is None or now - self._last_sent >= self._interval:
            self._emit()
        else:
            self._timer = self._scheduler.call_later(
                self._last_sent + self._interval - now, self._scheduled
            )

    def keyframe_arrived(self) -> None:
        """A keyframe satisfies every request made before it."""
        self.unanswered = 0
        self._warned = False
        for timer in (self._timer, self._retry_timer):
            if timer is not None:
                timer.cancel()
        self._timer = self._retry_timer = None

    def close(self) -> None:
        self.keyframe_arrived()
        self._waiting = lambda: False

    def _scheduled(self) -> None:
        self._timer = None
        self._emit()

    def _emit(self) -> None:
        self._last_sent = self._clock()
        self.sent += 1
        self.unanswered += 1
        if self.unanswered >= UNANSWERED_WARNING and not self._warned:
            self._warned = True
            logger.warning(
                "%s has not answered %d keyframe requests; asking again every %.1f s",
                self.label,
                self.unanswered,
                self._retry,
            )
        try:
            self._send()
        except Exception:
            logger.exception("sending a keyframe request to %s failed", self.label)
        if self._retry_timer is not None:
            self._retry_timer.cancel()
        self._retry_timer = self._scheduler.call_later(self._retry, self._retry_if_waiting)

    def _retry_if_waiting(self) -> None:
        self._retry_timer = None
        if self._waiting() and self._timer is None:
            self._emit()


class RequestLimiter:
    """One viewer's keyframe requests: at most one per ``interval``; a flood is logged."""

    def __init__(
        self,
        label: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        interval: float = INTERVAL_S,
        log_every: float = 60.0,
    ) -> None:
        self.label = label
        self.accepted = 0
        self.ignored = 0
        self._clock = clock
        self._interval = interval
        self._log_every = log_every
        self._last: float | None = None
        self._logged_at: float | None = None
        self._ignored_since_log = 0

    def allow(self) -> bool:
        now = self._clock()
        if self._last is None or now - self._last >= self._interval:
            self._last = now
            self.accepted += 1
            return True
        self.ignored += 1
        self._ignored_since_log += 1
        if self._logged_at is None or now - self._logged_at >= self._log_every:
            logger.warning(
                "%s sends keyframe requests faster than one per %.1f s; "
                "%d ignored since the last report",
                self.label,
                self._interval,
                self._ignored_since_log,
            )
            self._logged_at = now
            self._ignored_since_log = 0
        return False

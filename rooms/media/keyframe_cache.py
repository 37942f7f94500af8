"""The last keyframe of a video source, shown at once to a viewer who starts watching it.

A publisher's browser encodes a frame only when its picture changes: a screen share of a
still slide sends a keyframe and a few frames after it, then nothing, and a keyframe
request (PLI) then produces no keyframe (Chromium 156, measured: docs/performance.md,
"Video"). A viewer who comes later would wait for a picture until the slide changes. So
each source keeps its most recent complete keyframe (the encoded frame the receive hook
assembled, which the viewer's sender packetises like any other), and a slot switched to
the source replays it at once, while the source is still asked for a fresh keyframe.

- One keyframe per source, at most ``limit`` bytes (a larger one is not kept); a newer
  keyframe replaces it, and it is dropped when the source ends or reconnects.
- :meth:`KeyframeCache.replay` stamps the copy with the source's clock as of now (the
  keyframe's ``pts`` plus the time since it arrived), so the live frames that follow
  carry later timestamps, as if the picture had just been filmed.
- :attr:`KeyframeCache.current` says whether the keyframe is still the source's latest
  frame. If later frames came, they reference pictures a new viewer never got: after the
  replay, the slot waits for the source's next keyframe.

Pure: no I/O, a clock passed in.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from fractions import Fraction

import av

__all__ = ["CLOCK_RATE", "LIMIT_BYTES", "KeyframeCache"]

CLOCK_RATE = 90_000
LIMIT_BYTES = 1_000_000
"""A keyframe larger than this is not kept (Chromium's fake 1280x720 screen: 3.5-4.4 kB)."""


class KeyframeCache:
    """One video source's most recent keyframe, to replay to a viewer who starts watching."""

    def __init__(
        self, *, limit: int = LIMIT_BYTES, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.kept = 0
        """Keyframes kept (each replaces the one before)."""
        self.too_large = 0
        """Keyframes over ``limit``, not kept."""
        self.replayed = 0
        self._clock = clock
        self._data: bytes | None = None
        self._mime = ""
        self._pts = 0
        self._arrived_at = 0.0
        self._frames_after = 0

    @property
    def held_bytes(self) -> int:
        return 0 if self._data is None else len(self._data)

    @property
    def current(self) -> bool:
        """A keyframe is held and no frame of the source came after it."""
        return self._data is not None and self._frames_after == 0

    def add(self, mime: str, packet: av.Packet) -> None:
        """Every frame the source publishes, in order (``is_keyframe`` and ``pts`` set)."""
        if not packet.is_keyframe:
            self._frames_after += 1
            return
        if packet.size > self.limit:
            self.too_large += 1
            self.clear()
            return
        self._data = bytes(packet)
        self._mime = mime
        self._pts = packet.pts or 0
        self._arrived_at = self._clock()
        self._frames_after = 0
        self.kept += 1

    def lost(self) -> None:
        """Frames of the source were lost: the keyframe still shows, but is no longer its latest."""
        if self._data is not None:
            self._frames_after += 1

    def replay(self, mime: str) -> av.Packet | None:
        """A copy of the keyframe stamped as of now, if one of codec ``mime`` is held."""
        if self._data is None or mime != self._mime:
            return None
        packet = av.Packet(self._data)
        elapsed = max(0, round((self._clock() - self._arrived_at) * CLOCK_RATE))
        packet.pts = self._pts + elapsed
        packet.time_base = Fraction(1, CLOCK_RATE)
        packet.is_keyframe = True
        self.replayed += 1
        return packet

    def clear(self) -> None:
        """The source ended or starts afresh: its picture is gone."""
        self._data = None
        self._mime = ""
        self._frames_after = 0

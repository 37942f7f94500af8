"""Solid-colour cameras and colour readings: whose picture a viewer sees, for tests and benchmarks."""

from __future__ import annotations

import asyncio
import fractions
import time

import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import VideoFrame

__all__ = ["ColourTrack", "average_colour", "nearest_colour"]

VIDEO_CLOCK = 90_000


class ColourTrack(MediaStreamTrack):
    """A camera that films one solid RGB colour, at ``fps`` frames a second.

    ``limit``: film that many frames, then none (a browser sharing a still screen).
    """

    kind = "video"

    def __init__(
        self,
        rgb: tuple[int, int, int],
        *,
        width: int = 320,
        height: int = 240,
        fps: int = 15,
        limit: int | None = None,
    ) -> None:
        super().__init__()
        self.rgb = rgb
        self.fps = fps
        self.limit = limit
        self.frames = 0
        picture = np.zeros((height, width, 3), dtype=np.uint8)
        picture[:, :] = rgb
        self._image = picture
        self._start: float | None = None
        self._stopped = asyncio.Event()

    def stop(self) -> None:
        super().stop()
        self._stopped.set()

    async def recv(self) -> VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        if self.limit is not None and self.frames >= self.limit:
            await self._stopped.wait()
            raise MediaStreamError
        due = self._start + self.frames / self.fps
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        frame = VideoFrame.from_ndarray(self._image, format="rgb24")
        frame.pts = round(self.frames * VIDEO_CLOCK / self.fps)
        frame.time_base = fractions.Fraction(1, VIDEO_CLOCK)
        self.frames += 1
        return frame


def average_colour(frame: VideoFrame) -> tuple[int, int, int]:
    """The frame's mean RGB colour."""
    pixels = frame.to_ndarray(format="rgb24")
    mean = pixels.reshape(-1, 3).mean(axis=0)
    return (round(mean[0]), round(mean[1]), round(mean[2]))


def nearest_colour(
    rgb: tuple[int, int, int], palette: dict[str, tuple[int, int, int]], tolerance: int = 60
) -> str | None:
    """The palette name within ``tolerance`` (per channel) of ``rgb``, if any."""
    for name, colour in palette.items():
        if all(abs(a - b) <= tolerance for a, b in zip(rgb, colour, strict=True)):
            return name
    return None

"""A publisher's low-bitrate rendition: decoded once, encoded once, shared by every low-data listener.

Forwarded packets keep the publisher's bitrate (a browser sends Opus at about
32 kbit/s or more). A rendition subscribes to the publisher's Fanout, decodes
and re-encodes in its own thread (never on the event loop), and publishes the
smaller packets on its own Fanout, which low-data listeners' tracks switch to.
Its cost is paid once per publisher, whatever the number of listeners.

At a low bitrate most of a voice's bytes are packet headers (about 58 bytes a
packet, docs/performance.md), so the rendition sends 60 ms Opus frames: 16.7
packets a second instead of 50. aiortc's own ``OpusEncoder`` always cuts 20 ms
frames, so the rendition drives FFmpeg's libopus wrapper itself
(``frame_duration``). At 9 kbit/s libopus still codes speech as SILK wideband
(8 kHz of audio, beyond a telephone's 3.4 kHz); below about 8.3 kbit/s it
drops to narrowband. The browser decodes 60 ms frames as it does 20 ms ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading

import av

from rooms.media.forwarding import Fanout

__all__ = ["FRAME_MS", "LOW_BITRATE", "LowBitrateRendition"]

LOW_BITRATE = 9_000
FRAME_MS = 60
_BACKLOG = 10  # packets waiting for the thread; more means it fell behind, so drop

logger = logging.getLogger(__name__)


class LowBitrateRendition:
    """Re-encodes ``source`` at ``bitrate``; listeners subscribe to :attr:`fanout`."""

    def __init__(
        self, source: Fanout, bitrate: int = LOW_BITRATE, frame_ms: int = FRAME_MS
    ) -> None:
        self.fanout = Fanout(source.source_id)
        self.fanout.low_data = True
        self.bitrate = bitrate
        self.frame_ms = frame_ms
        self._source = source
        self._loop = asyncio.get_running_loop()
        self._queue: queue.Queue[av.Packet | None] = queue.Queue(maxsize=_BACKLOG)
        self._thread = threading.Thread(
            target=self._run, name=f"rendition-{source.source_id}", daemon=True
        )
        self._thread.start()
        source.subscribe(self)

    def push(self, packet: av.Packet) -> None:
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(packet)

    def discontinuity(self) -> None:
        self._loop.call_soon(self.fanout.discontinuity)

    def close(self) -> None:
        """Stop; the thread ends on its own, the event loop never waits for it."""
        self._source.unsubscribe(self)
        while True:
            try:
                self._queue.put_nowait(None)
                return
            except queue.Full:
                with contextlib.suppress(queue.Empty):
                    self._queue.get_nowait()

    def _run(self) -> None:
        decoder = av.CodecContext.create("libopus", "r")
        encoder = av.CodecContext.create("libopus", "w")
        encoder.bit_rate = self.bitrate  # type: ignore[attr-defined]
        encoder.sample_rate = 48_000  # type: ignore[attr-defined]
        encoder.layout = "mono"  # type: ignore[attr-defined]
        encoder.format = "s16"  # type: ignore[attr-defined]
        encoder.options = {"application": "voip", "frame_duration": str(self.frame_ms)}
        resampler = av.AudioResampler(
            format="s16", layout="mono", rate=48_000, frame_size=48 * self.frame_ms
        )
        while (packet := self._queue.get()) is not None:
            try:
                for frame in decoder.decode(packet):
                    for mono in resampler.resample(frame):  # type: ignore[arg-type]
                        for out in encoder.encode(mono):  # type: ignore[attr-defined]
                            self._loop.call_soon_threadsafe(self.fanout.publish, out)
            except av.FFmpegError:
                logger.warning("rendition of %s: skipped a packet", self._source.source_id)
            except RuntimeError:
                return  # the event loop closed under us

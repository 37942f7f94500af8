"""The captions worker: a process that decodes a floor's Opus, cuts phrases and recognises them.

Recognition is CPU-bound, so it runs in a process of its own (started with ``spawn``: the
server has threads), never on the event loop or in one of its threads. One worker serves one
captioned room; every speaker on that floor is decoded once, there, whatever the number of
listeners. Messages, as tuples over two ``multiprocessing`` queues:

server → worker
    ``("audio", source, seq, opus_bytes)``: one 20 ms packet of a speaker;
    ``("end", source)``: the speaker left the floor, finish their phrase;
    ``("gap",)``: audio was dropped (captions paused), forget phrases in progress;
    ``None``: stop.

worker → server
    ``("ready",)`` once the model is loaded, or ``("error", sentence)`` and the worker ends;
    ``("line", source, text, end_seq, phrase_s, compute_s)``: a phrase's words, the packet
    its audio ended in, its length and how long recognising it took;
    ``("done", seconds)``: seconds of audio the worker has finished with, in all.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np

from rooms.autocaptions import dump as phrase_dump
from rooms.autocaptions.chunker import RATE, PhraseChunker
from rooms.autocaptions.model import CaptionModelError, ModelSpec, check

__all__ = ["PACKET_S", "CaptionWorker", "StreamDecoder", "run_worker"]

PACKET_S = 0.02  # browsers and aiortc send 20 ms Opus frames
_DONE_EVERY_S = 0.2
QUIET_S = 0.8  # a speaker who sent nothing for this long (DTX, a stopped microphone) ended a phrase

log = logging.getLogger(__name__)


class StreamDecoder:
    """One speaker's Opus packets to 16 kHz mono float32 samples."""

    def __init__(self) -> None:
        import av

        self._av = av
        self._decoder = av.CodecContext.create("libopus", "r")
        self._resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        self._ends: deque[tuple[int, int]] = deque(maxlen=1500)  # (seq, samples after it)
        self.samples = 0

    def decode(self, seq: int, data: bytes) -> np.ndarray:
        out: list[np.ndarray] = []
        try:
            for frame in self._decoder.decode(self._av.Packet(data)):
                for mono in self._resampler.resample(frame):  # type: ignore[arg-type]
                    out.append(mono.to_ndarray().reshape(-1))
        except self._av.FFmpegError:
            return np.zeros(0, dtype=np.float32)  # a damaged packet: the phrase goes on
        samples = np.concatenate(out) if out else np.zeros(0, dtype=np.float32)
        self.samples += len(samples)
        self._ends.append((seq, self.samples))
        return samples

    def seq_at(self, sample: int) -> int:
        """The packet that carried ``sample`` (the latest one kept, if it is older than all)."""
        for seq, end in self._ends:
            if end >= sample:
                return seq
        return self._ends[-1][0] if self._ends else 0


def run_worker(
    model: str,
    sha256: str,
    language: str,
    inbox: Any,
    outbox: Any,
    provider_factory: Callable[[str], Any] | None = None,
    detector_factory: Callable[[], Callable[[np.ndarray], np.ndarray]] | None = None,
) -> None:
    """The worker process's main function (also callable in-process with fakes, for tests)."""
    from rooms.autocaptions.recogniser import load_provider, silero_detector

    try:
        if provider_factory is None:
            provider = load_provider(check(ModelSpec(model, sha256)))
        else:
            provider = provider_factory(model)
        make_detector = detector_factory or silero_detector
    except CaptionModelError as exc:
        outbox.put(("error", str(exc)))
        return
    except Exception as exc:  # a broken install, an unreadable model
        outbox.put(("error", f"The caption model could not be loaded: {exc}"))
        return
    outbox.put(("ready",))
    dump = phrase_dump.from_env()
    streams: dict[str, tuple[StreamDecoder, PhraseChunker]] = {}
    heard: dict[str, float] = {}  # source -> when its last packet came
    done_s = 0.0
    reported = 0.0
    while True:
        try:
            item = inbox.get(timeout=_DONE_EVERY_S)
        except queue.Empty:
            if done_s != reported:
                outbox.put(("done", done_s))
                reported = done_s
            # Nothing waits, so a speaker silent this long really stopped sending.
            now = time.monotonic()
            for source, at in list(heard.items()):
                if now - at > QUIET_S and source in streams:
                    for phrase in streams[source][1].flush():
                        decoder = streams[source][0]
                        _recognise(provider, language, source, phrase, decoder, outbox, dump)
                    del heard[source]
            continue
        now = time.monotonic()
        if item is None:
            return
        kind = item[0]
        if kind == "audio":
            _, source, seq, data = item
            heard[source] = now
            stream = streams.get(source)
            if stream is None:
                stream = streams[source] = (StreamDecoder(), PhraseChunker(make_detector()))
            decoder, chunker = stream
            samples = decoder.decode(seq, data)
            if dump is not None:
                dump.stream(source, samples)
            for phrase in chunker.feed(samples):
                _recognise(provider, language, source, phrase, decoder, outbox, dump)
            done_s += PACKET_S
        elif kind == "end":
            stream = streams.pop(item[1], None)
            if stream is not None:
                for phrase in stream[1].flush():
                    _recognise(provider, language, item[1], phrase, stream[0], outbox, dump)
        elif kind == "gap":
            for _, chunker in streams.values():
                chunker.reset()
        if done_s - reported >= _DONE_EVERY_S:
            outbox.put(("done", done_s))
            reported = done_s


def _recognise(
    provider: Any,
    language: str,
    source: str,
    phrase: Any,
    decoder: StreamDecoder,
    outbox: Any,
    dump: phrase_dump.PhraseDump | None = None,
) -> None:
    started = time.perf_counter()
    text = provider.transcribe(phrase.samples, language)
    compute_s = time.perf_counter() - started
    if dump is not None:
        dump.phrase(source, phrase.samples, phrase.start, phrase.end, compute_s, text)
    if text:
        end_seq = decoder.seq_at(phrase.end)
        outbox.put(("line", source, text, end_seq, phrase.seconds, compute_s))


def _worker_main(model: str, sha256: str, language: str, inbox: Any, outbox: Any) -> None:
    # One CPU thread for everything numeric: the machine's other core carries the floor.
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = "1"
    with contextlib.suppress(KeyboardInterrupt):
        run_worker(model, sha256, language, inbox, outbox)


class CaptionWorker:
    """The server's handle on one worker process; ``on_message`` runs on the event loop."""

    def __init__(
        self, model: ModelSpec, language: str, on_message: Callable[[tuple[Any, ...]], None]
    ) -> None:
        self._loop = asyncio.get_running_loop()
        context = multiprocessing.get_context("spawn")
        self._inbox: Any = context.Queue()
        self._outbox: Any = context.Queue()
        self._on_message = on_message
        self.process = context.Process(
            target=_worker_main,
            args=(model.name, model.sha256, language, self._inbox, self._outbox),
            name=f"captions-{language}",
            daemon=True,
        )
        self.process.start()
        self._closed = False
        self._reader = threading.Thread(target=self._read, name="captions-reader", daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def send(self, item: tuple[Any, ...]) -> None:
        if not self._closed:
            self._inbox.put_nowait(item)

    def _read(self) -> None:
        while True:
            try:
                message = self._outbox.get(timeout=0.5)
            except queue.Empty:
                if self._closed or not self.process.is_alive():
                    if not self._closed:
                        with contextlib.suppress(RuntimeError):
                            self._loop.call_soon_threadsafe(
                                self._on_message, ("error", "The captions worker stopped.")
                            )
                    return
                continue
            except (EOFError, OSError):
                return
            try:
                self._loop.call_soon_threadsafe(self._on_message, message)
            except RuntimeError:
                return  # the event loop closed

    def close(self) -> None:
        """Ask the process to stop; a thread waits for it, so the event loop never does."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(Exception):
            self._inbox.put_nowait(None)
        threading.Thread(target=self._reap, name="captions-reaper", daemon=True).start()

    def _reap(self) -> None:
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(2)
        for q in (self._inbox, self._outbox):
            q.close()
            q.cancel_join_thread()

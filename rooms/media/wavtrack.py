"""A WAV file played as a microphone, paced in real time (tests, benchmarks, the headless client)."""

from __future__ import annotations

import asyncio
import fractions
import time
import wave
from pathlib import Path

import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import AudioFrame

__all__ = ["WavTrack", "read_wav_48k"]

RATE = 48_000
FRAME = 960  # 20 ms
TIME_BASE = fractions.Fraction(1, RATE)


def read_wav_48k(path: Path) -> np.ndarray:
    """A mono 16-bit WAV file's samples at 48 kHz (linear interpolation from its own rate)."""
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise ValueError(f"{path}: 16-bit samples expected")
        rate, channels = wav.getframerate(), wav.getnchannels()
        data = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16)
    mono = data.reshape(-1, channels).mean(axis=1)
    if rate != RATE:
        positions = np.arange(0, len(mono) * RATE // rate) * rate / RATE
        mono = np.interp(positions, np.arange(len(mono)), mono)
    return np.clip(mono, -32768, 32767).astype(np.int16)


class WavTrack(MediaStreamTrack):
    """Plays ``samples`` (mono int16 at 48 kHz), then silence; ``loop`` starts over instead."""

    kind = "audio"

    def __init__(self, samples: np.ndarray, loop: bool = False) -> None:
        super().__init__()
        self.samples = samples
        self.loop = loop
        self._start: float | None = None
        self._sent = 0

    @classmethod
    def from_file(cls, path: Path, loop: bool = False) -> WavTrack:
        return cls(read_wav_48k(path), loop)

    @property
    def finished(self) -> bool:
        return not self.loop and self._sent >= len(self.samples)

    async def recv(self) -> AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        else:
            due = self._start + self._sent / RATE
            await asyncio.sleep(max(0.0, due - time.monotonic()))
        offset = self._sent % len(self.samples) if self.loop else self._sent
        chunk = self.samples[offset : offset + FRAME]
        if len(chunk) < FRAME:
            tail = self.samples[: FRAME - len(chunk)] if self.loop else np.zeros(0, np.int16)
            chunk = np.concatenate([chunk, tail, np.zeros(FRAME, np.int16)])[:FRAME]
        frame = AudioFrame.from_ndarray(chunk.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = RATE
        frame.pts = self._sent
        frame.time_base = TIME_BASE
        self._sent += FRAME
        return frame

"""Sine tones for tests and the headless client: a paced audio track, a detector, a WAV writer."""

from __future__ import annotations

import asyncio
import fractions
import time
import wave
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import AudioFrame

__all__ = ["SAMPLE_RATE", "ToneTrack", "dominant_frequency", "write_tone_wav"]

SAMPLE_RATE = 48_000
FRAME_SAMPLES = 960  # 20 ms
TIME_BASE = fractions.Fraction(1, SAMPLE_RATE)


def _sine(frequency: float, start: int, count: int, amplitude: float) -> np.ndarray:
    t = (np.arange(start, start + count) / SAMPLE_RATE).astype(np.float64)
    return (np.sin(2 * np.pi * frequency * t) * amplitude * 32767).astype(np.int16)


class ToneTrack(MediaStreamTrack):
    """A mono 48 kHz sine in 20 ms frames, paced in real time like a microphone."""

    kind = "audio"

    def __init__(self, frequency: float, amplitude: float = 0.5) -> None:
        super().__init__()
        self.frequency = frequency
        self.amplitude = amplitude
        self._start: float | None = None
        self._samples = 0

    async def recv(self) -> AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        else:
            due = self._start + self._samples / SAMPLE_RATE
            await asyncio.sleep(max(0.0, due - time.monotonic()))
        samples = _sine(self.frequency, self._samples, FRAME_SAMPLES, self.amplitude)
        frame = AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        frame.pts = self._samples
        frame.time_base = TIME_BASE
        self._samples += FRAME_SAMPLES
        return frame


def dominant_frequency(frames: Iterable[AudioFrame]) -> float | None:
    """The strongest frequency in Hz across decoded ``frames`` (None if there is no signal)."""
    chunks = []
    rate = SAMPLE_RATE
    for frame in frames:
        rate = frame.sample_rate
        data = frame.to_ndarray()
        channels = len(frame.layout.channels)
        if data.shape[0] == 1 and channels > 1:  # packed: interleaved channels
            data = data.reshape(-1, channels).T
        chunks.append(data.astype(np.float64).mean(axis=0))
    if not chunks:
        return None
    signal = np.concatenate(chunks)
    if not np.any(signal):
        return None
    spectrum = np.abs(np.fft.rfft(signal * np.hanning(len(signal))))
    spectrum[0] = 0.0
    peak = int(np.argmax(spectrum))
    # Parabolic interpolation between neighbouring bins sharpens the estimate.
    if 0 < peak < len(spectrum) - 1:
        a, b, c = spectrum[peak - 1 : peak + 2]
        denominator = a - 2 * b + c
        if denominator:
            peak_f = peak + 0.5 * (a - c) / denominator
            return float(peak_f * rate / len(signal))
    return float(peak * rate / len(signal))


def write_tone_wav(
    path: str | Path, frequency: float, seconds: float = 2.0, amplitude: float = 0.5
) -> Path:
    """Write a 48 kHz mono 16-bit WAV of a sine (Chromium's fake microphone loops it)."""
    path = Path(path)
    count = int(seconds * SAMPLE_RATE)
    # Whole periods only, so the loop point does not click.
    periods = max(1, round(count * frequency / SAMPLE_RATE))
    count = round(periods * SAMPLE_RATE / frequency)
    samples = _sine(frequency, 0, count, amplitude)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(samples.tobytes())
    return path

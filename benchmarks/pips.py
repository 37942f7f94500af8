"""Tone pips for mouth-to-ear latency: the fake microphones' WAV files, and latencies from onsets.

A pip is a short sine burst with raised-cosine ramps. Each sender's fake microphone
(Chromium loops its file) plays one pip per period at its own frequency; the detector
(``benchmarks/pipdetect.js``) stamps each onset it hears on the shared performance clock.
A latency is an arrival onset minus the latest departure onset of the same frequency
before it.

For lip sync, a camera films a clip that flashes once per period (``write_flash_y4m``); the
detector stamps each flash's onset (frequency 0) at the sender's camera and at each remote
video track. Audio and video of one period then give an offset: the video's latency minus
the audio's (positive: the sound comes first). The two fake devices loop their files
independently, so the offset is taken between latencies, never between raw onsets.
"""

from __future__ import annotations

import wave
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.harness import percentile

SAMPLE_RATE = 48_000
PERIOD_S = 1.5
PIP_S = 0.040
RAMP_S = 0.010
AMPLITUDE = 0.5
FLOOR_HZ = 800
INTERPRETER_HZ = 2000
FLASH = 0
"""The "frequency" of a camera flash onset in the detector's output."""
FRAME_RATE = 30
FLASH_FRAMES = 3
DETECTOR = Path(__file__).with_name("pipdetect.js")
MAX_LATENCY_MS = 1000.0
"""An arrival later than this after its departure is a missed departure, not a latency."""


def pip(frequency: float, amplitude: float = AMPLITUDE) -> np.ndarray:
    """One pip: ``PIP_S`` of sine with ``RAMP_S`` raised-cosine ramps, float samples."""
    n = round(PIP_S * SAMPLE_RATE)
    ramp = round(RAMP_S * SAMPLE_RATE)
    envelope = np.ones(n)
    edge = 0.5 - 0.5 * np.cos(np.pi * np.arange(ramp) / ramp)
    envelope[:ramp] = edge
    envelope[-ramp:] = edge[::-1]
    t = np.arange(n) / SAMPLE_RATE
    return np.sin(2 * np.pi * frequency * t) * envelope * amplitude  # type: ignore[no-any-return]


def pip_track(pips: Iterable[tuple[float, float]], seconds: float = PERIOD_S) -> np.ndarray:
    """``seconds`` of silence with a pip of ``frequency`` at each ``(offset_s, frequency)``."""
    out = np.zeros(round(seconds * SAMPLE_RATE))
    for offset, frequency in pips:
        burst = pip(frequency)
        start = round(offset * SAMPLE_RATE)
        if start < 0 or start + len(burst) > len(out):
            raise ValueError(f"a pip at {offset} s does not fit in {seconds} s")
        out[start : start + len(burst)] += burst
    return out


def write_wav(path: Path, samples: np.ndarray) -> Path:
    """A 48 kHz mono 16-bit WAV, as Chromium's ``--use-file-for-fake-audio-capture`` wants."""
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(pcm.tobytes())
    return path


def write_pip_wav(path: Path, frequency: float) -> Path:
    """One pip at the start of every ``PERIOD_S`` (the file loops)."""
    return write_wav(path, pip_track([(0.0, frequency)]))


def write_silent_wav(path: Path) -> Path:
    """For every other browser: Chromium's default fake microphone beeps on its own."""
    return write_wav(path, np.zeros(round(PERIOD_S * SAMPLE_RATE)))


def write_flash_y4m(path: Path, width: int = 320, height: int = 240) -> Path:
    """One ``PERIOD_S`` of dark frames with a white flash of ``FLASH_FRAMES`` at the start.

    Chromium's ``--use-file-for-fake-video-capture`` loops it at ``FRAME_RATE``.
    """
    frames = round(PERIOD_S * FRAME_RATE)
    chroma = bytes([128]) * (width * height // 2)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{FRAME_RATE}:1 Ip A1:1 C420jpeg\n".encode())
        for index in range(frames):
            luma = 235 if index < FLASH_FRAMES else 16
            out.write(b"FRAME\n" + bytes([luma]) * (width * height) + chroma)
    return path


@dataclass(frozen=True)
class Onset:
    tap: str  # "mic0", "pc0:mid1"...
    hz: int
    t: float  # ms on the performance clock

    @classmethod
    def from_page(cls, raw: Mapping[str, Any]) -> Onset:
        return cls(str(raw["tap"]), int(raw["hz"]), float(raw["t"]))


def onsets_of(raw: Sequence[Mapping[str, Any]], hz: int, tap: str | None = None) -> list[float]:
    """The onset times at ``hz`` (of one tap, or of the taps whose name starts with ``tap``)."""
    found = (Onset.from_page(r) for r in raw)
    return sorted(o.t for o in found if o.hz == hz and (tap is None or o.tap.startswith(tap)))


def latencies(
    departures: Sequence[float], arrivals: Sequence[float], max_ms: float = MAX_LATENCY_MS
) -> list[float]:
    """For each arrival, the time since the latest departure before it (ms)."""
    return [latency for _, latency in departed(departures, arrivals, max_ms)]


def departed(
    departures: Sequence[float], arrivals: Sequence[float], max_ms: float = MAX_LATENCY_MS
) -> list[tuple[float, float]]:
    """For each arrival, its departure and its latency (ms): the latest departure before it."""
    out: list[tuple[float, float]] = []
    sent = sorted(departures)
    for arrival in sorted(arrivals):
        before = [d for d in sent if d <= arrival]
        if before and arrival - before[-1] <= max_ms:
            out.append((before[-1], arrival - before[-1]))
    return out


def av_offsets(
    audio: Sequence[tuple[float, float]],
    video: Sequence[tuple[float, float]],
    within_ms: float = PERIOD_S * 1000 / 2,
) -> list[float]:
    """Lip sync per period (ms): video latency minus audio latency (positive: sound first).

    ``audio`` and ``video`` are ``departed`` pairs; a flash pairs with the pip that left
    nearest to it, within half a period.
    """
    out: list[float] = []
    for sent, video_latency in video:
        near = [(abs(a_sent - sent), a_latency) for a_sent, a_latency in audio]
        if near:
            gap, audio_latency = min(near)
            if gap <= within_ms:
                out.append(video_latency - audio_latency)
    return out


@dataclass(frozen=True)
class Summary:
    count: int
    p50: float
    p95: float
    max: float


def summarise(values: Sequence[float]) -> Summary | None:
    if not values:
        return None
    return Summary(len(values), percentile(values, 50), percentile(values, 95), max(values))

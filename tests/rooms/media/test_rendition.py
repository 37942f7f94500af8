"""The low-data rendition: 60 ms Opus frames at 9 kbit/s that still carry wideband speech."""

import asyncio
import fractions
import math

import av
import numpy as np
import pytest

from rooms.media.forwarding import Fanout
from rooms.media.rendition import FRAME_MS, LOW_BITRATE, LowBitrateRendition

pytestmark = pytest.mark.integration

RATE = 48_000


class Recorder:
    def __init__(self) -> None:
        self.packets: list[av.Packet] = []

    def push(self, packet: av.Packet) -> None:
        self.packets.append(packet)

    def discontinuity(self) -> None:
        pass


def voice(seconds: float) -> np.ndarray:
    """Something like speech: harmonics of a gliding 140 Hz pitch, four syllables a second."""
    t = np.arange(int(RATE * seconds)) / RATE
    phase = 2 * math.pi * np.cumsum(140 + 30 * np.sin(2 * math.pi * 0.7 * t)) / RATE
    harmonics = sum(np.sin(k * phase) / k for k in range(1, 30))
    syllables = np.clip(np.sin(2 * math.pi * 4 * t), 0, None)
    return np.asarray(harmonics * syllables / np.abs(harmonics).max() * 16_000, dtype=np.int16)


def tones(seconds: float, *hz: float) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    return np.asarray(sum(0.3 * np.sin(2 * math.pi * f * t) for f in hz) * 12_000, dtype=np.int16)


def browser_packets(samples: np.ndarray) -> list[av.Packet]:
    """What a browser sends: Opus at 32 kbit/s in 20 ms frames."""
    encoder = av.CodecContext.create("libopus", "w")
    encoder.bit_rate = 32_000  # type: ignore[attr-defined]
    encoder.sample_rate = RATE  # type: ignore[attr-defined]
    encoder.layout = "mono"  # type: ignore[attr-defined]
    encoder.format = "s16"  # type: ignore[attr-defined]
    packets: list[av.Packet] = []
    for start in range(0, len(samples) - 959, 960):
        frame = av.AudioFrame.from_ndarray(
            samples[start : start + 960].reshape(1, -1), format="s16", layout="mono"
        )
        frame.sample_rate = RATE
        frame.pts = start
        frame.time_base = fractions.Fraction(1, RATE)
        packets.extend(encoder.encode(frame))  # type: ignore[attr-defined]
    return packets


def level_db(packets: list[av.Packet], hz: float) -> float:
    """The level at ``hz`` of the decoded packets, relative to their strongest frequency."""
    decoder = av.CodecContext.create("libopus", "r")
    to_mono = av.AudioResampler(format="s16", layout="mono", rate=RATE)
    chunks = [
        mono.to_ndarray().reshape(-1).astype(float)
        for packet in packets
        for frame in decoder.decode(packet)  # type: ignore[attr-defined]
        for mono in to_mono.resample(frame)  # type: ignore[arg-type]
    ]
    audio = np.concatenate(chunks)[RATE // 2 :][:RATE]  # one second, after the start-up
    spectrum = np.abs(np.fft.rfft(audio))
    return float(20 * np.log10(spectrum[round(hz * len(audio) / RATE)] / spectrum.max()))


async def render(samples: np.ndarray) -> list[av.Packet]:
    source = Fanout("speaker")
    rendition = LowBitrateRendition(source)
    out = Recorder()
    rendition.fanout.subscribe(out)
    for packet in browser_packets(samples):
        source.publish(packet)
        await asyncio.sleep(0.002)  # the rendition's thread keeps up; its backlog is 10 packets
    expected = int(len(samples) / RATE * 1000 / FRAME_MS) - 2
    for _ in range(200):
        if len(out.packets) >= expected:
            break
        await asyncio.sleep(0.01)
    rendition.close()
    return out.packets


async def test_the_rendition_sends_60_ms_frames_at_9_kbit_s_or_less():
    packets = await render(voice(4.0))
    assert len(packets) >= 60
    steps = {b.pts - a.pts for a, b in zip(packets, packets[1:], strict=False)}
    assert steps == {FRAME_MS * 48}
    # Opus TOC byte: config 11 is SILK wideband, 60 ms (RFC 6716, section 3.1).
    assert {bytes(p)[0] >> 3 for p in packets[5:]} == {11}
    # Variable bitrate: the pauses between syllables cost almost nothing.
    bitrate = sum(len(bytes(p)) for p in packets) * 8 / (len(packets) * FRAME_MS / 1000)
    assert bitrate <= LOW_BITRATE


async def test_speech_stays_wideband_a_5_khz_tone_survives():
    packets = await render(tones(2.0, 440.0, 5_000.0))
    # Narrowband (a telephone, or Opus below about 8.3 kbit/s) would cut everything above 4 kHz.
    assert level_db(packets, 5_000) > -6
    assert level_db(packets, 440) > -6

import asyncio
import time
import wave

import numpy as np
import pytest
from av import AudioFrame

from rooms.media.tones import SAMPLE_RATE, ToneTrack, dominant_frequency, write_tone_wav


@pytest.mark.unit
async def test_a_tone_track_yields_20_ms_mono_frames_in_real_time():
    track = ToneTrack(440)
    start = time.monotonic()
    frames = [await asyncio.wait_for(track.recv(), 1) for _ in range(6)]
    elapsed = time.monotonic() - start

    assert [f.pts for f in frames] == [0, 960, 1920, 2880, 3840, 4800]
    assert {(f.samples, f.sample_rate, f.layout.name, f.format.name) for f in frames} == {
        (960, SAMPLE_RATE, "mono", "s16")
    }
    assert 0.09 <= elapsed < 0.5
    assert abs(dominant_frequency(frames) - 440) < 2


@pytest.mark.unit
def test_dominant_frequency_reads_interleaved_stereo():
    t = np.arange(9600) / SAMPLE_RATE
    mono = (np.sin(2 * np.pi * 660 * t) * 10_000).astype(np.int16)
    stereo = np.repeat(mono, 2).reshape(1, -1)
    frame = AudioFrame.from_ndarray(stereo, format="s16", layout="stereo")
    frame.sample_rate = SAMPLE_RATE

    assert abs(dominant_frequency([frame]) - 660) < 2


@pytest.mark.unit
def test_silence_has_no_dominant_frequency():
    frame = AudioFrame.from_ndarray(np.zeros((1, 960), np.int16), format="s16", layout="mono")
    frame.sample_rate = SAMPLE_RATE
    assert dominant_frequency([frame]) is None
    assert dominant_frequency([]) is None


@pytest.mark.unit
def test_the_wav_is_48_khz_mono_16_bit_and_loops_on_whole_periods(tmp_path):
    path = write_tone_wav(tmp_path / "440.wav", 440, seconds=1.0)

    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 48_000)
        samples = np.frombuffer(wav.readframes(wav.getnframes()), np.int16)
    assert abs(len(samples) - 48_000) < 120
    assert abs(int(samples[0])) < 50 and abs(int(samples[-1])) < 1500
    spectrum = np.abs(np.fft.rfft(samples))
    assert abs(np.argmax(spectrum) * 48_000 / len(samples) - 440) < 2

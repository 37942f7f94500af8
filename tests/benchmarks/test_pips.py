import wave
from pathlib import Path

import numpy as np
import pytest

from benchmarks import pips

pytestmark = pytest.mark.unit


def test_a_pip_track_holds_each_pip_where_asked_and_silence_elsewhere() -> None:
    track = pips.pip_track([(0.0, 800), (0.5, 2000)])
    rate = pips.SAMPLE_RATE
    pip_samples = round(pips.PIP_S * rate)

    assert len(track) == round(pips.PERIOD_S * rate)
    assert np.abs(track[:pip_samples]).max() > 0.45
    assert np.abs(track[pip_samples : rate // 2]).max() == 0
    assert np.abs(track[rate // 2 : rate // 2 + pip_samples]).max() > 0.45
    assert np.abs(track[rate // 2 + pip_samples :]).max() == 0
    # Ramps: a pip starts and ends near zero, so it has no click at another frequency.
    assert abs(track[0]) < 0.01 and abs(track[pip_samples - 1]) < 0.01


def test_a_pip_that_does_not_fit_is_refused() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        pips.pip_track([(1.49, 800)])


def test_the_wav_is_48_khz_mono_16_bit_and_loops_one_period(tmp_path: Path) -> None:
    path = pips.write_pip_wav(tmp_path / "floor.wav", 800)
    with wave.open(str(path)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (48_000, 1, 2)
        assert wav.getnframes() == round(pips.PERIOD_S * 48_000)


def test_each_arrival_pairs_with_the_latest_departure_before_it() -> None:
    departures = [1000.0, 2500.0, 4000.0]
    arrivals = [1060.0, 2555.0, 4070.0]

    assert pips.latencies(departures, arrivals) == [60.0, 55.0, 70.0]


def test_an_arrival_without_a_recent_departure_is_no_latency() -> None:
    # The first arrival came before any departure; the last one's departure was missed.
    departures = [1000.0, 2500.0]
    arrivals = [900.0, 1050.0, 4090.0]

    assert pips.latencies(departures, arrivals) == [50.0]


def test_onsets_are_picked_by_frequency_and_tap() -> None:
    raw = [
        {"tap": "mic0", "hz": 800, "t": 10.0, "power": 0.2},
        {"tap": "pc0:mid1", "hz": 800, "t": 70.0, "power": 0.1},
        {"tap": "pc0:mid4", "hz": 2000, "t": 95.0, "power": 0.1},
        {"tap": "mic0", "hz": 2000, "t": 40.0, "power": 0.2},
    ]

    assert pips.onsets_of(raw, 800, "mic") == [10.0]
    assert pips.onsets_of(raw, 2000, "pc") == [95.0]
    assert pips.onsets_of(raw, 800) == [10.0, 70.0]


def test_a_summary_has_p50_p95_and_max() -> None:
    summary = pips.summarise([float(v) for v in range(1, 101)])

    assert summary is not None
    assert (summary.count, summary.p50, summary.max) == (100, 50.5, 100.0)
    assert summary.p95 == pytest.approx(95.05)
    assert pips.summarise([]) is None


def test_the_flash_clip_is_one_period_dark_but_for_a_white_flash_at_its_start(
    tmp_path: Path,
) -> None:
    clip = pips.write_flash_y4m(tmp_path / "flash.y4m", width=16, height=8)
    header, *frames = clip.read_bytes().split(b"FRAME\n")

    assert header.startswith(b"YUV4MPEG2 W16 H8 F30:1")
    assert len(frames) == round(pips.PERIOD_S * pips.FRAME_RATE)
    lumas = [frame[0] for frame in frames]
    assert lumas[: pips.FLASH_FRAMES] == [235] * pips.FLASH_FRAMES
    assert set(lumas[pips.FLASH_FRAMES :]) == {16}
    assert all(len(frame) == 16 * 8 * 3 // 2 for frame in frames)


def test_each_arrival_keeps_its_departure() -> None:
    assert pips.departed([1000.0, 2500.0], [1060.0, 2580.0, 9000.0]) == [
        (1000.0, 60.0),
        (2500.0, 80.0),
    ]


def test_lip_sync_is_the_video_latency_less_the_audio_latency_of_the_same_period() -> None:
    # The camera's loop runs 400 ms after the microphone's: raw onsets are 400 ms apart,
    # yet in the first period the picture takes 70 ms and the sound 50 ms (sound 20 ms first),
    # in the second the picture 40 ms and the sound 90 ms (picture 50 ms first).
    audio = pips.departed([1000.0, 2500.0], [1050.0, 2590.0])
    video = pips.departed([1400.0, 2900.0], [1470.0, 2940.0])

    assert pips.av_offsets(audio, video) == [20.0, -50.0]


def test_a_flash_with_no_pip_near_it_gives_no_offset() -> None:
    audio = pips.departed([1000.0], [1050.0])
    video = pips.departed([1000.0 + pips.PERIOD_S * 1000], [2600.0])

    assert pips.av_offsets(audio, video) == []

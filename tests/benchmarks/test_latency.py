"""The latency benchmark's reading of the receivers' jitter buffers (benchmarks/latency.py)."""

from __future__ import annotations

from benchmarks.latency import jitter_buffers


def test_a_jitter_buffer_is_its_mean_delay_and_target_between_two_readings() -> None:
    # getStats cumulates: seconds of delay and of target, summed over every emitted sample.
    first = {"leo": [["pc0:mid1", 48_000 * 0.4, 48_000 * 0.2, 48_000, 0.002]]}
    second = {"leo": [["pc0:mid1", 48_000 * 0.4 + 96_000 * 0.08, 48_000 * 0.2 + 96_000 * 0.06,
                       48_000 + 96_000, 0.003]]}  # fmt: skip
    assert jitter_buffers(first, second) == {
        "leo": ["pc0:mid1 buffer 80 ms, target 60 ms, arrival jitter 3 ms"]
    }


def test_a_track_new_since_the_first_reading_or_silent_between_them_is_left_out() -> None:
    first = {"ivan": [["pc0:mid0", 1.0, 1.0, 1000, 0.0]]}
    second = {
        "ivan": [["pc0:mid0", 1.0, 1.0, 1000, 0.0], ["pc0:mid2", 5.0, 4.0, 9000, 0.001]],
        "lea": [["pc0:mid1", 5.0, 4.0, 9000, 0.001]],
    }
    assert jitter_buffers(first, second) == {}

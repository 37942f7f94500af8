"""The latency benchmark's reading of the receivers' jitter buffers and its goals
(benchmarks/latency.py)."""

from __future__ import annotations

from typing import Any

from benchmarks import pips
from benchmarks.harness import Record
from benchmarks.latency import (
    DIRECT,
    INTO_BROWSER,
    PATHS,
    detector_health,
    jitter_buffers,
    report,
)


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


def pips_every(
    start: float, count: int, tap: str, hz: int = pips.FLOOR_HZ, late: float = 0.0
) -> list[dict[str, Any]]:
    return [{"tap": tap, "hz": hz, "t": start + late + 1500 * i} for i in range(count)]


def test_a_floor_path_is_judged_against_both_direct_calls() -> None:
    # Against the one-page call and the call into the receiver's browser. The floor speaker
    # and the direct page both pip at 0, 1.5 s...; the one-page call hears
    # them 50 ms later, the call into the listeners' browser 100 ms, the listener 110 ms.
    onsets = {
        "flora": pips_every(0, 20, "mic0"),
        "direct": pips_every(0, 20, "mic0") + pips_every(0, 20, "pc1:mid0", late=50),
        "called_listeners": pips_every(0, 20, "pc0:mid0", late=100),
        "leo": pips_every(0, 20, "pc0:mid1", late=110),
    }
    record = Record("latency", quick=False)
    listener = PATHS[0]
    report(record, onsets, (0, 30_000), DIRECT, [listener, INTO_BROWSER[listener.name]])

    goals = {goal.text: (goal.passed, goal.measured) for goal in record.goals}
    assert goals == {
        "floor → listener: p95 ≤ 1.25× the direct call's": (False, "2.20× (110 ms vs 50 ms)"),
        "floor → listener: p95 ≤ 1.25× the direct call into the listeners' browser's": (
            True, "1.10× (110 ms vs 100 ms)",
        ),
    }  # fmt: skip
    p95 = {f.name: f.value for f in record.figures if f.name.endswith(" p95")}
    assert p95["floor → listener p95"] == 110
    assert p95["direct call into the listeners' browser p95"] == 100


def test_a_floor_path_whose_pips_never_arrived_cannot_meet_its_goal() -> None:
    onsets = {
        "flora": pips_every(0, 10, "mic0"),
        "direct": pips_every(0, 10, "mic0") + pips_every(0, 10, "pc1:mid0", late=50),
        "ivan": [],
    }
    record = Record("latency", quick=False)
    report(record, onsets, (0, 15_000), DIRECT, [PATHS[1]])

    assert [(g.text, g.passed, g.measured) for g in record.goals] == [
        ("floor → interpreter's console: p95 ≤ 1.25× the direct call's", None, "no pips")
    ]
    assert "floor → interpreter's console: no pip arrived" in record.notes


def test_the_detector_says_whether_each_tap_heard_the_pips_and_how_late_its_clock_is() -> None:
    raw = {
        "state": "running",
        "behindS": 0.0421,
        "freqs": [800, 2000],
        "peaks": {"pc0:mid1": [1e-2, 0.0], "mic0": [1e-7, 1e-9]},
    }
    assert detector_health(raw) == (
        "detector's audio context running, 42 ms behind the page's clock; loudest blocks: "
        "mic0 800 Hz -70 dBFS, 2000 Hz -90 dBFS; pc0:mid1 800 Hz -20 dBFS, 2000 Hz silent"
    )
    assert detector_health({"state": "none", "behindS": 0, "freqs": [800], "peaks": {}}) == (
        "detector's audio context none, 0 ms behind the page's clock; loudest blocks: no tap"
    )

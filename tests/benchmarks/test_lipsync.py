"""The lip sync benchmark's offsets and goals per viewer (benchmarks/lipsync.py)."""

from __future__ import annotations

from typing import Any

from benchmarks import pips
from benchmarks.harness import Record
from benchmarks.lipsync import report


def sent(tap: str, hz: int, count: int, late: list[float]) -> list[dict[str, Any]]:
    """An onset every period at ``tap``, the i-th ``late[i]`` ms after the period starts."""
    return [{"tap": tap, "hz": hz, "t": 1500.0 * i + late[i]} for i in range(count)]


def test_each_viewer_is_judged_on_its_worst_period_and_the_direct_call_only_reported() -> None:
    n = 6
    zero = [0.0] * n
    # At Leo the sound takes 50 ms and the picture 40 ms, except one period at 110 ms: there
    # the sound comes 60 ms first. The direct call's picture is always 20 ms after its sound.
    onsets = {
        "flora": sent("mic0", pips.FLOOR_HZ, n, zero) + sent("cam0", pips.FLASH, n, zero),
        "direct": sent("mic0", pips.FLOOR_HZ, n, zero)
        + sent("cam0", pips.FLASH, n, zero)
        + sent("pc1:mid0", pips.FLOOR_HZ, n, [50.0] * n)
        + sent("pc1:mid1", pips.FLASH, n, [70.0] * n),
        "leo": sent("pc0:mid1", pips.FLOOR_HZ, n, [50.0] * n)
        + sent("pc0:mid5", pips.FLASH, n, [40.0, 40.0, 110.0, 40.0, 40.0, 40.0]),
    }
    record = Record("lipsync", quick=False)
    report(
        record,
        onsets,
        (0.0, 1500.0 * n),
        {"direct": "direct call (run, baseline)", "leo": "listener"},
    )

    assert [(g.text, g.passed, g.measured) for g in record.goals] == [
        ("listener: every offset within ±100 ms", True, f"worst 60 ms over {n} periods"),
        (
            "listener: sound never more than 45 ms before the picture",
            False,
            "offsets from -10 to 60 ms (negative: the picture first)",
        ),
    ]
    figures = {f.name: f.value for f in record.figures}
    assert figures["direct call (run, baseline): median offset"] == 20
    assert figures["listener: sound first, worst"] == 60
    assert figures["listener: picture first, worst"] == 10

import json

import pytest

from benchmarks import harness
from benchmarks.harness import Figure, Record

pytestmark = pytest.mark.unit


def test_percentile_interpolates_between_closest_ranks() -> None:
    values = [4.0, 1.0, 3.0, 2.0]
    assert harness.percentile(values, 0) == 1.0
    assert harness.percentile(values, 100) == 4.0
    assert harness.percentile(values, 50) == 2.5
    assert harness.percentile(values, 99) == pytest.approx(3.97)


def test_percentile_of_one_value_is_that_value() -> None:
    assert harness.percentile([7.0], 99) == 7.0


@pytest.mark.parametrize("p", [-1, 101])
def test_percentile_refuses_out_of_range(p: float) -> None:
    with pytest.raises(ValueError):
        harness.percentile([1.0], p)


def test_percentile_refuses_no_values() -> None:
    with pytest.raises(ValueError):
        harness.percentile([], 50)


def test_least_squares_recovers_an_exact_line() -> None:
    line = harness.least_squares([0, 50, 100, 200], [8, 108, 208, 408])
    assert line.slope == pytest.approx(2.0)
    assert line.intercept == pytest.approx(8.0)
    assert line.r2 == pytest.approx(1.0)


def test_least_squares_of_noisy_points() -> None:
    line = harness.least_squares([1, 2, 3], [1, 3, 2])
    assert line.slope == pytest.approx(0.5)
    assert line.intercept == pytest.approx(1.0)
    assert line.r2 == pytest.approx(0.25)


@pytest.mark.parametrize(("xs", "ys"), [([1], [1]), ([2, 2], [1, 3]), ([1, 2], [1])])
def test_least_squares_refuses_degenerate_input(xs: list[float], ys: list[float]) -> None:
    with pytest.raises(ValueError):
        harness.least_squares(xs, ys)


def test_ratio_needs_both_values_and_a_nonzero_baseline() -> None:
    assert harness.ratio(3.0, 2.0) == 1.5
    assert harness.ratio(None, 2.0) is None
    assert harness.ratio(3.0, 0.0) is None


def test_record_shape_pairs_every_figure_with_its_baseline(tmp_path) -> None:
    record = Record("demo", quick=True, started="2026-01-01T00:00:00+00:00")
    record.figure("p99", 12.3456789, "ms", baseline=6.0, baseline_name="bare", detail="n=10")
    record.figure("lonely", float("nan"))
    record.goal("p99 ≤ 2× bare", False, "2.06×")
    record.notes.append("noisy machine")
    record.machine = {"cores": 2}

    path = harness.write(record, tmp_path)

    written = json.loads(path.read_text())
    assert path.name == "demo.json"
    assert tuple(written) == harness.RECORD_KEYS
    assert written["figures"] == [
        {"name": "p99", "value": 12.345679, "unit": "ms", "baseline": 6.0,
         "baseline_name": "bare", "detail": "n=10", "ratio": pytest.approx(2.0576131)},
        {"name": "lonely", "value": None, "unit": "", "baseline": None,
         "baseline_name": "", "detail": "", "ratio": None},
    ]  # fmt: skip
    assert written["goals"] == [{"text": "p99 ≤ 2× bare", "passed": False, "measured": "2.06×"}]
    assert written["notes"] == ["noisy machine"]
    assert written["machine"] == {"cores": 2}
    assert written["quick"] is True


def test_figure_ratio_only_for_numbers() -> None:
    assert Figure("x", "failed", baseline=1.0).ratio is None
    assert Figure("x", 4, baseline=2).ratio == 2.0


def test_machine_names_the_packages_and_the_commit() -> None:
    details = harness.machine()
    assert set(details) >= {"cpu_model", "cores", "memory_gb", "python", "packages",
                            "git_commit", "timestamp"}  # fmt: skip
    assert set(details["packages"]) == set(harness.PACKAGES)


def test_table_lists_figures_then_goals() -> None:
    record = Record("demo", quick=False)
    record.figure("p50", 2.0, "ms", baseline=1.0, baseline_name="bare")
    record.goal("fast", True, "2.0×")
    lines = harness.table([record]).splitlines()
    assert lines[2] == "| demo | p50 | 2.00 ms | 1.00 ms (bare) | 2× |"
    assert lines[-1] == "| demo | fast | 2.0× | PASS |"

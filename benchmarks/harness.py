"""What every benchmark shares: statistics, the figure/record shapes, machine details, the table.

A benchmark returns a :class:`Record`: figures, each paired with the baseline measured in
the same run, and goals judged against them. A missed goal is a result, never an error.
"""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "aiortc",
    "av",
    "websockets",
    "starlette",
    "uvicorn",
    "ortools",
    "httpx",
    "sqlalchemy",
    "sqlmodel",
)
RECORD_KEYS = ("name", "quick", "started", "seconds", "machine", "figures", "goals", "notes")


# Statistics.


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0..100) with linear interpolation between closest ranks."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be within 0..100, got {p}")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = math.floor(rank)
    high = math.ceil(rank)
    if low == high:
        return float(ordered[low])
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Line:
    """A least-squares line ``y = intercept + slope * x``."""

    slope: float
    intercept: float
    r2: float


def least_squares(xs: Sequence[float], ys: Sequence[float]) -> Line:
    """Ordinary least squares of ``ys`` on ``xs`` (at least two distinct x values)."""
    if len(xs) != len(ys):
        raise ValueError("xs and ys differ in length")
    n = len(xs)
    if n < 2:
        raise ValueError("a line needs at least two points")
    mean_x = sum(xs) / n
    mean_y = sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    if sxx == 0:
        raise ValueError("a line needs at least two distinct x values")
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    slope = sxy / sxx
    intercept = mean_y - slope * mean_x
    syy = sum((y - mean_y) ** 2 for y in ys)
    residual = sum((y - intercept - slope * x) ** 2 for x, y in zip(xs, ys, strict=True))
    r2 = 1.0 if syy == 0 else 1 - residual / syy
    return Line(slope, intercept, r2)


def ratio(value: float | None, baseline: float | None) -> float | None:
    """``value / baseline``, or None when either is missing or the baseline is zero."""
    if value is None or baseline is None or baseline == 0:
        return None
    return value / baseline


# Records.


@dataclass
class Figure:
    """One measured figure and the same-run baseline it is compared with."""

    name: str
    value: float | int | str | None
    unit: str = ""
    baseline: float | int | str | None = None
    baseline_name: str = ""
    detail: str = ""

    @property
    def ratio(self) -> float | None:
        if isinstance(self.value, int | float) and isinstance(self.baseline, int | float):
            return ratio(float(self.value), float(self.baseline))
        return None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ratio"] = self.ratio
        return data


@dataclass
class Goal:
    """A target from the issue, and whether this run met it (None: could not be judged)."""

    text: str
    passed: bool | None
    measured: str


@dataclass
class Record:
    name: str
    quick: bool
    started: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    seconds: float = 0.0
    machine: dict[str, Any] = field(default_factory=dict)
    figures: list[Figure] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def figure(self, name: str, value: Any, unit: str = "", **rest: Any) -> Figure:
        added = Figure(name, _clean(value), unit, **{k: _clean(v) for k, v in rest.items()})
        self.figures.append(added)
        return added

    def goal(self, text: str, passed: bool | None, measured: str) -> Goal:
        added = Goal(text, passed, measured)
        self.goals.append(added)
        return added

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "quick": self.quick,
            "started": self.started,
            "seconds": round(self.seconds, 1),
            "machine": self.machine,
            "figures": [f.as_dict() for f in self.figures],
            "goals": [asdict(g) for g in self.goals],
            "notes": self.notes,
        }


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        return round(value, 6)
    return value


def write(record: Record, directory: Path = RESULTS) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{record.name}.json"
    path.write_text(json.dumps(record.as_dict(), indent=2) + "\n")
    return path


# The machine.


def machine() -> dict[str, Any]:
    return {
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gb": _memory_gb(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "os": platform.platform(),
        "python": platform.python_version(),
        "packages": {name: _version(name) for name in PACKAGES},
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty": bool(_git("status", "--porcelain")),
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


# The table.


def fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value == 0:
            return "0"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 1:
            return f"{value:.2f}"
        return f"{value:.3g}"
    return str(value)


def table(records: Sequence[Record]) -> str:
    """A Markdown table: one row per figure, then the goals."""
    lines = [
        "| benchmark | figure | value | baseline (same run) | ratio |",
        "|---|---|---|---|---|",
    ]
    for record in records:
        for f in record.figures:
            unit = f" {f.unit}" if f.unit and f.value is not None else ""
            base_unit = f" {f.unit}" if f.unit and f.baseline is not None else ""
            base = fmt(f.baseline) + base_unit
            if f.baseline_name:
                base += f" ({f.baseline_name})"
            shown_ratio = f"{f.ratio:.3g}×" if f.ratio is not None else ""
            name = f.name + (f" — {f.detail}" if f.detail else "")
            lines.append(
                f"| {record.name} | {name} | {fmt(f.value)}{unit} | {base} | {shown_ratio} |"
            )
    lines += ["", "| benchmark | goal | measured | result |", "|---|---|---|---|"]
    for record in records:
        for g in record.goals:
            verdict = {True: "PASS", False: "FAIL", None: "n/a"}[g.passed]
            lines.append(f"| {record.name} | {g.text} | {g.measured} | {verdict} |")
    return "\n".join(lines)


class Deadline:
    """A wall-clock budget: ``left()`` seconds remain, ``passed`` once it is spent."""

    def __init__(self, seconds: float) -> None:
        self.ends = time.monotonic() + seconds

    def left(self) -> float:
        return max(0.0, self.ends - time.monotonic())

    @property
    def passed(self) -> bool:
        return time.monotonic() >= self.ends

"""Planners: solve time and objective at 1×, 3× and 10× Global Conversations.

Inputs come from benchmarks.events (16 sessions, 8 languages, 40 interpreters and 250
registrants at 1×). Each planner gets a 60 s time limit through its public API,
``plan(document, time_limit)``. Baseline, same run: a greedy planner
(benchmarks.greedy) restarted with shuffled tie-breaks for the planner's own wall time.
Quick: 1× for every planner, 3× for the cheap ones.
"""

from __future__ import annotations

import importlib
import time
from pathlib import Path
from typing import Any

from benchmarks import events, greedy
from benchmarks.harness import Record

PLANNERS = {
    "roster": "interpretation.planning.roster",
    "lightning": "conference.planning.lightning",
    "breakouts": "rooms.planning.breakouts",
    "support": "conference.planning.support",
}
SCALES = (1, 3, 10)
QUICK_SCALES = {"roster": (1,), "lightning": (1, 3), "breakouts": (1, 3), "support": (1, 3)}
TIME_LIMIT = 60.0
# The primary objective in each planner's output, and the secondary where there is one.
OBJECTIVES = {
    "roster": ("served_listeners", None),
    "lightning": ("scheduled_priority", None),
    "breakouts": ("placed", "cost"),
    "support": ("granted_priority", None),
}
BOUND_KEYS = ("bound", "best_bound", "objective_bound")


def run(quick: bool, workdir: Path) -> Record:
    record = Record("planners", quick)
    results: list[dict[str, Any]] = []
    for kind, module in PLANNERS.items():
        plan = importlib.import_module(module).plan
        for scale in QUICK_SCALES[kind] if quick else SCALES:
            results.append(_one(kind, plan, scale))
    _report(record, results)
    return record


def _one(kind: str, plan: Any, scale: int) -> dict[str, Any]:
    document = events.GENERATORS[kind](scale)
    started = time.monotonic()
    try:
        output = plan(document, TIME_LIMIT)
    except Exception as exc:  # a planner failing is a result to report, not a crash
        return {"kind": kind, "scale": scale, "error": f"{type(exc).__name__}: {exc}"[:300]}
    seconds = time.monotonic() - started
    primary, secondary = OBJECTIVES[kind]
    greedy_best, runs = greedy.with_budget(greedy.BASELINES[kind], document, max(seconds, 0.05))
    bound = next((output[key] for key in BOUND_KEYS if key in output), None)
    # Served listeners can never exceed the listeners asked for: a bound CP-SAT need not prove.
    demand = sum(g["listeners"] for g in document.get("demand", [])) if kind == "roster" else None
    best = greedy_best[0]
    return {
        "kind": kind,
        "scale": scale,
        "seconds": seconds,
        "status": output.get("status"),
        "objective": output.get(primary),
        "secondary": output.get(secondary) if secondary else None,
        "bound": bound,
        "greedy": int(best) if float(best).is_integer() else best,
        "demand": demand,
        "greedy_secondary": -greedy_best[1] if secondary else None,
        "greedy_runs": runs,
    }


def _report(record: Record, results: list[dict[str, Any]]) -> None:
    for r in results:
        label = f"{r['kind']} {r['scale']}×"
        if "error" in r:
            record.figure(f"{label} failed", r["error"])
            record.notes.append(f"{label}: {r['error']}")
            continue
        primary, secondary = OBJECTIVES[r["kind"]]
        gap = _gap(r)
        record.figure(f"{label} solve time", r["seconds"], "s",
                      detail=f"status {r['status']}; bound {gap}")  # fmt: skip
        detail = f"greedy restarted {r['greedy_runs']}× in the same wall time"
        if secondary:
            detail += f"; {secondary} {r['secondary']} (greedy {r['greedy_secondary']})"
        record.figure(f"{label} {primary}", r["objective"], baseline=r["greedy"],
                      baseline_name="greedy", detail=detail)  # fmt: skip

    ones = [r for r in results if r["scale"] == 1 and "error" not in r]
    for r in ones:
        ok = r["status"] == "optimal" and r["seconds"] < 2
        record.goal(f"{r['kind']} 1×: optimal in under 2 s", ok,
                    f"{r['status']} in {r['seconds']:.2f} s")  # fmt: skip
    for r in (r for r in results if r["scale"] == 10 and "error" not in r):
        in_time = r["seconds"] <= TIME_LIMIT + 1
        if r["status"] == "optimal":
            verdict: bool | None = in_time
            gap_text = "gap 0 (proved optimal)"
        elif r["bound"] is not None:
            gap = _gap_value(r)
            verdict = in_time and gap is not None and gap <= 0.01
            gap_text = f"gap {_gap(r)}"
        else:
            verdict = None
            gap_text = "gap unknown: the output has no bound"
            if r["demand"]:
                trivial = (r["demand"] - r["objective"]) / r["demand"] * 100
                gap_text += (
                    f"; {primary_of(r)} {r['objective']} of {r['demand']} asked for "
                    f"({trivial:.2f}% below that trivial bound; later objectives unproved)"
                )
        record.goal(f"{r['kind']} 10×: within 60 s and 1% of the bound", verdict,
                    f"{r['status']} in {r['seconds']:.1f} s; {gap_text}")  # fmt: skip
    for r in results:
        if "error" not in r and r["status"] != "optimal" and r["bound"] is None:
            record.notes.append(
                f"{r['kind']} {r['scale']}×: stopped at the time limit; its output exposes no "
                "CP-SAT best bound, so the gap cannot be reported"
            )


def primary_of(r: dict[str, Any]) -> str:
    return OBJECTIVES[r["kind"]][0]


def _gap_value(r: dict[str, Any]) -> float | None:
    if r["status"] == "optimal":
        return 0.0
    if r["bound"] is None or not r["objective"]:
        return None
    return abs(float(r["bound"]) - float(r["objective"])) / abs(float(r["objective"]))


def _gap(r: dict[str, Any]) -> str:
    value = _gap_value(r)
    if value is None:
        return "not exposed"
    return "proved (gap 0)" if r["status"] == "optimal" else f"gap {value * 100:.2f}%"

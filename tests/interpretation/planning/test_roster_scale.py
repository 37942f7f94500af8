"""Event-sized rosters: solved optimally in time, and a time limit that stops the search."""

from __future__ import annotations

import json
import time

import pytest

from interpretation.planning.roster import plan
from tests.interpretation.planning.roster_checks import check
from tests.interpretation.planning.roster_examples import event

pytestmark = pytest.mark.unit


def test_generator_builds_the_contract_event_size() -> None:
    doc = event(1, seed=1)
    assert (len(doc["sessions"]), len(doc["interpreters"])) == (16, 40)
    assert sum(group["listeners"] for group in doc["demand"]) == 250
    assert len({tag for p in doc["interpreters"] for tag in p["A"] + p["B"] + p["C"]}) == 8
    assert event(1, seed=1) == doc


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_event_size_is_optimal_within_two_seconds(seed: int) -> None:
    doc = event(1, seed)
    started = time.monotonic()
    output = plan(doc)
    assert time.monotonic() - started < 2
    assert output["status"] == "optimal"
    check(doc, output)


def test_event_size_gives_the_same_roster_every_time() -> None:
    doc = event(1, seed=3)
    assert json.dumps(plan(doc)) == json.dumps(plan(doc))


def test_ten_times_the_event_is_optimal_within_a_minute() -> None:
    doc = event(10, seed=1)
    started = time.monotonic()
    output = plan(doc)
    assert time.monotonic() - started < 60
    assert output["status"] == "optimal"
    check(doc, output)


def test_time_limit_returns_the_best_roster_found_as_feasible() -> None:
    # Building and presolving this model alone takes longer than the limit, on any machine.
    doc = event(10, seed=2)
    started = time.monotonic()
    output = plan(doc, time_limit=0.5)
    assert time.monotonic() - started < 15
    assert output["status"] == "feasible"
    check(doc, output)

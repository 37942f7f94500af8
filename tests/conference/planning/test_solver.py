"""The shared CP-SAT runner: statuses, the empty fallback, bad models."""

from __future__ import annotations

import itertools

import pytest
from ortools.sat.python import cp_model

from conference.planning import solver

pytestmark = pytest.mark.unit


def weights(items: int) -> list[int]:
    return [(i * 7919) % 997 + 1 for i in range(items)]


def values(items: int) -> list[int]:
    return [(i * 104729) % 991 + 1 for i in range(items)]


def knapsack(items: int) -> tuple[cp_model.CpModel, list[cp_model.IntVar]]:
    model = cp_model.CpModel()
    take = [model.new_bool_var(f"x{i}") for i in range(items)]
    model.add(
        sum(w * x for w, x in zip(weights(items), take, strict=True)) <= sum(weights(items)) // 3
    )
    model.maximize(sum(v * x for v, x in zip(values(items), take, strict=True)))
    return model, take


def test_a_proved_optimum_is_optimal():
    model, take = knapsack(6)
    result = solver.solve(model)
    best = max(
        sum(v for v, keep in zip(values(6), mask, strict=True) if keep)
        for mask in itertools.product([False, True], repeat=6)
        if sum(w for w, keep in zip(weights(6), mask, strict=True) if keep) <= sum(weights(6)) // 3
    )
    assert (result.status, result.found) == ("optimal", True)
    assert result.solver.objective_value == best
    assert sum(v for v, x in zip(values(6), take, strict=True) if result.chosen(x)) == best


def test_a_search_stopped_by_the_time_limit_is_feasible_and_may_hold_no_solution():
    model, take = knapsack(3000)
    result = solver.solve(model, time_limit=0.001)
    assert result.status == "feasible"
    if not result.found:
        assert not any(result.chosen(x) for x in take)


def test_an_infeasible_model_is_a_planner_bug():
    model = cp_model.CpModel()
    x = model.new_bool_var("x")
    model.add(x == 1)
    model.add(x == 0)
    with pytest.raises(solver.ModelError):
        solver.solve(model)


def test_a_negative_time_limit_is_refused():
    with pytest.raises(ValueError, match="must not be negative"):
        solver.solve(cp_model.CpModel(), time_limit=-1)


def test_parameters_are_passed_to_cp_sat_by_name():
    model, _ = knapsack(4)
    result = solver.solve(model, cp_model_presolve=False, random_seed=3)
    assert result.solver.parameters.cp_model_presolve is False
    assert result.solver.parameters.random_seed == 3
    assert result.solver.parameters.num_workers == 1

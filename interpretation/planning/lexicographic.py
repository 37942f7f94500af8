"""Lexicographic optimisation with CP-SAT: solve, fix the bound, re-solve with a hint."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

# One worker with a fixed seed gives the same answer on every run for the same input; a
# parallel portfolio breaks ties differently from run to run. Past a few thousand
# variables a single worker gets slow, so big models take both cores of the small shared
# machine: core-based search proves the bounds of these weighted sums of Booleans quickly
# and the LP worker finds good rosters (an event ten times the contract's size: about
# 15 s, where the default pair of workers left it unproved after a minute). Probing, the
# costliest part of presolve on these models, took seconds and gained nothing here.
SINGLE_WORKER_UP_TO = 2_500  # variables; the contract's event size has under 1,000
SUBSOLVERS = ("core", "default_lp")
SEED = 7


@dataclass(frozen=True)
class Outcome:
    """The best solution found (variable index -> value; None: none) and the stages proved."""

    values: dict[int, int] | None
    proved: int


def maximise_in_order(
    model: cp_model.CpModel,
    objectives: Sequence[cp_model.LinearExprT],
    variables: Sequence[cp_model.IntVar],
    time_limit: float,
    must_prove: int | None = None,
) -> Outcome:
    """Maximise each objective in turn, holding the earlier ones at their proved optimum.

    Stops at the first objective the time limit leaves unproved, keeping the best solution
    found so far: it stays valid because later stages only add constraints. Once the first
    ``must_prove`` objectives are proved, the later ones get no more time than the proofs
    took (at least a second), so that polishing never costs more than the answer itself.
    """
    started = time.monotonic()
    deadline = started + time_limit
    values: dict[int, int] | None = None
    proved = 0
    for objective in objectives:
        now = time.monotonic()
        if must_prove is not None and proved >= must_prove:
            deadline = min(deadline, now + max(1.0, now - started))
        if deadline <= now:
            break
        model.maximize(objective)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = deadline - now
        _configure(solver, len(variables))
        status = solver.solve(model)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            values = {var.index: int(solver.value(var)) for var in variables}
        if status != cp_model.OPTIMAL:
            break
        proved += 1
        model.add(objective >= round(solver.objective_value))
        model.clear_hints()
        for var in variables:
            model.add_hint(var, solver.value(var))
    return Outcome(values, proved)


def _configure(solver: cp_model.CpSolver, variables: int) -> None:
    parameters = solver.parameters
    parameters.random_seed = SEED
    parameters.cp_model_probing_level = 0
    if variables <= SINGLE_WORKER_UP_TO:
        parameters.num_workers = 1
        parameters.optimize_with_core = True
    else:
        parameters.num_workers = 2
        parameters.subsolvers.extend(SUBSOLVERS)

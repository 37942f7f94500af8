"""Running CP-SAT the same way for every planner: one worker, an optional time limit, spec statuses.

One search worker with a fixed seed makes a run reproducible when no time limit
cuts it short, so the same input gives the same plan on the web page and the
command line. Every planner here builds models in which choosing nothing is
allowed, so "no solution yet" can always fall back to the empty plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ortools.sat.python import cp_model

Status = Literal["optimal", "feasible"]


class ModelError(RuntimeError):
    """CP-SAT found the model invalid or infeasible: a bug in the planner, not in the input."""


@dataclass(frozen=True)
class Solved:
    """The outcome of one search."""

    status: Status
    found: bool
    """False when the time limit stopped the search before any solution."""
    solver: cp_model.CpSolver

    def chosen(self, literal: cp_model.IntVar) -> bool:
        """Whether a boolean is true in the best solution (false when none was found)."""
        return self.found and bool(self.solver.boolean_value(literal))


def settings(solver: cp_model.CpSolver, time_limit: float | None = None) -> None:
    """Apply the shared parameters: one deterministic worker, fixed seed, optional wall-time limit."""
    if time_limit is not None and time_limit < 0:
        raise ValueError(f"time limit must not be negative, got {time_limit}")
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    if time_limit is not None:
        solver.parameters.max_time_in_seconds = time_limit


def solve(model: cp_model.CpModel, time_limit: float | None = None, **parameters: Any) -> Solved:
    """Solve ``model``; "optimal" only when the whole objective is proved optimal.

    ``parameters`` override CP-SAT parameters by name, e.g. ``cp_model_presolve=False``.
    """
    solver = cp_model.CpSolver()
    settings(solver, time_limit)
    for name, value in parameters.items():
        setattr(solver.parameters, name, value)
    code = solver.solve(model)
    if code == cp_model.OPTIMAL:
        return Solved("optimal", True, solver)
    if code == cp_model.FEASIBLE:
        return Solved("feasible", True, solver)
    if code == cp_model.UNKNOWN:
        return Solved("feasible", False, solver)
    raise ModelError(f"CP-SAT returned {solver.status_name(code)}")

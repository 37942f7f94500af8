"""The interpreter roster (`conference plan roster`): booths, teams, sources and turns.

docs/planning.md holds the contract ("The JSON contract", section 1) and explains the model.
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

from conference.planning.inputs import language_key, utc_z
from interpretation.planning.demand import booth_languages, served_by_floor
from interpretation.planning.lexicographic import maximise_in_order
from interpretation.planning.reasons import Explainer
from interpretation.planning.roster_input import RosterProblem, read_roster
from interpretation.planning.roster_model import OpenBooth, RosterModel
from interpretation.planning.turns import plan_turns

DEFAULT_TIME_LIMIT = 60.0


def plan(document: dict[str, Any], time_limit: float | None = None) -> dict[str, Any]:
    """Plan the roster for a roster document; raise InvalidInput listing every problem.

    ``time_limit`` (seconds, default 60) counts from the call, model building included.
    """
    started = time.monotonic()
    problem = read_roster(document)
    wanted = booth_languages(problem)
    model = RosterModel(problem, {sid: list(keys) for sid, keys in wanted.items()})
    limit = DEFAULT_TIME_LIMIT if time_limit is None else time_limit
    outcome = maximise_in_order(
        model.model,
        [model.served, -model.relays, -model.assignments],
        model.variables(),
        limit - (time.monotonic() - started),
        must_prove=2,
    )
    # Served listeners first, relays second: the contract's "optimal" needs both proved.
    optimal = outcome.proved >= 2
    return render(problem, wanted, model.roster(outcome.values), optimal)


def render(
    problem: RosterProblem,
    wanted: dict[str, dict[str, str]],
    roster: list[OpenBooth],
    optimal: bool,
) -> dict[str, Any]:
    """The output document of the contract for a solved roster."""
    order = {session.id: index for index, session in enumerate(problem.sessions)}
    roster = sorted(
        roster, key=lambda b: (order[b.session.id], list(wanted[b.session.id]).index(b.language))
    )
    opened: dict[str, set[str]] = defaultdict(set)
    for booth in roster:
        opened[booth.session.id].add(booth.language)
    sessions = {session.id: session for session in problem.sessions}
    explainer = Explainer(problem, wanted, roster, optimal)
    served, unserved = 0, []
    for group in problem.demand:
        if served_by_floor(sessions[group.session], group) or group.keys & opened[group.session]:
            served += group.listeners
            continue
        unserved.append(
            {
                "session": group.session,
                "languages": list(group.languages),
                "listeners": group.listeners,
                "reason": explainer.reason(group),
            }
        )
    return {
        "status": "optimal" if optimal else "feasible",
        "served_listeners": served,
        "unserved_listeners": sum(item["listeners"] for item in unserved),
        "relays": sum(1 for b in roster for pivot in b.sources.values() if pivot is not None),
        "booths": [_booth(problem, wanted, booth) for booth in roster],
        "unserved": unserved,
        "load": _load(problem, roster),
    }


def _booth(
    problem: RosterProblem, wanted: dict[str, dict[str, str]], booth: OpenBooth
) -> dict[str, Any]:
    session = booth.session
    spelling = wanted[session.id]
    sources = {}
    for tag in session.floor:
        key = language_key(tag)
        if key in booth.sources:
            pivot = booth.sources[key]
            sources[tag] = "direct" if pivot is None else f"relay:{spelling[pivot]}"
    members = [person.id for person in booth.interpreters]
    turns = plan_turns(session.start, session.end, members, problem.rules.max_turn_minutes)
    return {
        "session": session.id,
        "language": spelling[booth.language],
        "interpreters": members,
        "sources": sources,
        "turns": [
            {"interpreter": turn.interpreter, "start": utc_z(turn.start), "end": utc_z(turn.end)}
            for turn in turns
        ],
    }


def _minutes(seconds: int) -> int | float:
    return seconds // 60 if seconds % 60 == 0 else round(seconds / 60, 2)


def _load(problem: RosterProblem, roster: list[OpenBooth]) -> dict[str, dict[str, int | float]]:
    """Minutes per local calendar day, for each interpreter who works."""
    seconds: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for booth in roster:
        for person in booth.interpreters:
            day = person.local_date(booth.session.start).isoformat()
            seconds[person.id][day] += booth.session.seconds
    return {
        person.id: {day: _minutes(total) for day, total in sorted(seconds[person.id].items())}
        for person in problem.interpreters
        if person.id in seconds
    }

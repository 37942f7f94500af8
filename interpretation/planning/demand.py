"""Which booths could serve which listeners: the demand side of the roster."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from conference.planning.inputs import language_key
from interpretation.planning.roster_input import DemandGroup, RosterProblem, Session


def served_by_floor(session: Session, group: DemandGroup) -> bool:
    """The group follows the floor itself: it understands every floor language."""
    return session.floor_keys <= group.keys


def booth_languages(problem: RosterProblem) -> dict[str, dict[str, str]]:
    """Per session, the languages worth a booth (key -> spelling), wanted ones first.

    Wanted: some group there that the floor does not serve understands it. Otherwise a
    booth can only help as a relay pivot, so it is a candidate only when someone works
    into it from the floor and someone works from it into a wanted language. A floor
    language gets a booth only when the floor has more than one language.
    """
    found: dict[str, dict[str, str]] = {session.id: {} for session in problem.sessions}
    sessions = {session.id: session for session in problem.sessions}
    for group in problem.demand:
        session = sessions[group.session]
        if served_by_floor(session, group):
            continue
        for tag in group.languages:
            key = language_key(tag)
            if len(session.floor) == 1 and key in session.floor_keys:
                continue
            found[session.id].setdefault(key, tag)
    spoken: dict[str, str] = {}
    for person in problem.interpreters:
        for tag in person.tags:
            spoken.setdefault(language_key(tag), tag)
    for session in problem.sessions:
        wanted = found[session.id]
        if not wanted:
            continue
        for key, tag in spoken.items():
            if key in wanted or (len(session.floor) == 1 and key in session.floor_keys):
                continue
            into = any(p.works(f, key) for p in problem.interpreters for f in session.floor_keys)
            onward = any(p.works(key, t) for p in problem.interpreters for t in wanted)
            if into and onward:
                wanted[key] = tag
    return found


@dataclass(frozen=True)
class Audience:
    """Listeners of one session who are served as soon as any of ``booths`` opens."""

    session: str
    booths: frozenset[str]
    listeners: int


def audiences(problem: RosterProblem, booths: Mapping[str, Iterable[str]]) -> list[Audience]:
    """Groups not served by the floor, merged when they wait for the same booths."""
    sessions = {session.id: session for session in problem.sessions}
    merged: dict[tuple[str, frozenset[str]], int] = {}
    for group in problem.demand:
        if served_by_floor(sessions[group.session], group):
            continue
        reachable = group.keys & frozenset(booths[group.session])
        if reachable:
            key = (group.session, reachable)
            merged[key] = merged.get(key, 0) + group.listeners
    return [Audience(session, keys, listeners) for (session, keys), listeners in merged.items()]

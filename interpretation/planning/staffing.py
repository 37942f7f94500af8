"""Who may sit in which booth of a session, and from which sources that booth may work.

A sign-language booth's output is a picture, not a voice, so no booth takes relay from it;
it may itself take relay from a spoken booth (it hears the pivot's voice).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from conference.domain.sign_languages import is_sign_language
from interpretation.planning.roster_input import Interpreter, Session


@dataclass(frozen=True)
class BoothOptions:
    """A booth that can open: its possible members and sources, one entry per floor language."""

    language: str  # key
    team: int
    members: tuple[Interpreter, ...]
    direct: frozenset[str]  # floor languages it can take directly
    relays: dict[str, tuple[str, ...]]  # floor language -> booths it can take it from

    def sources(self, floor: str) -> tuple[str | None, ...]:
        """The possible sources of one floor language: ``None`` for direct, else a relay booth."""
        first: tuple[str | None, ...] = (None,) if floor in self.direct else ()
        return first + self.relays.get(floor, ())


def _count(members: Iterable[Interpreter], source: str, target: str) -> int:
    return sum(1 for member in members if member.works(source, target))


def session_booths(
    session: Session, languages: Sequence[str], pool: Sequence[Interpreter], team: int
) -> dict[str, BoothOptions]:
    """The booths among ``languages`` (keys) that ``pool`` can staff with teams of ``team``.

    Starts from everyone and drops members, direct sources, relays and booths that cannot
    work, until nothing changes: a relay needs a pivot booth that can open and take the
    floor language directly, and each member must handle every floor language one way.
    """
    floor = session.floor_keys
    members = {target: tuple(pool) for target in languages}
    while True:
        direct = {
            target: frozenset(
                source for source in floor - {target} if _count(team_of, source, target) >= team
            )
            for target, team_of in members.items()
        }
        relays = {
            target: {
                source: tuple(
                    pivot
                    for pivot in members
                    if pivot not in (target, source)
                    and not is_sign_language(pivot)
                    and source in direct[pivot]
                    and _count(team_of, pivot, target) >= team
                )
                for source in floor - {target}
            }
            for target, team_of in members.items()
        }
        narrowed = {}
        for target, team_of in members.items():
            kept = tuple(
                member
                for member in team_of
                if all(
                    (source in direct[target] and member.works(source, target))
                    or any(member.works(pivot, target) for pivot in relays[target][source])
                    for source in floor - {target}
                )
            )
            covered = all(
                source in direct[target] or relays[target][source] for source in floor - {target}
            )
            if len(kept) >= team and covered:
                narrowed[target] = kept
        if narrowed == members:
            return {
                target: BoothOptions(
                    target,
                    team,
                    team_of,
                    direct[target],
                    {source: pivots for source, pivots in relays[target].items() if pivots},
                )
                for target, team_of in members.items()
            }
        members = narrowed

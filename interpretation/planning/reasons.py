"""Why a demand group stays unserved, in a sentence an organiser understands."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import IntEnum

from conference.planning.inputs import language_key
from interpretation.planning.roster_input import DemandGroup, Interpreter, RosterProblem, Session
from interpretation.planning.roster_model import OpenBooth
from interpretation.planning.staffing import BoothOptions, session_booths


def spoken_list(items: Sequence[str], conjunction: str = "or") -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def _people(count: int) -> str:
    return "1 interpreter" if count == 1 else f"{count} interpreters"


class Blocked(IntEnum):
    """How far a booth got before too few people were left, in the order tested."""

    NOBODY_QUALIFIES = 0
    TOO_FEW_QUALIFY = 1
    UNAVAILABLE = 2
    BUSY = 3
    DAILY_LIMIT = 4
    NOT_BY_PEOPLE = 5  # enough people pass every test: the sources or the solver stopped it


@dataclass(frozen=True)
class _Pools:
    """The interpreters left for one booth language after each test, narrowest last."""

    language: str
    qualified: tuple[Interpreter, ...]
    available: tuple[Interpreter, ...]
    free: tuple[Interpreter, ...]
    within_limit: tuple[Interpreter, ...]

    def stage(self, team: int) -> Blocked:
        if not self.qualified:
            return Blocked.NOBODY_QUALIFIES
        pools = (self.qualified, self.available, self.free, self.within_limit)
        return Blocked(next((k for k, pool in enumerate(pools) if len(pool) < team), 4) + 1)


class Explainer:
    """Explains unserved groups against the solved roster."""

    def __init__(
        self,
        problem: RosterProblem,
        wanted: dict[str, dict[str, str]],
        roster: Sequence[OpenBooth],
        optimal: bool,
    ) -> None:
        self.problem = problem
        self.wanted = wanted
        self.optimal = optimal
        self.sessions = {session.id: session for session in problem.sessions}
        self.qualified: dict[str, dict[str, BoothOptions]] = {}
        self.worked: dict[str, list[Session]] = defaultdict(list)
        for booth in roster:
            for person in booth.interpreters:
                self.worked[person.id].append(booth.session)
        self.loads: dict[tuple[str, date], int] = defaultdict(int)
        for person in problem.interpreters:
            for session in self.worked[person.id]:
                self.loads[person.id, person.local_date(session.start)] += session.seconds

    def reason(self, group: DemandGroup) -> str:
        session = self.sessions[group.session]
        team = self.problem.team_size(session)
        wanted = self.wanted[session.id]
        targets = [key for key in wanted if key in group.keys]
        if group.listeners == 0:
            return "the group has no listeners, so no booth was opened for it"
        qualified = self._qualified(session)
        pools = [
            self._pools(session, key, qualified[key].members) for key in targets if key in qualified
        ]
        best = max((pool.stage(team) for pool in pools), default=Blocked.NOBODY_QUALIFIES)
        reached = [pool.language for pool in pools if pool.stage(team) == best] or targets
        names = spoken_list([wanted[key] for key in reached])
        sources = [tag for tag in session.floor if language_key(tag) not in reached]
        into = f"into {names} from {spoken_list(sources or list(session.floor), 'and')}"
        if best == Blocked.NOBODY_QUALIFIES:
            return f"no interpreter works {into}"
        if best == Blocked.TOO_FEW_QUALIFY:
            most = max(len(pool.qualified) for pool in pools)
            return (
                f"a team of {team} is needed for this {session.minutes:g}-minute session, "
                f"but only {_people(most)} {'works' if most == 1 else 'work'} {into}"
            )
        if best == Blocked.UNAVAILABLE:
            most = max(len(pool.available) for pool in pools if pool.stage(team) == best)
            if most == 0:
                return f"the interpreters who work {into} are not available at that time"
            return (
                f"a team of {team} is needed, but of the interpreters who work {into} "
                f"only {most} {'is' if most == 1 else 'are'} available at that time"
            )
        if best == Blocked.BUSY:
            gap = self.problem.rules.min_break_minutes
            pause = f", or would get less than their {gap:g}-minute break" if gap else ""
            return (
                f"the interpreters who work {into} are busy in other booths or sessions "
                f"at that time{pause}"
            )
        if best == Blocked.DAILY_LIMIT:
            return (
                f"the interpreters who work {into} and are free at that time would go over "
                f"their daily limit"
            )
        if not self.optimal:
            return f"the time limit stopped the planner before it staffed a booth for {names}"
        ready = [(pool.language, person) for pool in pools for person in pool.within_limit]
        if not any(
            all(person.works(floor, key) for floor in session.floor_keys - {key})
            for key, person in ready
        ):
            pivots = {p for key in reached for ps in qualified[key].relays.values() for p in ps}
            through = spoken_list([wanted[p] for p in wanted if p in pivots])
            return (
                f"the interpreters free to work into {names} need a relay from {through}, "
                f"and no booth for {through} could be staffed as well"
            )
        return (
            f"the free interpreters who work {into} cannot form a team of {team} "
            f"that works from one source (the floor, or a relay booth that is open)"
        )

    def _qualified(self, session: Session) -> dict[str, BoothOptions]:
        """Per booth language, who could work in it by their languages alone."""
        if session.id not in self.qualified:
            # Teams of one, so that the people who qualify are counted even when too few.
            self.qualified[session.id] = session_booths(
                session, list(self.wanted[session.id]), self.problem.interpreters, 1
            )
        return self.qualified[session.id]

    def _pools(self, session: Session, language: str, qualified: Sequence[Interpreter]) -> _Pools:
        available = tuple(person for person in qualified if person.is_available(session))
        pause = self.problem.min_break
        free = tuple(
            person
            for person in available
            if not any(
                other.id == session.id or other.clashes(session, pause)
                for other in self.worked[person.id]
            )
        )
        within = tuple(
            person
            for person in free
            if self.loads[person.id, person.local_date(session.start)] + session.seconds
            <= self.problem.daily_limit_seconds(person)
        )
        return _Pools(language, tuple(qualified), available, free, within)

"""The roster as a CP-SAT model: booths, seats, sources, and the three objectives."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from ortools.sat.python import cp_model

from interpretation.planning.demand import audiences
from interpretation.planning.roster_input import Interpreter, RosterProblem, Session
from interpretation.planning.staffing import BoothOptions, session_booths


@dataclass(frozen=True)
class OpenBooth:
    """A booth of the solved roster; ``sources`` maps each floor language to a pivot or None."""

    session: Session
    language: str  # key
    interpreters: tuple[Interpreter, ...]
    sources: dict[str, str | None]


@dataclass
class _Booth:
    session: Session
    options: BoothOptions
    open: cp_model.IntVar
    seats: dict[str, cp_model.IntVar] = field(default_factory=dict)  # interpreter id -> seat
    sources: dict[str, dict[str | None, cp_model.IntVar]] = field(default_factory=dict)


class RosterModel:
    """Variables and constraints 1-5 of the spec, with the objectives as linear expressions."""

    def __init__(self, problem: RosterProblem, wanted: dict[str, Sequence[str]]) -> None:
        self.problem = problem
        self.model = cp_model.CpModel()
        self.booths: dict[tuple[str, str], _Booth] = {}
        for session in problem.sessions:
            self._add_booths(session, wanted[session.id])
        for booth in self.booths.values():
            self._add_source_choices(booth)
        for booth in self.booths.values():
            self._add_source_rules(booth)
        seats = self._seats_by_interpreter()
        self._add_conflicts(seats)
        self._add_daily_limits(seats)
        self.served = self._served()
        relays = [
            var
            for booth in self.booths.values()
            for choices in booth.sources.values()
            for pivot, var in choices.items()
            if pivot is not None
        ]
        self.relays = cp_model.LinearExpr.sum(relays)
        # Every open booth seats exactly its team and nobody sits in two booths of one
        # session, so the interpreter assignments are the team sizes of the open booths.
        booths = list(self.booths.values())
        self.assignments = cp_model.LinearExpr.weighted_sum(
            [booth.open for booth in booths], [booth.options.team for booth in booths]
        )

    def variables(self) -> list[cp_model.IntVar]:
        """Every decision variable, so a solution can be read back or hinted."""
        found: list[cp_model.IntVar] = []
        for booth in self.booths.values():
            found.append(booth.open)
            found.extend(booth.seats.values())
            found.extend(var for choices in booth.sources.values() for var in choices.values())
        return found

    def _add_booths(self, session: Session, languages: Sequence[str]) -> None:
        """Constraint 1, and 4-5 where they rule a person out of a session altogether."""
        problem = self.problem
        pool = [
            person
            for person in problem.interpreters
            if person.is_available(session)
            and problem.daily_limit_seconds(person) >= session.seconds
        ]
        options = session_booths(session, languages, pool, problem.team_size(session))
        for language, booth_options in options.items():
            name = f"{session.id}/{language}"
            booth = _Booth(session, booth_options, self.model.new_bool_var(f"open {name}"))
            for person in booth_options.members:
                booth.seats[person.id] = self.model.new_bool_var(f"{person.id} in {name}")
            self.model.add(sum(booth.seats.values()) == booth_options.team * booth.open)
            self.booths[session.id, language] = booth

    def _add_source_choices(self, booth: _Booth) -> None:
        """Constraint 2: an open booth has one source per floor language other than its own."""
        model, target, session = self.model, booth.options.language, booth.session
        for floor in sorted(session.floor_keys - {target}):
            choices = {
                pivot: model.new_bool_var(f"{session.id}/{target} from {floor} via {pivot}")
                for pivot in booth.options.sources(floor)
            }
            booth.sources[floor] = choices
            model.add(sum(choices.values()) == booth.open)

    def _add_source_rules(self, booth: _Booth) -> None:
        """Constraint 2: a relay's pivot takes the floor directly; every member can work."""
        model, target, session = self.model, booth.options.language, booth.session
        for floor, choices in booth.sources.items():
            for pivot, chosen in choices.items():
                if pivot is not None:
                    # No relay of a relay: the pivot booth takes this floor language directly.
                    pivot_direct = self.booths[session.id, pivot].sources[floor][None]
                    model.add_implication(chosen, pivot_direct)
            # A member needs one of the sources they can work from. One clause per member
            # rather than one per member and unusable source: the model stays several
            # times smaller when many relays are possible, and presolve far quicker.
            for person in booth.options.members:
                usable = [
                    chosen
                    for pivot, chosen in choices.items()
                    if person.works(floor if pivot is None else pivot, target)
                ]
                if len(usable) < len(choices):
                    model.add_bool_or([~booth.seats[person.id], *usable])

    def _seats_by_interpreter(self) -> dict[str, dict[str, list[cp_model.IntVar]]]:
        seats: dict[str, dict[str, list[cp_model.IntVar]]] = defaultdict(lambda: defaultdict(list))
        for (session_id, _), booth in self.booths.items():
            for person_id, seat in booth.seats.items():
                seats[person_id][session_id].append(seat)
        return seats

    def _add_conflicts(self, seats: dict[str, dict[str, list[cp_model.IntVar]]]) -> None:
        """Constraint 3: one booth per session, no overlap, and the minimum break between."""
        pause = self.problem.min_break
        sessions = sorted(self.problem.sessions, key=lambda session: session.start)
        # Sessions stretched by the break form an interval graph, whose maximal cliques are
        # the sessions running at some start time: one at-most-one per start time suffices.
        starts = sorted({session.start for session in sessions})
        cliques = [[s.id for s in sessions if s.start <= at < s.end + pause] for at in starts]
        for by_session in seats.values():
            previous: set[int] = set()
            for clique in cliques:
                chosen = [seat for sid in clique for seat in by_session.get(sid, ())]
                indices = {seat.index for seat in chosen}
                # Consecutive start times often give the same clique: state it once.
                if len(chosen) > 1 and indices != previous:
                    self.model.add_at_most_one(chosen)
                previous = indices

    def _add_daily_limits(self, seats: dict[str, dict[str, list[cp_model.IntVar]]]) -> None:
        """Constraint 4: minutes per local calendar day of the interpreter."""
        people = {person.id: person for person in self.problem.interpreters}
        sessions = {session.id: session for session in self.problem.sessions}
        for person_id, by_session in seats.items():
            person = people[person_id]
            days: dict[date, list[str]] = defaultdict(list)
            for session_id in by_session:
                days[person.local_date(sessions[session_id].start)].append(session_id)
            limit = self.problem.daily_limit_seconds(person)
            for day in days.values():
                if sum(sessions[sid].seconds for sid in day) <= limit:
                    continue
                day_seats = [seat for sid in day for seat in by_session[sid]]
                lengths = [sessions[sid].seconds for sid in day for _ in by_session[sid]]
                self.model.add(cp_model.LinearExpr.weighted_sum(day_seats, lengths) <= limit)

    def _served(self) -> cp_model.LinearExpr:
        """Listeners served by booths (those the floor serves are a constant, left out)."""
        open_by_session: dict[str, dict[str, cp_model.IntVar]] = defaultdict(dict)
        for (session_id, language), booth in self.booths.items():
            open_by_session[session_id][language] = booth.open
        flags, weights = [], []
        for audience in audiences(self.problem, open_by_session):
            if audience.listeners == 0:
                continue
            served = self.model.new_bool_var(f"served {audience.session} {sorted(audience.booths)}")
            opened = open_by_session[audience.session]
            self.model.add_bool_or([~served, *(opened[t] for t in sorted(audience.booths))])
            flags.append(served)
            weights.append(audience.listeners)
        return cp_model.LinearExpr.weighted_sum(flags, weights)

    def roster(self, values: dict[int, int] | None) -> list[OpenBooth]:
        """The open booths of a solution given as variable index -> value (None: all closed)."""
        if values is None:
            return []
        found = []
        for booth in self.booths.values():
            if not values[booth.open.index]:
                continue
            members = tuple(
                person for person in booth.options.members if values[booth.seats[person.id].index]
            )
            sources = {
                floor: next(pivot for pivot, var in choices.items() if values[var.index])
                for floor, choices in booth.sources.items()
            }
            found.append(OpenBooth(booth.session, booth.options.language, members, sources))
        return found

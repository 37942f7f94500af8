"""The roster planner's input (docs/planning.md, "The JSON contract", section 1), read into frozen dataclasses."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from conference.planning.inputs import InvalidInput, Reader, child, language_key


@dataclass(frozen=True)
class TeamRule:
    """Sessions up to ``up_to_minutes`` long (``None``: any length) need this many interpreters."""

    up_to_minutes: float | None
    interpreters: int


DEFAULT_TEAM = (
    TeamRule(40, 1),
    TeamRule(240, 2),
    TeamRule(360, 3),
    TeamRule(None, 4),
)


@dataclass(frozen=True)
class Rules:
    max_turn_minutes: float = 30
    team: tuple[TeamRule, ...] = DEFAULT_TEAM
    max_minutes_per_day: float = 360
    min_break_minutes: float = 0

    def team_size(self, minutes: float) -> int | None:
        """Interpreters per booth for a session of that length; ``None`` when no rule covers it."""
        for rule in self.team:
            if rule.up_to_minutes is None or rule.up_to_minutes >= minutes:
                return rule.interpreters
        return None


@dataclass(frozen=True)
class Session:
    id: str
    start: datetime
    end: datetime
    floor: tuple[str, ...]  # as given, without repeats

    @property
    def seconds(self) -> int:
        return int((self.end - self.start).total_seconds())

    @property
    def minutes(self) -> float:
        return self.seconds / 60

    @property
    def floor_keys(self) -> frozenset[str]:
        return frozenset(language_key(tag) for tag in self.floor)

    def clashes(self, other: Session, pause: timedelta) -> bool:
        """The sessions overlap, or leave less than ``pause`` between them."""
        first, second = (self, other) if self.start <= other.start else (other, self)
        return second.start < first.end + pause


@dataclass(frozen=True)
class DemandGroup:
    session: str
    languages: tuple[str, ...]
    listeners: int

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(language_key(tag) for tag in self.languages)


@dataclass(frozen=True)
class Interpreter:
    id: str
    a: frozenset[str]  # language keys
    b: frozenset[str]
    c: frozenset[str]
    timezone: ZoneInfo
    available: tuple[tuple[datetime, datetime], ...] | None  # None: always
    max_minutes_per_day: float | None  # None: the rule's
    tags: tuple[str, ...] = ()  # A, B and C as given, for spelling them in the output

    def works(self, source: str, target: str) -> bool:
        """Can work into ``target`` from ``source`` (keys): A from anything known, B from A."""
        if source == target:
            return False
        if target in self.a:
            return source in self.a or source in self.b or source in self.c
        return target in self.b and source in self.a

    def is_available(self, session: Session) -> bool:
        if self.available is None:
            return True
        return any(start <= session.start and session.end <= end for start, end in self.available)

    def local_date(self, moment: datetime) -> date:
        """The calendar day ``moment`` falls on where the interpreter lives."""
        return moment.astimezone(self.timezone).date()


@dataclass(frozen=True)
class RosterProblem:
    rules: Rules
    sessions: tuple[Session, ...]
    demand: tuple[DemandGroup, ...]
    interpreters: tuple[Interpreter, ...]

    def team_size(self, session: Session) -> int:
        size = self.rules.team_size(session.minutes)
        assert size is not None  # the reader rejects sessions no rule covers
        return size

    @property
    def min_break(self) -> timedelta:
        return timedelta(minutes=self.rules.min_break_minutes)

    def daily_limit_seconds(self, interpreter: Interpreter) -> int:
        minutes = interpreter.max_minutes_per_day
        if minutes is None:
            minutes = self.rules.max_minutes_per_day
        return math.floor(minutes * 60 + 1e-9)


def read_roster(document: dict[str, Any]) -> RosterProblem:
    """Validate a whole roster document; raise InvalidInput listing every problem."""
    if not isinstance(document, dict):
        raise InvalidInput(["(document): must be a JSON object"])
    reader = Reader()
    rules = _read_rules(reader, document)
    known: set[str] = set()
    sessions = _read_sessions(reader, document, rules, known)
    demand = _read_demand(reader, document, known)
    interpreters = _read_interpreters(reader, document)
    reader.check()
    return RosterProblem(rules, tuple(sessions), tuple(demand), tuple(interpreters))


def _read_rules(reader: Reader, document: dict[str, Any]) -> Rules:
    given = reader.mapping(document, "rules", required=False)
    defaults = Rules()
    team = defaults.team
    if given.get("team") is not None:
        rules = []
        for path, item in reader.objects(given, "team", "rules"):
            up_to = reader.number(item, "up_to_minutes", path, required=False)
            size = reader.integer(item, "interpreters", path, positive=True)
            if size is not None:
                rules.append(TeamRule(up_to, size))
        team = tuple(rules)
        if given["team"] == []:
            reader.problem("rules.team", "must have at least one entry")
    turn = reader.number(
        given, "max_turn_minutes", "rules", False, defaults.max_turn_minutes, positive=True
    )
    daily = reader.number(
        given, "max_minutes_per_day", "rules", False, defaults.max_minutes_per_day
    )
    pause = reader.number(
        given, "min_break_minutes", "rules", required=False, default=defaults.min_break_minutes
    )
    return Rules(
        max_turn_minutes=defaults.max_turn_minutes if turn is None else turn,
        team=team,
        max_minutes_per_day=defaults.max_minutes_per_day if daily is None else daily,
        min_break_minutes=defaults.min_break_minutes if pause is None else pause,
    )


def _identified(reader: Reader, items: list[tuple[str, dict[str, Any]]]) -> list[str | None]:
    """Each item's id, or ``None`` where it is missing or malformed (the reader reports it)."""
    reader.unique_ids(items)
    ids: list[str | None] = []
    for _, item in items:
        value = item.get("id")
        valid = isinstance(value, str | int) and not isinstance(value, bool) and str(value) != ""
        ids.append(str(value) if valid else None)
    return ids


def _distinct(tags: list[str]) -> tuple[str, ...]:
    """Tags without case-insensitive repeats, first spelling kept."""
    seen: dict[str, str] = {}
    for tag in tags:
        seen.setdefault(language_key(tag), tag)
    return tuple(seen.values())


def _read_sessions(
    reader: Reader, document: dict[str, Any], rules: Rules, known: set[str]
) -> list[Session]:
    """The sessions; ``known`` collects every id given, so that a demand group on a
    session with a bad time is not also reported as pointing nowhere."""
    items = reader.objects(document, "sessions")
    sessions = []
    ids = _identified(reader, items)
    known.update(ident for ident in ids if ident is not None)
    for ident, (path, item) in zip(ids, items, strict=True):
        span = reader.window(item, path)
        floor = _distinct(reader.languages(item, "floor", path))
        if "floor" in item and isinstance(item["floor"], list) and not item["floor"]:
            reader.problem(child(path, "floor"), "must list at least one language")
        if span is None or ident is None or not floor:
            continue
        session = Session(ident, span[0], span[1], floor)
        if rules.team and rules.team_size(session.minutes) is None:
            reader.problem(
                path, f"lasts {session.minutes:g} minutes, longer than any rules.team entry covers"
            )
        sessions.append(session)
    return sessions


def _read_demand(reader: Reader, document: dict[str, Any], known: set[str]) -> list[DemandGroup]:
    groups = []
    for path, item in reader.objects(document, "demand", required=False):
        session = reader.reference(item.get("session"), child(path, "session"), known, "session")
        languages = _distinct(reader.languages(item, "languages", path))
        if isinstance(item.get("languages"), list) and not item["languages"]:
            reader.problem(child(path, "languages"), "must list at least one language")
        listeners = reader.integer(item, "listeners", path)
        if session is not None and languages and listeners is not None:
            groups.append(DemandGroup(session, languages, listeners))
    return groups


def _read_interpreters(reader: Reader, document: dict[str, Any]) -> list[Interpreter]:
    items = reader.objects(document, "interpreters")
    interpreters = []
    for ident, (path, item) in zip(_identified(reader, items), items, strict=True):
        given = [reader.languages(item, key, path, False) for key in ("A", "B", "C")]
        a, b, c = (frozenset(language_key(tag) for tag in tags) for tags in given)
        zone = reader.timezone(item, "timezone", path)
        windows = reader.windows(item, "available", path)
        daily = reader.number(item, "max_minutes_per_day", path, required=False)
        if ident is None:
            continue
        available = None if windows is None else tuple(windows)
        tags = _distinct([tag for tags in given for tag in tags])
        interpreters.append(Interpreter(ident, a, b, c, zone, available, daily, tags))
    return interpreters

"""An independent reading of the roster contract: a checker and a brute-force optimiser.

Written from specs/planning.md alone, without the planner's code, so that the tests
compare two readings of the contract rather than the planner with itself.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from conference.planning.inputs import language_key

TEAM = [(40, 1), (240, 2), (360, 3), (None, 4)]


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def low(tags: list[str]) -> set[str]:
    return {key(tag) for tag in tags}


def key(tag: str) -> str:
    """Tags compare case-insensitively, and a sign language's spellings (sgn-US, ase) are one."""
    return language_key(tag)


@dataclass
class Case:
    """The input, read plainly."""

    document: dict[str, Any]

    @property
    def rules(self) -> dict[str, Any]:
        return self.document.get("rules") or {}

    @property
    def sessions(self) -> dict[str, dict[str, Any]]:
        return {s["id"]: s for s in self.document["sessions"]}

    @property
    def people(self) -> dict[str, dict[str, Any]]:
        return {p["id"]: p for p in self.document["interpreters"]}

    def minutes(self, sid: str) -> float:
        s = self.sessions[sid]
        return (when(s["end"]) - when(s["start"])).total_seconds() / 60

    def team(self, sid: str) -> int:
        rules = [(r.get("up_to_minutes"), r["interpreters"]) for r in self.rules.get("team", [])]
        for up_to, size in rules or TEAM:
            if up_to is None or up_to >= self.minutes(sid):
                return size
        raise AssertionError("no team rule")

    def works(self, pid: str, source: str, target: str) -> bool:
        p = self.people[pid]
        a, b, c = low(p.get("A", [])), low(p.get("B", [])), low(p.get("C", []))
        source, target = key(source), key(target)
        if source == target:
            return False
        return (target in a and source in a | b | c) or (target in b and source in a)

    def available(self, pid: str, sid: str) -> bool:
        windows = self.people[pid].get("available")
        if windows is None:
            return True
        s = self.sessions[sid]
        return any(
            when(w["start"]) <= when(s["start"]) and when(s["end"]) <= when(w["end"])
            for w in windows
        )

    def day(self, pid: str, sid: str) -> str:
        zone = ZoneInfo(self.people[pid].get("timezone") or "UTC")
        return when(self.sessions[sid]["start"]).astimezone(zone).date().isoformat()

    def limit(self, pid: str) -> float:
        own = self.people[pid].get("max_minutes_per_day")
        return own if own is not None else self.rules.get("max_minutes_per_day", 360)

    def clash(self, first: str, second: str) -> bool:
        a, b = self.sessions[first], self.sessions[second]
        pause = timedelta(minutes=self.rules.get("min_break_minutes", 0))
        if when(a["start"]) > when(b["start"]):
            a, b = b, a
        return when(b["start"]) < when(a["end"]) + pause

    def served(self, group: dict[str, Any], open_languages: set[str]) -> bool:
        floor = low(self.sessions[group["session"]]["floor"])
        return floor <= low(group["languages"]) or bool(low(group["languages"]) & open_languages)


def check(document: dict[str, Any], output: dict[str, Any]) -> None:
    """Assert that ``output`` keeps every rule of the contract for ``document``."""
    case = Case(document)
    assert output["status"] in ("optimal", "feasible")
    booths = output["booths"]
    by_key = {(b["session"], key(b["language"])): b for b in booths}
    assert len(by_key) == len(booths), "one booth per session and language"
    worked: dict[str, list[str]] = defaultdict(list)
    for booth in booths:
        sid, target = booth["session"], key(booth["language"])
        floor = case.sessions[sid]["floor"]
        members = booth["interpreters"]
        # 1. team size, no booth for the only floor language
        assert len(members) == case.team(sid), booth
        assert len(set(members)) == len(members)
        assert low(floor) != {target}, booth
        # 2. one source per other floor language
        assert {key(f) for f in booth["sources"]} == low(floor) - {target}, booth
        for f, source in booth["sources"].items():
            if source == "direct":
                assert all(case.works(pid, f, target) for pid in members), booth
            else:
                assert source.startswith("relay:")
                pivot = key(source.removeprefix("relay:"))
                assert pivot not in (target, key(f)), booth
                other = by_key[sid, pivot]
                pivot_source = {key(k): v for k, v in other["sources"].items()}[key(f)]
                assert pivot_source == "direct", "no relay of a relay"
                assert all(case.works(pid, pivot, target) for pid in members), booth
        for pid in members:
            assert case.available(pid, sid), (pid, sid)  # 5.
            worked[pid].append(sid)
        check_turns(case, booth)
    # 3. one booth per session, no clash
    for pid, sids in worked.items():
        assert len(sids) == len(set(sids)), (pid, sids)
        for first, second in itertools.combinations(sids, 2):
            assert not case.clash(first, second), (pid, first, second)
    # 4. daily limits, and the load as reported
    load: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for pid, sids in worked.items():
        for sid in sids:
            load[pid][case.day(pid, sid)] += case.minutes(sid)
        for minutes in load[pid].values():
            assert minutes <= case.limit(pid) + 1e-9, (pid, dict(load[pid]))
    assert output["load"] == {pid: dict(days) for pid, days in load.items()}
    # the demand side, recounted
    opened: dict[str, set[str]] = defaultdict(set)
    for sid, target in by_key:
        opened[sid].add(target)
    demand = document.get("demand", [])
    served = [g for g in demand if case.served(g, opened[g["session"]])]
    unserved = [g for g in demand if not case.served(g, opened[g["session"]])]
    assert output["served_listeners"] == sum(g["listeners"] for g in served)
    assert output["unserved_listeners"] == sum(g["listeners"] for g in unserved)
    assert [(u["session"], u["languages"], u["listeners"]) for u in output["unserved"]] == [
        (g["session"], g["languages"], g["listeners"]) for g in unserved
    ]
    assert all(u["reason"] for u in output["unserved"])
    relays = sum(1 for b in booths for s in b["sources"].values() if s != "direct")
    assert output["relays"] == relays


def check_turns(case: Case, booth: dict[str, Any]) -> None:
    s = case.sessions[booth["session"]]
    turns = booth["turns"]
    longest = case.rules.get("max_turn_minutes", 30) * 60
    assert when(turns[0]["start"]) == when(s["start"])
    assert when(turns[-1]["end"]) == when(s["end"])
    share: dict[str, float] = defaultdict(float)
    for turn, after in itertools.pairwise(turns):
        assert turn["end"] == after["start"], "no gap, no overlap"
        if len(booth["interpreters"]) > 1:
            assert turn["interpreter"] != after["interpreter"]
    for turn in turns:
        length = (when(turn["end"]) - when(turn["start"])).total_seconds()
        assert 0 < length <= longest
        assert turn["interpreter"] in booth["interpreters"]
        share[turn["interpreter"]] += length
    assert set(share) == set(booth["interpreters"])
    assert max(share.values()) - min(share.values()) <= 60, share


# -- brute force ---------------------------------------------------------------------


def best(document: dict[str, Any]) -> tuple[int, int, int]:
    """The best (served listeners, relays, assignments), by trying every roster."""
    case = Case(document)
    demand = document.get("demand", [])
    options = []
    for sid in case.sessions:
        # Other sessions see only who works here, so keep the best option per set of people.
        kept: dict[frozenset[str], tuple[int, int, int, frozenset[str]]] = {}
        for option in _session_options(case, sid, demand):
            known = kept.get(option[3])
            if known is None or _rank(option) > _rank(known):
                kept[option[3]] = option
        options.append(list(kept.values()))
    found: list[tuple[int, int, int]] = []

    def extend(index: int, chosen: list[tuple[int, int, int, frozenset[str]]]) -> None:
        if index == len(options):
            served = sum(o[0] for o in chosen)
            found.append((served, sum(o[1] for o in chosen), sum(o[2] for o in chosen)))
            return
        sid = list(case.sessions)[index]
        for option in options[index]:
            if _fits(case, sid, option[3], chosen, list(case.sessions)):
                extend(index + 1, [*chosen, option])

    extend(0, [])
    return max(found, key=lambda v: (v[0], -v[1], -v[2]))


def _rank(option: tuple[int, int, int, frozenset[str]]) -> tuple[int, int, int]:
    return option[0], -option[1], -option[2]


def _fits(
    case: Case,
    sid: str,
    people: frozenset[str],
    chosen: list[tuple[int, int, int, frozenset[str]]],
    order: list[str],
) -> bool:
    for pid in people:
        days: dict[str, float] = defaultdict(float)
        days[case.day(pid, sid)] += case.minutes(sid)
        for other_sid, option in zip(order, chosen, strict=False):
            if pid in option[3]:
                if case.clash(sid, other_sid):
                    return False
                days[case.day(pid, other_sid)] += case.minutes(other_sid)
        if any(minutes > case.limit(pid) + 1e-9 for minutes in days.values()):
            return False
    return True


def _session_options(case: Case, sid: str, demand: list[dict[str, Any]]):  # type: ignore[no-untyped-def]
    """(served, relays, assignments, people) for every way to staff one session."""
    floor = low(case.sessions[sid]["floor"])
    groups = [g for g in demand if g["session"] == sid]
    # Any language may get a booth: one nobody listens to can still relay the floor.
    spoken = {t for p in case.people.values() for t in low(p.get("A", []) + p.get("B", []))}
    heard = {t for g in groups for t in low(g["languages"])}
    wanted = sorted((spoken | heard) - (floor if len(floor) == 1 else set()))
    people = [pid for pid in case.people if case.available(pid, sid)]
    team = case.team(sid)
    for count in range(len(wanted) + 1):
        for languages in itertools.combinations(wanted, count):
            for teams in _teams(people, team, len(languages)):
                staffed = dict(zip(languages, teams, strict=True))
                relays = _relays(case, floor, staffed)
                if relays is None:
                    continue
                served = sum(g["listeners"] for g in groups if case.served(g, set(languages)))
                members = frozenset(pid for t in teams for pid in t)
                yield served, relays, team * count, members


def _teams(people: list[str], size: int, count: int):  # type: ignore[no-untyped-def]
    if count == 0:
        yield ()
        return
    for first in itertools.combinations(people, size):
        rest = [pid for pid in people if pid not in first]
        for others in _teams(rest, size, count - 1):
            yield (first, *others)


def _relays(case: Case, floor: set[str], staffed: dict[str, tuple[str, ...]]) -> int | None:
    """The fewest relays that let every booth take every floor language; None: impossible."""

    def direct(target: str, f: str) -> bool:
        return all(case.works(pid, f, target) for pid in staffed[target])

    relays = 0
    for target, members in staffed.items():
        for f in floor - {target}:
            if direct(target, f):
                continue
            # Taking a language directly whenever the team can never costs a relay.
            if not any(
                pivot not in (target, f)
                and direct(pivot, f)
                and all(case.works(pid, pivot, target) for pid in members)
                for pivot in staffed
            ):
                return None
            relays += 1
    return relays

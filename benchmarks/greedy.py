"""Greedy baselines for the planners, on the generated inputs of benchmarks.events.

Each one builds a plan by a simple rule, then keeps restarting with shuffled tie-breaks
until its time budget (the planner's own wall time) runs out, and keeps the best plan.
They honour the hard constraints of shared/specs/planning.md that the generated inputs
exercise; the roster baseline never uses relays. Each returns its primary objective.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

DAILY_MINUTES = 360
Objective = tuple[float, float]  # (primary, secondary), both maximised


def with_budget(
    once: Callable[[dict[str, Any], random.Random], Objective],
    document: dict[str, Any],
    seconds: float,
) -> tuple[Objective, int]:
    """The best objective of ``once`` over restarts within ``seconds`` (at least one run)."""
    rng = random.Random(0)
    deadline = time.monotonic() + seconds
    best = once(document, rng)
    runs = 1
    while time.monotonic() < deadline:
        best = max(best, once(document, rng))
        runs += 1
    return best, runs


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _team(minutes: float) -> int:
    for limit, team in ((40, 1), (240, 2), (360, 3)):
        if minutes <= limit:
            return team
    return 4


def _works_into(person: dict[str, Any], target: str, source: str) -> bool:
    a = {x.lower() for x in person.get("A", [])}
    b = {x.lower() for x in person.get("B", [])}
    c = {x.lower() for x in person.get("C", [])}
    if target == source:
        return False
    return (target in a and source in a | b | c) or (target in b and source in a)


def roster(document: dict[str, Any], rng: random.Random) -> Objective:
    """Served listeners: per session, open the booths that serve most, staffed direct."""
    people = document["interpreters"]
    busy: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    minutes: dict[tuple[str, str], float] = defaultdict(float)
    served = 0
    sessions = sorted(document["sessions"], key=lambda s: (s["start"], rng.random()))
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for group in document.get("demand", []):
        groups[group["session"]].append(group)
    for session in sessions:
        start, end = _t(session["start"]), _t(session["end"])
        length = (end - start).total_seconds() / 60
        floor = [f.lower() for f in session["floor"]]
        waiting = []
        for group in groups[session["id"]]:
            spoken = {x.lower() for x in group["languages"]}
            if set(floor) <= spoken:
                served += group["listeners"]
            else:
                waiting.append((spoken, group["listeners"]))
        seated: set[str] = set()
        while waiting:
            weight: dict[str, float] = defaultdict(float)
            for spoken, listeners in waiting:
                for lang in spoken:
                    weight[lang] += listeners + rng.random() * 0.5
            target = max(weight, key=lambda lang: weight[lang])
            team = _staff(people, target, floor, start, end, length, busy, minutes, seated, rng)
            if team is not None:
                for person in team:
                    seated.add(person["id"])
                    busy[person["id"]].append((start, end))
                    minutes[(person["id"], _day(person, start))] += length
                served += sum(n for spoken, n in waiting if target in spoken)
            waiting = [(spoken, n) for spoken, n in waiting if target not in spoken]
    return served, 0


def _day(person: dict[str, Any], moment: datetime) -> str:
    return moment.astimezone(ZoneInfo(person.get("timezone", "UTC"))).date().isoformat()


def _staff(
    people: list[dict[str, Any]],
    target: str,
    floor: list[str],
    start: datetime,
    end: datetime,
    length: float,
    busy: dict[str, list[tuple[datetime, datetime]]],
    minutes: dict[tuple[str, str], float],
    seated: set[str],
    rng: random.Random,
) -> list[dict[str, Any]] | None:
    size = _team(length)
    fits = []
    for person in people:
        pid = person["id"]
        if pid in seated or any(s < end and start < e for s, e in busy[pid]):
            continue
        if not all(_works_into(person, target, f) for f in floor if f != target):
            continue
        windows = person.get("available")
        if windows and not any(_t(w["start"]) <= start and end <= _t(w["end"]) for w in windows):
            continue
        limit = person.get("max_minutes_per_day", DAILY_MINUTES)
        if minutes[(pid, _day(person, start))] + length > limit:
            continue
        fits.append(person)
    if len(fits) < size:
        return None
    rng.shuffle(fits)
    fits.sort(key=lambda p: sum(v for (pid, _), v in minutes.items() if pid == p["id"]))
    return fits[:size]


def lightning(document: dict[str, Any], rng: random.Random) -> Objective:
    """Scheduled priority: talks by priority, each in the first slot that fits."""
    slots = []
    for block in document["blocks"]:
        start, end = _t(block["start"]), _t(block["end"])
        step = block["slot_minutes"] + block.get("changeover_minutes", 0)
        k = 0
        while True:
            s = start.timestamp() + k * step * 60
            e = s + block["slot_minutes"] * 60
            if e > end.timestamp():
                break
            slots.append((s, e, {x.lower() for x in block["languages"]}))
            k += 1
    rng.shuffle(slots)
    taken: set[int] = set()
    speaking: dict[str, list[tuple[float, float]]] = defaultdict(list)
    talks = sorted(document["talks"], key=lambda t: (-t.get("priority", 1), rng.random()))
    total = 0.0
    for talk in talks:
        windows = [(_t(w["start"]).timestamp(), _t(w["end"]).timestamp())
                   for w in talk.get("available", [])]  # fmt: skip
        for index, (s, e, languages) in enumerate(slots):
            if index in taken or talk["language"].lower() not in languages:
                continue
            if windows and not any(ws <= s and e <= we for ws, we in windows):
                continue
            if any(a < e and s < b for a, b in speaking[talk["speaker"]]):
                continue
            taken.add(index)
            speaking[talk["speaker"]].append((s, e))
            total += talk.get("priority", 1)
            break
    return total, 0


def breakouts(document: dict[str, Any], rng: random.Random) -> Objective:
    """Placed participants, then minus the preference cost: preferences first, then any room."""
    rooms = {room["id"]: room for room in document["rooms"]}
    left = {rid: room["capacity"] for rid, room in rooms.items()}
    languages = {rid: {x.lower() for x in room["languages"]} for rid, room in rooms.items()}
    order = list(document["participants"])
    rng.shuffle(order)
    placed = 0
    cost = 0
    for person in order:
        spoken = {x.lower() for x in person["languages"]}
        prefs = person.get("preferences", [])
        choices = [(k, rid) for k, rid in enumerate(prefs)]
        choices += [(len(prefs), rid) for rid in rooms if rid not in prefs]
        for k, rid in choices:
            if left[rid] > 0 and spoken & languages[rid]:
                left[rid] -= 1
                placed += 1
                cost += k
                break
    return placed, -cost


def support(document: dict[str, Any], rng: random.Random) -> Objective:
    """Granted priority: requests by priority per unit of cost, while the pool lasts."""
    offers = document.get("data_offers", [])
    rates = document.get("childcare_hourly_rate", {"default": 0})
    hours = {s["id"]: (_t(s["end"]) - _t(s["start"])).total_seconds() / 3600
             for s in document.get("sessions", [])}  # fmt: skip
    left = dict(document["budgets"])
    priced = []
    for request in document["requests"]:
        if request["kind"] == "data_package":
            fits = [o["price"] for o in offers
                    if o["country"].lower() == request["country"].lower()
                    and o["carrier"].lower() == request["carrier"].lower()
                    and o["gb"] >= request["gb"]]  # fmt: skip
            if not fits:
                continue
            cost = min(fits)
        else:
            rate = rates.get(request.get("country", ""), rates.get("default", 0))
            cost = request["children"] * sum(hours[s] for s in request["sessions"]) * rate
        priority = request.get("priority", 1)
        priced.append((priority / (cost + 1e-9) * rng.uniform(0.9, 1.1), cost, priority, request))
    priced.sort(key=lambda item: -item[0])
    total = 0.0
    for _, cost, priority, request in priced:
        if cost <= left.get(request["kind"], 0) + 1e-9:
            left[request["kind"]] -= cost
            total += priority
    return total, 0


BASELINES: dict[str, Callable[[dict[str, Any], random.Random], Objective]] = {
    "roster": roster,
    "lightning": lightning,
    "breakouts": breakouts,
    "support": support,
}

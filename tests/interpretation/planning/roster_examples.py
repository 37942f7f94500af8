"""Roster documents for tests: a deterministic generator of event-sized inputs."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from typing import Any

LANGUAGES = ["en", "fr", "es", "ar", "zh", "ru", "pt", "hi"]
ZONES = ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Africa/Lagos", "Asia/Tokyo"]
# (start hour, minutes): one session of each team size on every track and day.
SLOTS = [(8.5, 90), (10.5, 60), (13.0, 180), (16.5, 40)]


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def event(scale: int = 1, seed: int = 1) -> dict[str, Any]:
    """An event of ``16 * scale`` sessions, ``40 * scale`` interpreters, ``250 * scale`` listeners.

    Scale 1 is the size the contract names (16 sessions, 8 languages, 40 interpreters,
    250 registrants); larger scales add days and parallel tracks.
    """
    rng = random.Random(seed)
    days = 2 * math.ceil(math.sqrt(scale))
    tracks = math.ceil(16 * scale / (len(SLOTS) * days))
    first_day = datetime(2020, 12, 5, tzinfo=UTC)
    sessions = []
    for day in range(days):
        for track in range(tracks):
            for hour, minutes in SLOTS:
                if len(sessions) == 16 * scale:
                    break
                start = first_day + timedelta(days=day, hours=hour)
                roll = rng.random()
                floor = ["en"] if roll < 0.6 else [rng.choice(["fr", "es"])] if roll < 0.85 else [
                    "en", rng.choice(["fr", "es", "ar"])]  # fmt: skip
                sessions.append(
                    {
                        "id": f"S{day + 1}.{track + 1}.{hour:g}",
                        "start": iso(start),
                        "end": iso(start + timedelta(minutes=minutes)),
                        "floor": floor,
                    }
                )
    interpreters = []
    for index in range(40 * scale):
        a = rng.choice(LANGUAGES)
        others = [tag for tag in LANGUAGES if tag != a]
        b = [rng.choice(["en", "fr", "es"])] if rng.random() < 0.6 else []
        b = [tag for tag in b if tag != a]
        c = rng.sample([tag for tag in others if tag not in b], rng.randint(0, 2))
        person: dict[str, Any] = {
            "id": f"I{index + 1}",
            "A": [a],
            "B": b,
            "C": c,
            "timezone": rng.choice(ZONES),
        }
        if rng.random() < 0.3:
            worked = sorted(rng.sample(range(days), max(1, days // 2)))
            person["available"] = [
                {
                    "start": iso(first_day + timedelta(days=day, hours=7)),
                    "end": iso(first_day + timedelta(days=day, hours=20)),
                }
                for day in worked
            ]
        if rng.random() < 0.2:
            person["max_minutes_per_day"] = 240
        interpreters.append(person)
    demand = []
    remaining = 250 * scale
    while remaining > 0:
        listeners = min(remaining, rng.randint(1, 15))
        remaining -= listeners
        session = rng.choice(sessions)
        count = 1 if rng.random() < 0.7 else 2
        demand.append(
            {
                "session": session["id"],
                "languages": rng.sample(LANGUAGES, count),
                "listeners": listeners,
            }
        )
    rules = {"min_break_minutes": 15}
    return {"rules": rules, "sessions": sessions, "demand": demand, "interpreters": interpreters}


# -- builders for hand-made cases ----------------------------------------------------

BASE = datetime(2020, 12, 5, 13, 0, tzinfo=UTC)


def session(
    ident: str, minutes: int, floor: list[str] | None = None, at: int = 0, start: str | None = None
) -> dict[str, Any]:
    """A session of ``minutes`` starting ``at`` minutes after 2020-12-05 13:00Z (or at ``start``)."""
    begin = datetime.fromisoformat(start) if start else BASE + timedelta(minutes=at)
    return {
        "id": ident,
        "start": iso(begin),
        "end": iso(begin + timedelta(minutes=minutes)),
        "floor": floor or ["en"],
    }


def person(
    ident: str, a: list[str], b: list[str] | None = None, c: list[str] | None = None, **extra: Any
) -> dict[str, Any]:
    return {"id": ident, "A": a, "B": b or [], "C": c or [], **extra}


def group(session_id: str, languages: list[str], listeners: int) -> dict[str, Any]:
    return {"session": session_id, "languages": languages, "listeners": listeners}


def document(
    sessions: list[dict[str, Any]],
    interpreters: list[dict[str, Any]],
    demand: list[dict[str, Any]],
    **rules: Any,
) -> dict[str, Any]:
    found: dict[str, Any] = {"sessions": sessions, "interpreters": interpreters, "demand": demand}
    if rules:
        found["rules"] = rules
    return found

"""Generated planner inputs at k × Global Conversations (16 sessions, 8 languages, 40
interpreters, 250 registrants at k = 1), in the JSON shapes of shared/specs/planning.md.

At k × the event keeps its two days and four time blocks a day, so sessions run k times
more in parallel, with k times the interpreters, registrants, lightning blocks and rooms.
Everything comes from a fixed seed.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

LANGUAGES = ("en", "es", "fr", "ar", "zh", "ru", "de", "id")
ZONES = ("UTC", "Europe/Paris", "Asia/Kolkata", "America/Sao_Paulo", "Africa/Lagos", "Asia/Tokyo")
DAYS = (datetime(2026, 12, 5, tzinfo=UTC), datetime(2026, 12, 6, tzinfo=UTC))
# (start hour, start minute, minutes) of the day's four blocks.
BLOCKS = ((13, 0, 60), (14, 15, 75), (15, 45, 45), (17, 0, 60))
SESSIONS = 16
INTERPRETERS = 40
REGISTRANTS = 250


def z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _spoken(rng: random.Random) -> list[str]:
    first = rng.choices(LANGUAGES, weights=(6, 3, 3, 2, 2, 2, 1, 1))[0]
    languages = [first]
    if first != "en" and rng.random() < 0.35:
        languages.append("en")
    elif rng.random() < 0.2:
        languages.append(rng.choice(LANGUAGES))
    return sorted(set(languages))


def _sessions(k: int) -> list[dict[str, Any]]:
    sessions = []
    slots = [(day, block) for day in DAYS for block in BLOCKS]
    for i in range(SESSIONS * k):
        day, (hour, minute, minutes) = slots[i % len(slots)]
        start = day.replace(hour=hour, minute=minute)
        floor = ["en", "es"] if i % 8 == 4 else (["fr"] if i % 8 == 6 else ["en"])
        sessions.append(
            {
                "id": f"S{i + 1}",
                "start": z(start),
                "end": z(start + timedelta(minutes=minutes)),
                "floor": floor,
            }  # fmt: skip
        )
    return sessions


def roster(k: int, seed: int = 1) -> dict[str, Any]:
    rng = random.Random(seed * 1000 + k)
    sessions = _sessions(k)
    demand: Counter[tuple[str, tuple[str, ...]]] = Counter()
    for _ in range(REGISTRANTS * k):
        spoken = tuple(_spoken(rng))
        for session in rng.sample(sessions, 4):
            demand[(session["id"], spoken)] += 1
    interpreters = []
    for i in range(INTERPRETERS * k):
        a = LANGUAGES[1 + i % 7] if i % 10 else "en"
        b = ["en"] if a != "en" else [rng.choice(LANGUAGES[1:])]
        if rng.random() < 0.3:
            b.append(rng.choice([lang for lang in ("es", "fr") if lang != a]))
        c = [lang for lang in rng.sample(LANGUAGES, 2) if lang != a and lang not in b]
        person: dict[str, Any] = {"id": f"I{i + 1}", "A": [a], "B": sorted(set(b)), "C": c,
                                  "timezone": rng.choice(ZONES)}  # fmt: skip
        if rng.random() < 0.3:
            day = rng.choice(DAYS)
            person["available"] = [
                {"start": z(day.replace(hour=12)), "end": z(day.replace(hour=19))}
            ]
        interpreters.append(person)
    return {
        "sessions": sessions,
        "demand": [
            {"session": sid, "languages": list(spoken), "listeners": n}
            for (sid, spoken), n in sorted(demand.items())
        ],
        "interpreters": interpreters,
    }


def lightning(k: int, seed: int = 2) -> dict[str, Any]:
    rng = random.Random(seed * 1000 + k)
    blocks = []
    for i in range(2 * k):
        day = DAYS[i % 2]
        start = day.replace(hour=15, minute=45)
        blocks.append(
            {
                "id": f"LT{i + 1}",
                "start": z(start),
                "end": z(start + timedelta(minutes=45)),
                "slot_minutes": 5,
                "changeover_minutes": 1,
                "languages": sorted({"en", *rng.sample(LANGUAGES, 2)}),
            }  # fmt: skip
        )
    talks = []
    speakers = [f"P{i + 1}" for i in range(16 * k)]
    for i in range(20 * k):
        talk: dict[str, Any] = {"id": f"T{i + 1}", "speaker": rng.choice(speakers),
                                "language": _spoken(rng)[0], "priority": rng.randint(1, 3)}  # fmt: skip
        if rng.random() < 0.4:
            day = rng.choice(DAYS)
            start = day.replace(hour=15, minute=30) + timedelta(minutes=rng.choice((0, 15, 25, 30)))
            talk["available"] = [{"start": z(start), "end": z(start + timedelta(minutes=25))}]
        talks.append(talk)
    return {"blocks": blocks, "talks": talks}


def breakouts(k: int, seed: int = 3) -> dict[str, Any]:
    rng = random.Random(seed * 1000 + k)
    rooms = [
        {
            "id": f"B{i + 1}",
            "topic": f"Topic {i + 1}",
            "capacity": rng.randint(12, 25),
            "languages": sorted({"en", *rng.sample(LANGUAGES, rng.randint(1, 2))}),
        }  # fmt: skip
        for i in range(12 * k)
    ]
    participants = []
    for i in range(REGISTRANTS * k):
        preferences = [room["id"] for room in rng.sample(rooms, min(3, len(rooms)))]
        participants.append({"id": f"P{i + 1}", "languages": _spoken(rng),
                             "preferences": preferences})  # fmt: skip
    return {"rooms": rooms, "participants": participants}


def support(k: int, seed: int = 4) -> dict[str, Any]:
    rng = random.Random(seed * 1000 + k)
    countries = ("IN", "NG", "BR", "ID", "KE", "PH")
    carriers = ("Jio", "Airtel", "MTN", "Vivo")
    offers = [
        {"country": c, "carrier": carrier, "gb": gb, "price": round(gb * rng.uniform(0.3, 0.9), 2)}
        for c in countries
        for carrier in rng.sample(carriers, 2)
        for gb in (5, 10, 20)
    ]
    sessions = [{"id": s["id"], "start": s["start"], "end": s["end"]} for s in _sessions(k)]
    requests: list[dict[str, Any]] = []
    for i in range(REGISTRANTS * k // 4):
        request: dict[str, Any] = {"id": f"R{i + 1}", "registrant": f"P{i + 1}",
                                   "priority": rng.randint(1, 3), "country": rng.choice(countries)}  # fmt: skip
        if rng.random() < 0.7:
            offer = rng.choice(offers)
            request |= {"kind": "data_package", "country": offer["country"],
                        "carrier": offer["carrier"].lower(), "gb": rng.choice((4, 8, 15))}  # fmt: skip
        else:
            request |= {"kind": "childcare", "children": rng.randint(1, 3),
                        "sessions": [s["id"] for s in rng.sample(sessions, rng.randint(1, 3))]}  # fmt: skip
        requests.append(request)
    return {
        "budgets": {"data_package": 150 * k, "childcare": 600 * k},
        "data_offers": offers,
        "childcare_hourly_rate": {"default": 12, "NG": 6, "IN": 5},
        "sessions": sessions,
        "requests": requests,
    }


GENERATORS = {"roster": roster, "lightning": lightning, "breakouts": breakouts, "support": support}

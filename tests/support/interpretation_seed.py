"""Booths for interpretation tests: the small conference, its people, and stored booths."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from conference.storage.engine import session
from conference.storage.tables import Booth, BoothMember, BoothTurn, Person
from tests.support.seed import small_conference

PLENARY, BREAKOUT = 1, 2

# name, email, roles
PEOPLE = [
    ("Flora Floor", "flora@example.org", ["speaker"]),
    ("Ivan Interpreter", "ivan@example.org", ["interpreter"]),
    ("Iris Interpreter", "iris@example.org", ["interpreter"]),
    ("Fay Interpreter", "fay@example.org", ["interpreter"]),
    ("Otto Outsider", "otto@example.org", ["interpreter"]),
    ("Lea Listener", "lea@example.org", ["participant"]),
]


def interpretation_conference(engine: Engine) -> dict[str, int]:
    """Seed the conference; Ivan and Iris share the Spanish booth of the plenary and of the
    breakout session, Fay has the French booth of the plenary. Returns person ids by first name.
    """
    small_conference(engine)
    ids: dict[str, int] = {}
    with session(engine) as db:
        for name, email, roles in PEOPLE:
            person = Person(name=name, email=email, roles=roles)
            db.add(person)
            db.flush()
            assert person.id is not None
            ids[name.split()[0].lower()] = person.id
        for session_id, language, members in (
            (PLENARY, "es", ("ivan", "iris")),
            (PLENARY, "fr", ("fay",)),
            (BREAKOUT, "es", ("ivan", "iris")),
        ):
            booth = Booth(session_id=session_id, language=language, sources={"en": "direct"})
            db.add(booth)
            db.flush()
            assert booth.id is not None
            for member in members:
                db.add(BoothMember(booth_id=booth.id, person_id=ids[member]))
            if session_id == PLENARY and language == "es":
                for start, who in ((13, "ivan"), (14, "iris")):
                    db.add(
                        BoothTurn(
                            booth_id=booth.id,
                            person_id=ids[who],
                            start=datetime(2026, 12, 5, start, 0, tzinfo=UTC),
                            end=datetime(2026, 12, 5, start, 30, tzinfo=UTC),
                        )
                    )
    return ids

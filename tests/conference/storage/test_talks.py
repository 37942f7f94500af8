"""Lightning talks in the database: submissions with windows, decisions, slots, running order."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.engine import Engine

from conference.domain.interpreters import Window
from conference.domain.talks import Status, TalkData
from conference.planning.lightning import Slot
from conference.storage import talks
from conference.storage.engine import session
from conference.storage.tables import Conference, LightningTalk, Person
from conference.storage.tables import Session as ProgrammeSession

pytestmark = pytest.mark.integration


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, 5, hour, minute, tzinfo=UTC)


DATA = TalkData("Lexemes", "Small languages.", "fr", 4, "", "Europe/Paris",
                (Window(at(15), at(16)), Window(at(17), at(18))))  # fmt: skip


def test_a_talk_from_submission_to_the_running_order(engine: Engine) -> None:
    with session(engine) as db:
        conference = Conference(slug="gc", name="GC", timezone="UTC",
                                start_date=date(2026, 12, 5), end_date=date(2026, 12, 5))  # fmt: skip
        ama = Person(name="Ama", email="ama@example.org", roles=["participant"])
        db.add_all([conference, ama])
        db.flush()
        block = ProgrammeSession(conference_id=conference.id, title="LT", kind="lightning",
                                 start=at(16), end=at(16, 30), floor_languages=["en"],
                                 interpretation_languages=["fr", "en"])  # fmt: skip
        db.add(block)
        db.flush()
        assert talks.offered_languages(db, conference) == ["en", "fr"]
        talk = talks.save(db, conference, ama, DATA)
        again = talks.save(db, conference, ama, DATA, talk)
        assert again.id == talk.id and ama.roles == ["participant"]
        assert [(w.start, w.end) for w in talks.windows(db, talk)] == [
            (at(15), at(16)), (at(17), at(18)),
        ]  # fmt: skip
        assert talks.planner_talk(db, talk).available == ((at(15), at(16)), (at(17), at(18)))

        talks.move(db, talk, block, Slot(str(block.id), 0, at(16), at(16, 5)))
        assert talks.running_order(db, block) == []  # not accepted yet
        assert talks.decide(db, talk, Status.ACCEPTED, 2, at(9)) is True
        assert talks.decide(db, talk, Status.ACCEPTED, 3, at(10)) is False
        assert (talk.priority, talk.decided_at) == (3, at(9))
        talks.move(db, talk, block, Slot(str(block.id), 0, at(16), at(16, 5)))
        assert [t.id for t, _ in talks.running_order(db, block)] == [talk.id]
        assert [(p.talk, p.slot.start) for p in talks.placements(db, conference)] == [
            (str(talk.id), at(16)),
        ]
        assert ama.id is not None
        assert [(t.id, b.id) for t, b in talks.speaker_slots(db, ama.id)] == [(talk.id, block.id)]

        assert talks.decide(db, talk, Status.WAITLISTED, 3, at(11)) is True
        assert (talk.block_id, talk.slot_start, talk.notified_at) == (None, None, None)
        talk_id = talk.id
    with session(engine) as db:
        stored = db.get(LightningTalk, talk_id)
        assert stored is not None
        assert (stored.status, stored.timezone, stored.decided_at) == (
            "waitlisted", "Europe/Paris", at(11),
        )  # fmt: skip

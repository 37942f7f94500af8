"""People in every role the authorisation matrix and the form fuzzing use, with their data.

On top of ``small_conference`` (sessions 1 and 2, the organiser #1): a lightning block
(session 3); Pat (#2), a registered participant with a data-package request; Ines (#3), an
interpreter in session 2's French booth only; Uma (#4), whose lightning talk (#1) is not
reviewed yet; Sol (#5), a speaker with an accepted talk (#2) in the block; Dora (#6), an
organiser (the matrix demotes her); and an open poll (#1) on session 1.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from conference.storage.engine import session
from conference.storage.tables import (
    Booth,
    BoothMember,
    LightningTalk,
    Person,
    Poll,
    Registration,
    Session,
    SupportRequest,
)
from tests.support.seed import small_conference

EMAILS = {
    "participant": "pat@example.org",
    "other_interpreter": "ines@example.org",
    "unreviewed_speaker": "uma@example.org",
    "speaker": "sol@example.org",
    "demoted_organiser": "dora@example.org",
    "organiser": "organiser@example.org",
}
PAT_TOKEN = "pat-edit-token-" + "p" * 28
PAT_CALENDAR = "pat-calendar-token-" + "c" * 24


def seed_roles(engine: Engine) -> None:
    conference = small_conference(engine)
    assert conference.id is not None
    cid = conference.id
    with session(engine) as db:
        db.add(Session(
            conference_id=cid, title="Lightning talks", kind="lightning",
            start=datetime(2026, 12, 5, 17, 0, tzinfo=UTC), end=datetime(2026, 12, 5, 18, 0, tzinfo=UTC),
            floor_languages=["en"], interpretation_languages=["fr"],
        ))  # fmt: skip
        pat = Person(name="Pat Participant", email=EMAILS["participant"], roles=["participant"])
        ines = Person(name="Ines Interpreter", email=EMAILS["other_interpreter"], roles=["interpreter"])  # fmt: skip
        uma = Person(name="Uma Unreviewed", email=EMAILS["unreviewed_speaker"], roles=["participant"])  # fmt: skip
        sol = Person(name="Sol Speaker", email=EMAILS["speaker"], roles=["participant", "speaker"])  # fmt: skip
        dora = Person(name="Dora Demoted", email=EMAILS["demoted_organiser"], roles=["organiser"])  # fmt: skip
        for person in (pat, ines, uma, sol, dora):
            db.add(person)
        db.flush()
        assert pat.id == 2 and ines.id == 3
        registration = Registration(
            conference_id=cid, person_id=pat.id, languages=["en"], timezone="UTC",
            token=PAT_TOKEN, calendar_token=PAT_CALENDAR,
        )  # fmt: skip
        db.add(registration)
        db.flush()
        assert registration.id is not None
        db.add(SupportRequest(registration_id=registration.id, kind="data_package", country="NG",
                              carrier="MTN", gb=5))  # fmt: skip
        booth = Booth(session_id=2, language="fr")
        db.add(booth)
        db.flush()
        assert booth.id is not None and ines.id is not None
        db.add(BoothMember(booth_id=booth.id, person_id=ines.id))
        assert uma.id is not None and sol.id is not None
        db.add(LightningTalk(conference_id=cid, speaker_id=uma.id, title="Unreviewed",
                             language="en", status="submitted"))  # fmt: skip
        db.add(LightningTalk(conference_id=cid, speaker_id=sol.id, title="Accepted",
                             language="en", status="accepted", block_id=3,
                             slot_start=datetime(2026, 12, 5, 17, 0, tzinfo=UTC),
                             slot_end=datetime(2026, 12, 5, 17, 5, tzinfo=UTC)))  # fmt: skip
        db.add(Poll(conference_id=cid, session_id=1, title="Which hub?", options=["A", "B"],
                    status="open"))  # fmt: skip

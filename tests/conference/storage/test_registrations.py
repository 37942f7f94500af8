"""Registrations, attendance and support requests on both databases."""

from __future__ import annotations

import pytest
from sqlmodel import select

from conference.domain.registration import ChildcareNeed, DataNeed, RegistrationData
from conference.storage import registrations
from conference.storage.engine import session
from conference.storage.tables import Attendance, Person, Registration, SupportRequest
from tests.support.seed import small_conference

pytestmark = pytest.mark.integration


def _data(**changes) -> RegistrationData:
    base = dict(
        name="Asha Rao", email="asha@example.org", timezone="Asia/Kolkata",
        languages=("hi", "en"), sessions=(1,), data=DataNeed("IN", "Jio", 8.0),
    )  # fmt: skip
    base.update(changes)
    return RegistrationData(**base)


def test_save_creates_person_registration_attendance_and_request(engine) -> None:
    conference = small_conference(engine)
    with session(engine) as db:
        row = registrations.save(db, conference, _data())
        token = row.token
    assert len(token) == 43  # 256 bits, URL-safe
    with session(engine) as db:
        found = registrations.by_token(db, token)
        assert found is not None
        assert found.languages == ["hi", "en"]
        assert registrations.attended_sessions(db, found.id) == [1]
        (request,) = registrations.support_requests(db, found.id)
        assert (request.kind, request.status, request.country, request.carrier, request.gb) == (
            "data_package", "requested", "IN", "Jio", 8.0,
        )  # fmt: skip


def test_update_follows_the_form_but_keeps_decided_requests(engine) -> None:
    conference = small_conference(engine)
    with session(engine) as db:
        row = registrations.save(db, conference, _data(childcare=ChildcareNeed(1, (2,))))
        care = [r for r in registrations.support_requests(db, row.id) if r.kind == "childcare"][0]
        care.status = "granted"
        db.add(care)
    with session(engine) as db:
        row = registrations.by_token(db, row.token)
        registrations.save(db, conference, _data(sessions=(2,), data=None, childcare=None), row)
    with session(engine) as db:
        assert registrations.attended_sessions(db, row.id) == [2]
        kinds = [(r.kind, r.status) for r in registrations.support_requests(db, row.id)]
        assert kinds == [("childcare", "granted")]


def test_a_second_registration_with_the_same_email_is_refused_and_writes_nothing(engine) -> None:
    conference = small_conference(engine)
    with session(engine) as db:
        registrations.save(db, conference, _data())
    with pytest.raises(registrations.EmailTaken), session(engine) as db:
        registrations.save(db, conference, _data(name="Someone else", sessions=(2,)))
    with session(engine) as db:
        assert len(db.exec(select(Registration)).all()) == 1
        assert len(db.exec(select(Attendance)).all()) == 1
        assert len(db.exec(select(SupportRequest)).all()) == 1
        assert (
            db.exec(select(Person).where(Person.email == "asha@example.org")).one().name
            == "Asha Rao"
        )


def test_unknown_or_oversized_tokens_find_nothing(engine) -> None:
    small_conference(engine)
    with session(engine) as db:
        assert registrations.by_token(db, "nope") is None
        assert registrations.by_token(db, "x" * 500) is None

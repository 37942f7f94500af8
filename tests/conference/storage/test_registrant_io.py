"""The organiser's registrant list, CSV export and all-or-nothing import, on both databases."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import select

from conference import demo
from conference.domain import registrant_csv
from conference.domain.registrant_csv import Preview, Row
from conference.domain.registration import ChildcareNeed, DataNeed, RegistrationData
from conference.storage import registrant_io, registrations
from conference.storage.engine import make_engine, session
from conference.storage.registrant_io import ImportRejected, Registrant, SessionRef, Support
from conference.storage.tables import (
    Attendance,
    Conference,
    Person,
    Registration,
    SupportRequest,
)
from conference.storage.tables import Session as ProgrammeSession

pytestmark = pytest.mark.integration

TABLES = (Person, Registration, Attendance, SupportRequest)


def counts(engine: Engine) -> dict[str, int]:
    with session(engine) as db:
        return {t.__name__: db.exec(select(func.count()).select_from(t)).one() for t in TABLES}


def make_conference(engine: Engine) -> Conference:
    """A small conference with three sessions: ids 1, 2, 3 in programme order."""
    with session(engine) as db:
        conference = Conference(
            slug="gc", name="Global Conversations", timezone="UTC",
            start_date=date(2026, 12, 5), end_date=date(2026, 12, 5),
        )  # fmt: skip
        db.add(conference)
        db.flush()
        assert conference.id is not None
        for hour, title in ((13, "Opening plenary"), (14, "Hubs"), (15, "Social; drinks")):
            db.add(
                ProgrammeSession(
                    conference_id=conference.id, title=title, kind="plenary",
                    start=datetime(2026, 12, 5, hour, tzinfo=UTC),
                    end=datetime(2026, 12, 5, hour, 45, tzinfo=UTC),
                    floor_languages=["en"],
                )
            )  # fmt: skip
    return conference


def session_ids(engine: Engine, conference: Conference) -> dict[str, int]:
    with session(engine) as db:
        rows = db.exec(
            select(ProgrammeSession.title, ProgrammeSession.id).where(
                ProgrammeSession.conference_id == conference.id
            )
        ).all()
    return {title: ident for title, ident in rows if ident is not None}


PEOPLE = [
    RegistrationData("Ana Silva", "ana@example.org", "America/Sao_Paulo", ("pt-BR", "es"), (),
                     data=DataNeed("BR", "Vivo", 10.0)),
    RegistrationData("Bola Adeyemi", "bola@example.org", "Africa/Lagos", ("en", "yo"), (),
                     childcare=ChildcareNeed(2, ())),
    RegistrationData("Chen Jie", "chen@example.org", "Asia/Taipei", ("zh",), ()),
    RegistrationData("Dewi Lestari", "dewi@example.org", "Asia/Jakarta", ("id", "en"), ()),
]  # fmt: skip


@pytest.fixture
def registered(engine: Engine) -> Conference:
    """Four registrants with attendance and support, saved the way the form saves them."""
    conference = make_conference(engine)
    ids = session_ids(engine, conference)
    plenary, hubs, social = ids["Opening plenary"], ids["Hubs"], ids["Social; drinks"]
    attending = {
        "Ana Silva": (plenary, hubs),
        "Bola Adeyemi": (plenary, social),
        "Chen Jie": (hubs,),
        "Dewi Lestari": (),
    }
    with session(engine) as db:
        # Registered in another order than by name, to see the list sort.
        for person in reversed(PEOPLE):
            childcare = person.childcare and ChildcareNeed(person.childcare.children, (plenary,))
            data = RegistrationData(
                person.name, person.email, person.timezone, person.languages,
                attending[person.name], data=person.data, childcare=childcare,
            )  # fmt: skip
            registrations.save(db, conference, data)
    return conference


def names(rows: list[Registrant]) -> list[str]:
    return [row.name for row in rows]


def test_the_list_shows_each_registrant_with_sessions_and_support(
    engine: Engine, registered: Conference
) -> None:
    ids = session_ids(engine, registered)
    with session(engine) as db:
        rows = registrant_io.registrants(db, registered)
    plenary = SessionRef(ids["Opening plenary"], "Opening plenary")
    hubs = SessionRef(ids["Hubs"], "Hubs")
    social = SessionRef(ids["Social; drinks"], "Social; drinks")
    assert [(r.name, r.email, r.languages, r.timezone, r.sessions, r.support) for r in rows] == [
        ("Ana Silva", "ana@example.org", ("pt-BR", "es"), "America/Sao_Paulo", (plenary, hubs),
         (Support("data_package", "requested", country="BR", carrier="Vivo", gb=10.0),)),
        ("Bola Adeyemi", "bola@example.org", ("en", "yo"), "Africa/Lagos", (plenary, social),
         (Support("childcare", "requested", children=2, sessions=(plenary,)),)),
        ("Chen Jie", "chen@example.org", ("zh",), "Asia/Taipei", (hubs,), ()),
        ("Dewi Lestari", "dewi@example.org", ("id", "en"), "Asia/Jakarta", (), ()),
    ]  # fmt: skip


def test_filters_by_language_session_and_support(engine: Engine, registered: Conference) -> None:
    hubs = session_ids(engine, registered)["Hubs"]
    with session(engine) as db:

        def listed(**filters: object) -> list[str]:
            return names(registrant_io.registrants(db, registered, **filters))  # type: ignore[arg-type]

        assert listed(language="EN") == ["Bola Adeyemi", "Dewi Lestari"]
        assert listed(language="pt-br") == ["Ana Silva"]
        assert listed(language="es") == ["Ana Silva"]
        assert listed(language="fr") == []
        assert listed(session_id=hubs) == ["Ana Silva", "Chen Jie"]
        assert listed(support="data_package") == ["Ana Silva"]
        assert listed(support="childcare") == ["Bola Adeyemi"]
        assert listed(support="any") == ["Ana Silva", "Bola Adeyemi"]
        assert listed(language="en", support="any") == ["Bola Adeyemi"]
        assert listed(language="zh", session_id=hubs, support="any") == []
        with pytest.raises(ValueError, match="unknown support filter 'grants'"):
            listed(support="grants")


def test_export_writes_the_import_columns_with_titles(
    engine: Engine, registered: Conference
) -> None:
    ids = session_ids(engine, registered)
    with session(engine) as db:
        text = registrant_io.export_csv(db, registered)
        hubs_only = registrant_io.export_csv(db, registered, session_id=ids["Hubs"], language="zh")
    social = ids["Social; drinks"]  # its title holds the separator, so it goes by id
    assert text == (
        "name,email,timezone,languages,sessions,data_country,data_carrier,data_gb,"
        "childcare_children,childcare_sessions\r\n"
        "Ana Silva,ana@example.org,America/Sao_Paulo,pt-BR es,Opening plenary; Hubs,BR,Vivo,10,,\r\n"
        f"Bola Adeyemi,bola@example.org,Africa/Lagos,en yo,Opening plenary; {social},,,,2,Opening plenary\r\n"
        "Chen Jie,chen@example.org,Asia/Taipei,zh,Hubs,,,,,\r\n"
        "Dewi Lestari,dewi@example.org,Asia/Jakarta,id en,,,,,,\r\n"
    )
    assert hubs_only == (
        "name,email,timezone,languages,sessions,data_country,data_carrier,data_gb,"
        "childcare_children,childcare_sessions\r\n"
        "Chen Jie,chen@example.org,Asia/Taipei,zh,Hubs,,,,,\r\n"
    )


def test_import_writes_every_row(engine: Engine) -> None:
    conference = make_conference(engine)
    with session(engine) as db:
        keys = registrant_io.session_keys(db, conference)
    preview = registrant_csv.parse(
        "name,email,timezone,languages,sessions,data_country,data_carrier,data_gb\r\n"
        "Ana Silva,ana@example.org,America/Sao_Paulo,pt-BR,hubs,BR,Vivo,5\r\n"
        "Bola Adeyemi,bola@example.org,Africa/Lagos,en yo,Opening plenary;Hubs,,,\r\n",
        keys,
    )
    with session(engine) as db:
        assert registrant_io.import_preview(db, conference, preview) == 2
    assert counts(engine) == {"Person": 2, "Registration": 2, "Attendance": 3, "SupportRequest": 1}
    with session(engine) as db:
        rows = registrant_io.registrants(db, conference)
    assert [(r.name, [s.title for s in r.sessions], [s.kind for s in r.support]) for r in rows] == [
        ("Ana Silva", ["Hubs"], ["data_package"]),
        ("Bola Adeyemi", ["Opening plenary", "Hubs"], []),
    ]


def test_an_import_with_one_bad_row_imports_nothing(engine: Engine, registered: Conference) -> None:
    before = counts(engine)
    with session(engine) as db:
        keys = registrant_io.session_keys(db, registered)
    preview = registrant_csv.parse(
        "name,email,timezone,languages\r\n"
        "Emeka Eze,emeka@example.org,Africa/Lagos,en\r\n"
        "Fatima Yusuf,fatima@example,Africa/Lagos,ha en\r\n",
        keys,
    )
    assert [row.number for row in preview.rows] == [2]
    with pytest.raises(ImportRejected) as caught, session(engine) as db:
        registrant_io.import_preview(db, registered, preview)
    assert caught.value.errors == (
        "Row 3, email: This is not an email address, such as name@example.org.",
    )
    assert counts(engine) == before


def test_an_email_already_registered_rejects_the_whole_file(
    engine: Engine, registered: Conference
) -> None:
    before = counts(engine)
    with session(engine) as db:
        keys = registrant_io.session_keys(db, registered)
    preview = registrant_csv.parse(
        "name,email,timezone,languages\r\n"
        "Emeka Eze,emeka@example.org,Africa/Lagos,en\r\n"
        "Chen Jie,Chen@example.org,Asia/Taipei,zh\r\n",
        keys,
    )
    assert preview.ok
    with pytest.raises(ImportRejected) as caught, session(engine) as db:
        registrant_io.import_preview(db, registered, preview)
    assert caught.value.errors == (
        "Row 3, email: This email is already registered for this conference.",
    )
    assert counts(engine) == before


def test_a_failure_while_writing_rolls_back_the_rows_already_written(
    engine: Engine, registered: Conference
) -> None:
    # Two rows with one email get past the checks made before writing only when the
    # preview did not come from parse(); the second save() then fails half-way through.
    before = counts(engine)
    same = RegistrationData("Emeka Eze", "emeka@example.org", "Africa/Lagos", ("en",), ())
    preview = Preview((Row(2, same), Row(3, same), Row(4, same)), ())
    with pytest.raises(ImportRejected) as caught, session(engine) as db:
        registrant_io.import_preview(db, registered, preview)
    assert caught.value.errors == (
        "Row 3, email: This email is already registered for this conference.",
    )
    assert counts(engine) == before


def test_a_preview_naming_sessions_of_another_conference_is_rejected(
    engine: Engine, registered: Conference
) -> None:
    data = RegistrationData("Emeka Eze", "emeka@example.org", "Africa/Lagos", ("en",), (999,),
                            childcare=ChildcareNeed(1, (998,)))  # fmt: skip
    with pytest.raises(ImportRejected) as caught, session(engine) as db:
        registrant_io.import_preview(db, registered, Preview((Row(7, data),), ()))
    assert caught.value.errors == (
        "Row 7, sessions: 999 is not a session of this conference.",
        "Row 7, childcare_sessions: 998 is not a session of this conference.",
    )


def test_a_preview_with_errors_or_no_rows_is_rejected(
    engine: Engine, registered: Conference
) -> None:
    before = counts(engine)
    with pytest.raises(ImportRejected) as caught, session(engine) as db:
        registrant_io.import_preview(db, registered, Preview((), ("The file is empty.",)))
    assert caught.value.errors == ("The file is empty.",)
    with pytest.raises(ImportRejected) as caught, session(engine) as db:
        registrant_io.import_preview(db, registered, Preview((), ()))
    assert caught.value.errors == ("The file has no registrants to import.",)
    assert counts(engine) == before


def copy_programme(source: Engine, target: Engine) -> Conference:
    """The source's demo conference and its sessions, without anyone registered."""
    with session(source) as db:
        conference = db.exec(select(Conference)).one()
        sessions = db.exec(select(ProgrammeSession).order_by(ProgrammeSession.id)).all()
    with session(target) as db:
        copy = Conference(**conference.model_dump(exclude={"id"}))
        db.add(copy)
        db.flush()
        for row in reversed(sessions):  # other ids than the source's
            db.add(ProgrammeSession(**row.model_dump(exclude={"id"}) | {"conference_id": copy.id}))
    return copy


def comparable(rows: list[Registrant]) -> list[tuple[object, ...]]:
    """What an organiser sees, without ids (the child's country is not a CSV column)."""
    return [
        (r.name, r.email, r.languages, r.timezone, tuple(s.title for s in r.sessions),
         tuple((s.kind, s.status, s.country if s.kind == "data_package" else "", s.carrier,
                s.gb, s.children, tuple(x.title for x in s.sessions)) for s in r.support))
        for r in rows
    ]  # fmt: skip


def test_the_demo_exported_and_imported_into_a_fresh_database_gives_the_same_registrants(
    engine: Engine, sqlite_template: Path, tmp_path: Path
) -> None:
    conference = demo.load(engine)
    with session(engine) as db:
        exported = registrant_io.export_csv(db, conference)
        original = registrant_io.registrants(db, conference)
    shutil.copy(sqlite_template, tmp_path / "fresh.db")
    fresh = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        copy = copy_programme(engine, fresh)
        with session(fresh) as db:
            preview = registrant_csv.parse(exported.encode(), registrant_io.session_keys(db, copy))
            assert preview.errors == ()
            assert registrant_io.import_preview(db, copy, preview) == 80
        with session(fresh) as db:
            imported = registrant_io.registrants(db, copy)
            again = registrant_io.export_csv(db, copy)
    finally:
        fresh.dispose()
    assert len(original) == 80
    assert comparable(imported) == comparable(original)
    assert again == exported

"""Registrants in and out: the organiser's list with its filters, CSV export, all-or-nothing import."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session as DbSession
from sqlmodel import col, select

from ..domain import registrant_csv
from ..domain.registrant_csv import Preview
from ..domain.support import SupportKind
from . import registrations
from .tables import Attendance, Conference, Person, Registration, SupportRequest
from .tables import Session as ProgrammeSession

SupportFilter = Literal["data_package", "childcare", "any"]
SUPPORT_FILTERS = ("data_package", "childcare", "any")
EMAIL_TAKEN = "This email is already registered for this conference."
CHANGED_MEANWHILE = (
    "the registrations changed while this file was being imported; nothing was imported. Try again."
)


class ImportRejected(Exception):
    """Nothing was imported; ``errors`` says why, one row-numbered sentence each."""

    def __init__(self, errors: Sequence[str]) -> None:
        super().__init__(f"{len(errors)} problem(s) in the file; nothing was imported.")
        self.errors = tuple(errors)


@dataclass(frozen=True)
class SessionRef:
    id: int
    title: str


@dataclass(frozen=True)
class Support:
    """A support request as the registrant list shows it and the CSV carries it."""

    kind: str
    status: str
    country: str = ""
    carrier: str = ""
    gb: float = 0
    children: int = 0
    sessions: tuple[SessionRef, ...] = ()


@dataclass(frozen=True)
class Registrant:
    """One line of the organiser's registrant list."""

    registration_id: int
    name: str
    email: str
    languages: tuple[str, ...]
    timezone: str
    sessions: tuple[SessionRef, ...]
    support: tuple[Support, ...]

    def support_of(self, kind: str) -> Support | None:
        return next((s for s in self.support if s.kind == kind), None)


def registrants(
    db: DbSession,
    conference: Conference,
    *,
    language: str | None = None,
    session_id: int | None = None,
    support: SupportFilter | None = None,
) -> list[Registrant]:
    """The conference's registrants by name, keeping those who match every filter given.

    ``language`` matches any of a registrant's languages, ignoring case; ``session_id`` keeps
    those who attend that session; ``support`` keeps those with a request of that kind
    (whatever its status), or of any kind.
    """
    ids = matching_ids(db, conference, language=language, session_id=session_id, support=support)
    return described(db, conference, ids)


def matching_ids(
    db: DbSession,
    conference: Conference,
    *,
    language: str | None = None,
    session_id: int | None = None,
    support: SupportFilter | None = None,
) -> list[int]:
    """Registration ids matching the filters, in the list's order (by name).

    Filtering and sorting look only at a few columns, so a page of a long list costs little.
    """
    if support is not None and support not in SUPPORT_FILTERS:
        raise ValueError(f"unknown support filter {support!r}")
    assert conference.id is not None
    query = (
        select(col(Registration.id), col(Registration.languages), col(Person.name))
        .join(Person, col(Person.id) == col(Registration.person_id))
        .where(Registration.conference_id == conference.id)
    )
    if session_id is not None:
        attending = select(Attendance.registration_id).where(Attendance.session_id == session_id)
        query = query.where(col(Registration.id).in_(attending))
    if support is not None:
        requests = select(SupportRequest.registration_id)
        if support != "any":
            requests = requests.where(SupportRequest.kind == support)
        query = query.where(col(Registration.id).in_(requests))
    wanted = language.strip().casefold() if language else None
    rows = [
        (name.casefold(), registration_id)
        for registration_id, languages, name in db.exec(query).all()
        if registration_id is not None
        and (not wanted or wanted in {tag.casefold() for tag in languages})
    ]
    return [registration_id for _, registration_id in sorted(rows)]


def described(db: DbSession, conference: Conference, ids: Sequence[int]) -> list[Registrant]:
    """Everything the list shows about these registrations, in the order given."""
    if not ids:
        return []
    assert conference.id is not None
    titles = _titles(db, conference.id)
    people = {
        registration_id: (languages, timezone, name, email)
        for registration_id, languages, timezone, name, email in db.exec(
            select(  # type: ignore[call-overload]  # sqlmodel types select() up to four columns
                col(Registration.id),
                col(Registration.languages),
                col(Registration.timezone),
                col(Person.name),
                col(Person.email),
            )
            .join(Person, col(Person.id) == col(Registration.person_id))
            .where(col(Registration.id).in_(ids))
        ).all()
    }
    attending: dict[int, list[int]] = defaultdict(list)
    for registration_id, attended in db.exec(
        select(Attendance.registration_id, Attendance.session_id).where(
            col(Attendance.registration_id).in_(ids)
        )
    ).all():
        attending[registration_id].append(attended)
    requests: dict[int, list[SupportRequest]] = defaultdict(list)
    for request in db.exec(
        select(SupportRequest)
        .where(col(SupportRequest.registration_id).in_(ids))
        .order_by(col(SupportRequest.kind), col(SupportRequest.id))
    ).all():
        requests[request.registration_id].append(request)
    result = []
    for registration_id in ids:
        languages, timezone, name, email = people[registration_id]
        result.append(
            Registrant(
                registration_id=registration_id,
                name=name,
                email=email,
                languages=tuple(languages),
                timezone=timezone,
                sessions=_refs(attending.get(registration_id, []), titles),
                support=tuple(
                    Support(
                        kind=r.kind,
                        status=r.status,
                        country=r.country,
                        carrier=r.carrier,
                        gb=r.gb,
                        children=r.children,
                        sessions=_refs(r.sessions, titles),
                    )
                    for r in requests.get(registration_id, [])
                ),
            )
        )
    return result


def export_csv(
    db: DbSession,
    conference: Conference,
    *,
    language: str | None = None,
    session_id: int | None = None,
    support: SupportFilter | None = None,
) -> str:
    """The registrants :func:`registrants` lists, as a CSV file that :func:`import_preview` takes back."""
    assert conference.id is not None
    names = _session_names(db, conference.id)
    lines = []
    for person in registrants(
        db, conference, language=language, session_id=session_id, support=support
    ):
        data = person.support_of(SupportKind.DATA_PACKAGE)
        care = person.support_of(SupportKind.CHILDCARE)
        lines.append(
            [
                person.name,
                person.email,
                person.timezone,
                " ".join(person.languages),
                "; ".join(names[s.id] for s in person.sessions),
                data.country if data else "",
                data.carrier if data else "",
                f"{data.gb:g}" if data else "",
                str(care.children) if care else "",
                "; ".join(names[s.id] for s in care.sessions) if care else "",
            ]
        )
    return registrant_csv.write(lines)


def session_keys(db: DbSession, conference: Conference) -> dict[str, int]:
    """The ``sessions`` mapping that :func:`registrant_csv.parse` takes, for this conference."""
    assert conference.id is not None
    return registrant_csv.session_keys(_titles(db, conference.id).items())


def import_preview(db: DbSession, conference: Conference, preview: Preview) -> int:
    """Register every row of the preview, or none: return the number registered.

    Raise :class:`ImportRejected` with row-numbered sentences when the preview has problems,
    names a session this conference does not have, or an email already registered here.
    Those are found before anything is written. Should a write still fail (another import
    racing this one), the session's transaction is rolled back before raising.
    """
    assert conference.id is not None
    if not preview.ok:
        raise ImportRejected(preview.errors or ("The file has no registrants to import.",))
    known = set(_titles(db, conference.id))
    registered = {
        email.casefold()
        for email in db.exec(
            select(Person.email)
            .join(Registration, col(Registration.person_id) == col(Person.id))
            .where(Registration.conference_id == conference.id)
        ).all()
    }
    errors = []
    for row in preview.rows:
        if row.data.email.casefold() in registered:
            errors.append(f"Row {row.number}, email: {EMAIL_TAKEN}")
        for column, chosen in (
            ("sessions", row.data.sessions),
            ("childcare_sessions", row.data.childcare.sessions if row.data.childcare else ()),
        ):
            unknown = [ident for ident in chosen if ident not in known]
            if unknown:
                errors.append(
                    f"Row {row.number}, {column}: {unknown[0]} is not a session of this conference."
                )
    if errors:
        raise ImportRejected(errors)

    row_number = 0
    try:
        for row in preview.rows:
            row_number = row.number
            registrations.save(db, conference, row.data)
        db.flush()
    except registrations.EmailTaken:
        db.rollback()
        raise ImportRejected([f"Row {row_number}, email: {EMAIL_TAKEN}"]) from None
    except IntegrityError:
        # Someone registered the same email while this import ran.
        db.rollback()
        raise ImportRejected([f"Row {row_number}: {CHANGED_MEANWHILE}"]) from None
    except BaseException:
        db.rollback()
        raise
    return len(preview.rows)


def _titles(db: DbSession, conference_id: int) -> dict[int, str]:
    """Session id → title, in programme order."""
    rows = db.exec(
        select(ProgrammeSession.id, ProgrammeSession.title)
        .where(ProgrammeSession.conference_id == conference_id)
        .order_by(col(ProgrammeSession.start), col(ProgrammeSession.id))
    ).all()
    return {ident: title for ident, title in rows if ident is not None}


def _session_names(db: DbSession, conference_id: int) -> dict[int, str]:
    """How the CSV names each session: its title, or its id where the title would not read back."""
    titles = _titles(db, conference_id)
    keys = registrant_csv.session_keys(titles.items())
    names = {}
    for ident, title in titles.items():
        readable = title.strip() == title and ";" not in title and not title.isdigit()
        names[ident] = title if readable and keys.get(title.casefold()) == ident else str(ident)
    return names


def _refs(ids: Sequence[int], titles: dict[int, str]) -> tuple[SessionRef, ...]:
    """The sessions among ``ids``, in programme order."""
    chosen = set(ids)
    return tuple(SessionRef(ident, title) for ident, title in titles.items() if ident in chosen)

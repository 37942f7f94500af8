"""The database tables (SQLModel). Money is kept in integer cents, times in UTC."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Column, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from .types import JSONList, UTCDateTime


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(nullable: bool = False) -> Any:
    return Field(sa_type=UTCDateTime, nullable=nullable)


def _list() -> Any:
    return Field(default_factory=list, sa_type=JSONList, nullable=False)


class Conference(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, max_length=64)
    name: str = Field(max_length=200)
    timezone: str = Field(max_length=64)
    start_date: date
    end_date: date
    data_budget_cents: int = 0
    childcare_budget_cents: int = 0


class Person(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    email: str = Field(unique=True, index=True, max_length=254)
    roles: list[str] = _list()
    locale: str = Field(default="en", max_length=16)
    # Part of every session cookie; raised on sign-out and on losing a role, which ends
    # every cookie issued before (copies included).
    session_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)


class Session(SQLModel, table=True):
    """A session of the programme (not a database session)."""

    __tablename__ = "programme_session"

    id: int | None = Field(default=None, primary_key=True)
    conference_id: int = Field(foreign_key="conference.id", index=True)
    title: str = Field(max_length=200)
    kind: str = Field(max_length=16)
    start: datetime = _utc()
    end: datetime = _utc()
    floor_languages: list[str] = _list()
    interpretation_languages: list[str] = _list()
    description: str = Field(default="", max_length=4000)


class Registration(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("conference_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    conference_id: int = Field(foreign_key="conference.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    languages: list[str] = _list()
    timezone: str = Field(max_length=64)
    token: str = Field(unique=True, index=True, max_length=64)
    # Opens only the calendar feed, read-only: a calendar subscribed by others leaks no edit link.
    calendar_token: str = Field(
        default_factory=lambda: secrets.token_urlsafe(32), unique=True, index=True, max_length=64
    )
    created_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)


class Attendance(SQLModel, table=True):
    """A registrant's plan to attend a session."""

    registration_id: int = Field(foreign_key="registration.id", primary_key=True)
    session_id: int = Field(foreign_key="programme_session.id", primary_key=True, index=True)


class SupportRequest(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="registration.id", index=True)
    kind: str = Field(max_length=16)
    status: str = Field(default="requested", max_length=16)
    country: str = Field(default="", max_length=2)
    carrier: str = Field(default="", max_length=100)
    gb: float = 0
    children: int = 0
    sessions: list[int] = _list()
    priority: int = 1
    amount_cents: int | None = None
    reason: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)


class DataOffer(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    conference_id: int = Field(foreign_key="conference.id", index=True)
    country: str = Field(max_length=2)
    carrier: str = Field(max_length=100)
    gb: float
    price_cents: int


class ChildcareRate(SQLModel, table=True):
    """Hourly childcare rate per child; the country "default" applies elsewhere."""

    id: int | None = Field(default=None, primary_key=True)
    conference_id: int = Field(foreign_key="conference.id", index=True)
    country: str = Field(max_length=8)
    rate_cents: int


class InterpreterProfile(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", unique=True)
    a_languages: list[str] = _list()
    b_languages: list[str] = _list()
    c_languages: list[str] = _list()
    timezone: str = Field(default="UTC", max_length=64)
    max_minutes_per_day: int | None = None


class AvailabilityWindow(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    profile_id: int = Field(foreign_key="interpreterprofile.id", index=True)
    start: datetime = _utc()
    end: datetime = _utc()


class SignInToken(SQLModel, table=True):
    """A one-time sign-in link; only the token's SHA-256 is stored."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, index=True, max_length=64)
    person_id: int = Field(foreign_key="person.id", index=True)
    expires_at: datetime = _utc()
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


class RegistrationConfirmation(SQLModel, table=True):
    """A registration waiting for its owner to prove the address by the emailed link.

    Only the token's SHA-256 is stored; ``form`` is the form as submitted, cleaned again on
    confirmation, so nothing reaches a person or a registration before the owner says so.
    """

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, index=True, max_length=64)
    conference_id: int = Field(foreign_key="conference.id", index=True)
    email: str = Field(max_length=254)
    form: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    expires_at: datetime = _utc()
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


class LightningTalk(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    conference_id: int = Field(foreign_key="conference.id", index=True)
    speaker_id: int = Field(foreign_key="person.id", index=True)
    title: str = Field(max_length=200)
    abstract: str = Field(default="", max_length=2000)
    language: str = Field(max_length=35)
    duration_minutes: int = 5
    slides_url: str = Field(default="", max_length=500)
    status: str = Field(default="submitted", max_length=16)
    priority: int = 1
    block_id: int | None = Field(default=None, foreign_key="programme_session.id")
    slot_start: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    slot_end: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    created_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)
    # The zone the speaker typed their windows in, to show them back the same way.
    timezone: str = Field(default="UTC", max_length=64)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    notified_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


class SpeakerWindow(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    talk_id: int = Field(foreign_key="lightningtalk.id", index=True)
    start: datetime = _utc()
    end: datetime = _utc()


class BreakoutRoom(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="programme_session.id", index=True)
    name: str = Field(max_length=100)
    topic: str = Field(default="", max_length=200)
    capacity: int = 12
    languages: list[str] = _list()


class BreakoutPreference(SQLModel, table=True):
    registration_id: int = Field(foreign_key="registration.id", primary_key=True)
    room_id: int = Field(foreign_key="breakoutroom.id", primary_key=True)
    rank: int = 0


class BreakoutAssignment(SQLModel, table=True):
    registration_id: int = Field(foreign_key="registration.id", primary_key=True)
    room_id: int = Field(foreign_key="breakoutroom.id", primary_key=True, index=True)


class Booth(SQLModel, table=True):
    """An open interpretation booth: a session's channel into one language."""

    __table_args__ = (UniqueConstraint("session_id", "language"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="programme_session.id", index=True)
    language: str = Field(max_length=35)
    sources: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class BoothMember(SQLModel, table=True):
    booth_id: int = Field(foreign_key="booth.id", primary_key=True)
    person_id: int = Field(foreign_key="person.id", primary_key=True, index=True)


class BoothTurn(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    booth_id: int = Field(foreign_key="booth.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    start: datetime = _utc()
    end: datetime = _utc()


class PlanRun(SQLModel, table=True):
    """One planner run: what it was fed, what it answered, and what applying it changed."""

    id: int | None = Field(default=None, primary_key=True)
    conference_id: int = Field(foreign_key="conference.id", index=True)
    kind: str = Field(max_length=16)
    # What the run covers within its kind: the breakout session's id, or "" for the whole event.
    scope: str = Field(default="", max_length=64)
    input: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    result: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(max_length=16)
    changes: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)
    applied_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    created_by: int | None = Field(default=None, foreign_key="person.id")


class Poll(SQLModel, table=True):
    """A ranked-priority poll for the whole event (no session) or one session's rooms."""

    id: int | None = Field(default=None, primary_key=True)
    conference_id: int = Field(foreign_key="conference.id", index=True)
    session_id: int | None = Field(default=None, foreign_key="programme_session.id")
    title: str = Field(max_length=200)
    options: list[str] = _list()
    status: str = Field(default="draft", max_length=16)
    created_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)


class Ballot(SQLModel, table=True):
    """One person's ranking in one poll; a changed ballot replaces the old one."""

    __table_args__ = (UniqueConstraint("poll_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="poll.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    # The breakout room the ballot was cast in, for results per room; None: the main room.
    breakout_room_id: int | None = Field(default=None, foreign_key="breakoutroom.id")
    ranking: list[int] = Field(default_factory=list, sa_type=JSONList, nullable=False)
    cast_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)


class LiveSnapshot(SQLModel, table=True):
    """The latest snapshot of a conference's live rooms (when no Redis is configured)."""

    key: str = Field(primary_key=True, max_length=64)  # the conference's live key
    body: str = Field(sa_column=Column(Text, nullable=False))  # JSON, rooms/snapshot.py
    saved_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)


class BreakoutNotes(SQLModel, table=True):
    """A breakout room's shared notes (the CRDT document and its text), rapporteur and summary."""

    __tablename__ = "breakout_notes"

    id: int | None = Field(default=None, primary_key=True)
    room_id: str = Field(unique=True, max_length=64)  # the live room's id
    session_id: int = Field(foreign_key="programme_session.id", index=True)
    title: str = Field(max_length=120)
    state: bytes = Field(default=b"", sa_column=Column(LargeBinary, nullable=False))
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    rapporteur_name: str = Field(default="", max_length=200)
    rapporteur_person_id: int | None = Field(default=None, foreign_key="person.id")
    summary: str = Field(default="", sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)


class AutoCaptions(SQLModel, table=True):
    """A session whose floor is captioned automatically (present: on), in its floor language."""

    __tablename__ = "auto_captions"

    session_id: int = Field(foreign_key="programme_session.id", primary_key=True)
    turned_on_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)


class AutoCaptionBooth(SQLModel, table=True):
    """A booth output (by language) of a session captioned automatically (present: on)."""

    __tablename__ = "auto_caption_booth"

    session_id: int = Field(foreign_key="programme_session.id", primary_key=True)
    language: str = Field(max_length=35, primary_key=True)
    turned_on_at: datetime = Field(default_factory=_now, sa_type=UTCDateTime)


class CaptionerAssignment(SQLModel, table=True):
    """A person who types live captions for a session's rooms, in one language."""

    __tablename__ = "captioner_assignment"
    __table_args__ = (UniqueConstraint("session_id", "person_id", "language"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="programme_session.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    language: str = Field(max_length=35)

"""The captioner roster and the automatic-captions switch in the conference's database."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import select

from conference.storage import engine as storage
from conference.storage.tables import AutoCaptionBooth, AutoCaptions, CaptionerAssignment
from conference.storage.tables import Session as ProgrammeSession


class DatabaseCaptioners:
    """A ``CaptionRoster`` on ``captioner_assignment``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def languages(self, session_id: str, person_id: str) -> frozenset[str]:
        if not (session_id.isascii() and session_id.isdigit()):
            return frozenset()
        if not (person_id.isascii() and person_id.isdigit()):
            return frozenset()
        with storage.session(self.engine) as db:
            rows = db.exec(
                select(CaptionerAssignment.language).where(
                    CaptionerAssignment.session_id == int(session_id),
                    CaptionerAssignment.person_id == int(person_id),
                )
            ).all()
        return frozenset(rows)


class DatabaseAutoCaptions:
    """An ``AutoCaptionSettings`` on ``auto_captions`` (the floor language of a session that
    has it on) and ``auto_caption_booth`` (its booth outputs turned on, by language)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def language(self, session_id: str) -> str | None:
        if not (session_id.isascii() and session_id.isdigit()):
            return None
        with storage.session(self.engine) as db:
            if db.get(AutoCaptions, int(session_id)) is None:
                return None
            session = db.get(ProgrammeSession, int(session_id))
        if session is None or not session.floor_languages:
            return None
        return session.floor_languages[0]

    def booth_languages(self, session_id: str) -> frozenset[str]:
        if not (session_id.isascii() and session_id.isdigit()):
            return frozenset()
        with storage.session(self.engine) as db:
            session = db.get(ProgrammeSession, int(session_id))
            if session is None:
                return frozenset()
            rows = db.exec(
                select(AutoCaptionBooth.language).where(
                    AutoCaptionBooth.session_id == int(session_id)
                )
            ).all()
            # Only languages the session is interpreted into (the programme may have changed).
            return frozenset(rows) & frozenset(session.interpretation_languages)

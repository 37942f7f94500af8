"""The captioner roster in the conference's database, for the captions extension."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import select

from conference.storage import engine as storage
from conference.storage.tables import CaptionerAssignment


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

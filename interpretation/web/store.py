"""Booths as the applied roster left them in the database, for the live extension and the pages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session as DbSession
from sqlmodel import col, select

from conference.storage import engine as storage
from conference.storage.tables import Booth, BoothMember, BoothTurn, Person
from interpretation.signalling.state import BoothSpec, Turn


def _source(sources: dict[str, str]) -> str:
    """The roster names a source per floor language; a relay one is what the console needs."""
    relays = sorted({v for v in sources.values() if v.startswith("relay:")})
    return relays[0] if len(relays) == 1 else "floor"


def booth_specs(db: DbSession, session_id: int) -> list[BoothSpec]:
    booths = db.exec(
        select(Booth).where(Booth.session_id == session_id).order_by(col(Booth.id))
    ).all()
    specs = []
    for booth in booths:
        members = db.exec(
            select(Person.id, Person.name)
            .join(BoothMember, col(BoothMember.person_id) == col(Person.id))
            .where(BoothMember.booth_id == booth.id)
            .order_by(col(Person.id))
        ).all()
        turns = db.exec(
            select(BoothTurn).where(BoothTurn.booth_id == booth.id).order_by(col(BoothTurn.start))
        ).all()
        specs.append(
            BoothSpec(
                languages=(booth.language,),
                members=tuple((str(pid), name) for pid, name in members),
                turns=tuple(Turn(str(t.person_id), t.start, t.end) for t in turns),
                source=_source(booth.sources),
            )
        )
    return specs


def is_stored_member(db: DbSession, session_id: int, person_id: int) -> bool:
    found = db.exec(
        select(BoothMember.booth_id)
        .join(Booth, col(Booth.id) == col(BoothMember.booth_id))
        .where(Booth.session_id == session_id, BoothMember.person_id == person_id)
    ).first()
    return found is not None


@dataclass(frozen=True)
class DatabaseBooths:
    """The extension's :class:`~interpretation.signalling.service.BoothStore` on the database."""

    engine: Engine

    def booths(self, session_id: str) -> list[BoothSpec]:
        if not session_id.isdigit():
            return []
        with storage.session(self.engine) as db:
            return booth_specs(db, int(session_id))

    def names(self, person_ids: Sequence[str]) -> dict[str, str]:
        ids = [int(p) for p in person_ids if p.isdigit()]
        if not ids:
            return {}
        with storage.session(self.engine) as db:
            rows = db.exec(select(Person.id, Person.name).where(col(Person.id).in_(ids))).all()
            return {str(pid): name for pid, name in rows}

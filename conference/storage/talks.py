"""Lightning talks: submissions and their windows, decisions, slots, and the running order."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session as DbSession
from sqlmodel import col, delete, select

from ..domain.talks import Status, TalkData
from ..planning.lightning import Block, Placement, Slot, Talk
from .plans import CHANGEOVER_MINUTES, SLOT_MINUTES
from .tables import Booth, Conference, LightningTalk, Person, Session, SpeakerWindow


def blocks(db: DbSession, conference: Conference) -> list[Session]:
    """The conference's lightning blocks, in time order."""
    return list(
        db.exec(
            select(Session)
            .where(Session.conference_id == conference.id, Session.kind == "lightning")
            .order_by(col(Session.start), col(Session.id))
        ).all()
    )


def block_languages(block: Session) -> list[str]:
    """What a talk in this block may be given in: the floor and the booths' languages."""
    return list(dict.fromkeys([*block.floor_languages, *block.interpretation_languages]))


def offered_languages(db: DbSession, conference: Conference) -> list[str]:
    """Every language some lightning block takes."""
    found: dict[str, None] = {}
    for block in blocks(db, conference):
        found.update(dict.fromkeys(block_languages(block)))
    return list(found)


def block_of(block: Session) -> Block:
    """A block as the planner and the move checker see it."""
    return Block(
        str(block.id),
        block.start,
        block.end,
        SLOT_MINUTES,
        CHANGEOVER_MINUTES,
        tuple(block_languages(block)),
    )


def get(db: DbSession, conference: Conference, talk_id: int) -> LightningTalk | None:
    talk = db.get(LightningTalk, talk_id)
    return talk if talk is not None and talk.conference_id == conference.id else None


def of_speaker(db: DbSession, person: Person) -> list[LightningTalk]:
    return list(
        db.exec(
            select(LightningTalk)
            .where(LightningTalk.speaker_id == person.id)
            .order_by(col(LightningTalk.created_at), col(LightningTalk.id))
        ).all()
    )


def windows(db: DbSession, talk: LightningTalk) -> list[SpeakerWindow]:
    return list(
        db.exec(
            select(SpeakerWindow)
            .where(SpeakerWindow.talk_id == talk.id)
            .order_by(col(SpeakerWindow.start))
        ).all()
    )


def save(
    db: DbSession,
    conference: Conference,
    speaker: Person,
    data: TalkData,
    talk: LightningTalk | None = None,
) -> LightningTalk:
    """Create or update a submission and replace its windows.

    Submitting grants no role: the ``speaker`` role would hold the floor of every plenary.
    A talk's speaker speaks on its block's stage during their slot, once it is accepted.
    """
    if talk is None:
        assert conference.id is not None and speaker.id is not None
        talk = LightningTalk(
            conference_id=conference.id, speaker_id=speaker.id, title=data.title, language=""
        )
    talk.title = data.title
    talk.abstract = data.abstract
    talk.language = data.language
    talk.duration_minutes = data.duration_minutes
    talk.slides_url = data.slides_url
    talk.timezone = data.timezone
    db.add(talk)
    db.flush()
    db.exec(delete(SpeakerWindow).where(col(SpeakerWindow.talk_id) == talk.id))  # type: ignore[call-overload]
    assert talk.id is not None
    for window in data.windows:
        db.add(SpeakerWindow(talk_id=talk.id, start=window.start, end=window.end))
    db.flush()
    return talk


def for_review(
    db: DbSession, conference: Conference, status: str | None = None
) -> list[tuple[LightningTalk, Person]]:
    query = (
        select(LightningTalk, Person)
        .join(Person, col(Person.id) == LightningTalk.speaker_id)
        .where(LightningTalk.conference_id == conference.id)
    )
    if status:
        query = query.where(LightningTalk.status == status)
    return list(db.exec(query.order_by(col(LightningTalk.created_at), col(LightningTalk.id))).all())


def decide(
    db: DbSession, talk: LightningTalk, status: Status, priority: int, now: datetime
) -> bool:
    """Record the decision; True when the status changed (the speaker is then told)."""
    changed = talk.status != status.value
    talk.status = status.value
    talk.priority = priority
    if changed:
        talk.decided_at = now
        talk.notified_at = None
        if status is not Status.ACCEPTED:
            # Only accepted talks keep a slot on the programme.
            talk.block_id = talk.slot_start = talk.slot_end = None
    db.add(talk)
    db.flush()
    return changed


def mark_notified(db: DbSession, talk: LightningTalk, now: datetime) -> None:
    talk.notified_at = now
    db.add(talk)
    db.flush()


def planner_talk(db: DbSession, talk: LightningTalk) -> Talk:
    found = windows(db, talk)
    return Talk(
        str(talk.id),
        str(talk.speaker_id),
        talk.language,
        talk.priority,
        tuple((w.start, w.end) for w in found) if found else None,
    )


def placements(db: DbSession, conference: Conference) -> list[Placement]:
    """Every talk that holds a slot now, as the planner would have placed it."""
    rows = db.exec(
        select(LightningTalk).where(
            LightningTalk.conference_id == conference.id,
            col(LightningTalk.block_id).is_not(None),
            col(LightningTalk.slot_start).is_not(None),
        )
    ).all()
    return [
        Placement(
            str(t.id),
            str(t.speaker_id),
            Slot(str(t.block_id), -1, t.slot_start, t.slot_end or t.slot_start),
        )
        for t in rows
        if t.slot_start is not None
    ]


def move(db: DbSession, talk: LightningTalk, block: Session, slot: Slot) -> None:
    talk.block_id = block.id
    talk.slot_start = slot.start
    talk.slot_end = slot.end
    db.add(talk)
    db.flush()


def unslot(db: DbSession, talk: LightningTalk) -> None:
    talk.block_id = talk.slot_start = talk.slot_end = None
    db.add(talk)
    db.flush()


def running_order(db: DbSession, block: Session) -> list[tuple[LightningTalk, Person]]:
    """The accepted talks slotted in this block, in slot order."""
    return list(
        db.exec(
            select(LightningTalk, Person)
            .join(Person, col(Person.id) == LightningTalk.speaker_id)
            .where(
                LightningTalk.block_id == block.id,
                LightningTalk.status == Status.ACCEPTED.value,
                col(LightningTalk.slot_start).is_not(None),
            )
            .order_by(col(LightningTalk.slot_start), col(LightningTalk.id))
        ).all()
    )


def slotted_by_block(
    db: DbSession, conference: Conference
) -> dict[int, list[tuple[LightningTalk, Person]]]:
    """Each block's accepted, slotted talks with their speakers, in slot order (programme)."""
    rows = db.exec(
        select(LightningTalk, Person)
        .join(Person, col(Person.id) == LightningTalk.speaker_id)
        .where(
            LightningTalk.conference_id == conference.id,
            LightningTalk.status == Status.ACCEPTED.value,
            col(LightningTalk.slot_start).is_not(None),
        )
        .order_by(col(LightningTalk.slot_start), col(LightningTalk.id))
    ).all()
    found: dict[int, list[tuple[LightningTalk, Person]]] = {}
    for talk, speaker in rows:
        if talk.block_id is not None:
            found.setdefault(talk.block_id, []).append((talk, speaker))
    return found


def speaker_slots(db: DbSession, person_id: int) -> list[tuple[LightningTalk, Session]]:
    """A speaker's accepted talks that have a slot, with their block."""
    return list(
        db.exec(
            select(LightningTalk, Session)
            .join(Session, col(Session.id) == LightningTalk.block_id)
            .where(
                LightningTalk.speaker_id == person_id,
                LightningTalk.status == Status.ACCEPTED.value,
                col(LightningTalk.slot_start).is_not(None),
            )
            .order_by(col(LightningTalk.slot_start))
        ).all()
    )


def booths_of(db: DbSession, block: Session) -> list[Booth]:
    """The block's open booths (from the applied roster), by language."""
    return list(
        db.exec(select(Booth).where(Booth.session_id == block.id).order_by(col(Booth.language)))
    )

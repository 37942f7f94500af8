"""The lightning stage on the room page: the block's running order, handed to the live stage.

The room page of a lightning block calls :func:`prepare` from its worker thread: it reads
the accepted, slotted talks from the database, then gives them to the registry's stage on
the event loop (the registry is not shared with worker threads).
"""

from __future__ import annotations

from typing import Any

from anyio import from_thread

from conference.domain import languages
from conference.domain.stage import StageTalk
from conference.storage import talks as storage
from conference.storage.tables import Session
from conference.web.page import Ctx
from rooms import stage
from rooms.web.live import LiveRooms

__all__ = ["prepare", "running_order", "texts"]


def running_order(ctx: Ctx, block: Session) -> tuple[StageTalk, ...]:
    """The block's talks as the stage runs them: each as long as its speaker asked, within its slot."""
    order = []
    for talk, speaker in storage.running_order(ctx.db, block):
        seconds = talk.duration_minutes * 60
        if talk.slot_start is not None and talk.slot_end is not None:
            seconds = min(seconds, int((talk.slot_end - talk.slot_start).total_seconds()))
        order.append(
            StageTalk(
                talk_id=str(talk.id),
                title=talk.title,
                speaker=str(speaker.id),
                speaker_name=speaker.name,
                language=talk.language,
                language_name=languages.native_name(talk.language),
                seconds=max(seconds, 1),
                slides_url=talk.slides_url,
            )
        )
    return tuple(order)


def prepare(ctx: Ctx, live: LiveRooms, block: Session, room_id: str) -> None:
    """Give the block's room its running order (a stage under way keeps its own)."""
    talks = running_order(ctx, block)
    from_thread.run_sync(stage.prepare, live.registry, room_id, str(block.id), talks)


def texts(ctx: Ctx) -> dict[str, Any]:
    """The stage panel's sentences, in the viewer's language."""
    _ = ctx._
    return {
        "waiting": _("The block has not started yet."),
        "finished": _("The block is over. Thank you!"),
        "now": _("Now on stage"),
        "next": _("Up next"),
        "nobody_next": _("This is the last talk."),
        "one_minute": _("One minute left"),
        "twenty_seconds": _("20 seconds left: time to wrap up"),
        "overrun": _("Over time"),
        "given": _("given"),
        "skipped": _("skipped"),
    }

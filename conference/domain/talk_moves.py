"""Moving a lightning talk by hand: what the move would break, as warnings.

The organiser may still make the move; the page shows each warning first. The rules
are the planner's own (``conference.planning.lightning``: how a block is cut into
slots, when a slot fits a speaker's windows, when two slots overlap, which languages
a block takes), so a move the checker passes is one the planner could have made.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ..planning.lightning import Block, Placement, Slot, Talk, cut, fits, overlap
from .fields import Message


class Problem(StrEnum):
    NOT_A_SLOT = "not_a_slot"
    UNAVAILABLE = "unavailable"
    LANGUAGE = "language"
    SLOT_TAKEN = "slot_taken"
    DOUBLE_BOOKED = "double_booked"


@dataclass(frozen=True)
class MoveWarning:
    problem: Problem
    message: Message
    other_talk: str | None = None


def slot_at(block: Block, start: datetime) -> Slot | None:
    """The block's slot that starts at ``start``, if there is one."""
    return next((slot for slot in cut(block) if slot.start == start), None)


def check_move(
    talk: Talk, block: Block, start: datetime, placed: Iterable[Placement]
) -> list[MoveWarning]:
    """What moving ``talk`` to the slot of ``block`` starting at ``start`` would break.

    ``placed`` is every other talk that holds a slot now (any block: blocks may run in
    parallel); the talk's own current placement is ignored.
    """
    slot = slot_at(block, start)
    if slot is None:
        return [
            MoveWarning(
                Problem.NOT_A_SLOT,
                Message("No slot of this block starts at that time."),
            )
        ]
    warnings = []
    if not fits(slot, talk.available):
        warnings.append(
            MoveWarning(
                Problem.UNAVAILABLE,
                Message("The speaker is not available for the whole of this slot."),
            )
        )
    if not block.accepts(talk.language):
        warnings.append(
            MoveWarning(
                Problem.LANGUAGE,
                Message(
                    "This block does not take talks in %(language)s: neither its floor "
                    "nor its booths work in it.",
                    language=talk.language,
                ),
            )
        )
    for other in placed:
        if other.talk == talk.id:
            continue
        if other.slot.block == slot.block and other.slot.start == slot.start:
            warnings.append(
                MoveWarning(
                    Problem.SLOT_TAKEN,
                    Message("Another talk already has this slot."),
                    other.talk,
                )
            )
        elif other.speaker == talk.speaker and overlap(other.slot, slot):
            warnings.append(
                MoveWarning(
                    Problem.DOUBLE_BOOKED,
                    Message("The speaker gives another talk at the same time."),
                    other.talk,
                )
            )
    return warnings

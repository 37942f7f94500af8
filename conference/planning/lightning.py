"""Planning lightning talks: which talk takes which slot of which lightning block (`plan lightning`).

The model is one boolean per (talk, slot) pair the rules allow: the block accepts
the talk's language and the slot lies wholly inside one of the speaker's windows.
A talk takes at most one slot, a slot holds at most one talk, and a speaker's
slots never overlap: at every slot start the speaker's slots running then form
a clique, and an at-most-one over each clique covers every overlap of the
interval graph. Where any free slot of a block will do, one boolean per (talk,
block) and a count per block replace the slot booleans. The objective is the sum
of priorities; among plans with that sum, more talks are better (a lower-weighted
second term).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ortools.sat.python import cp_model

from conference.planning import solver
from conference.planning.inputs import Reader, language_key, utc_z

Window = tuple[datetime, datetime]


@dataclass(frozen=True)
class Block:
    """A lightning block: a stretch of time cut into equal slots."""

    id: str
    start: datetime
    end: datetime
    slot_minutes: float
    changeover_minutes: float
    languages: tuple[str, ...]

    def accepts(self, language: str) -> bool:
        return language_key(language) in {language_key(tag) for tag in self.languages}


@dataclass(frozen=True)
class Talk:
    id: str
    speaker: str
    language: str
    priority: int = 1
    available: tuple[Window, ...] | None = None
    """None: the speaker is always available."""


@dataclass(frozen=True)
class Programme:
    """The whole input: blocks and talks, in input order."""

    blocks: tuple[Block, ...]
    talks: tuple[Talk, ...]


@dataclass(frozen=True)
class Slot:
    block: str
    index: int
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Placement:
    talk: str
    speaker: str
    slot: Slot


@dataclass(frozen=True)
class Unscheduled:
    talk: str
    reason: str


@dataclass(frozen=True)
class Schedule:
    status: solver.Status
    scheduled_priority: int
    slots: tuple[Placement, ...]
    unscheduled: tuple[Unscheduled, ...]


def plan(document: dict[str, Any], time_limit: float | None = None) -> dict[str, Any]:
    """Validate the input document and return the schedule in the shape of the spec."""
    return as_document(solve(parse(document), time_limit))


# -- reading ----------------------------------------------------------------


def parse(document: dict[str, Any]) -> Programme:
    """Read and validate the whole document; raises InvalidInput listing every problem."""
    reader = Reader()
    block_items = reader.objects(document, "blocks")
    reader.unique_ids(block_items)
    blocks = []
    for path, item in block_items:
        span = reader.window(item, path)
        slot = reader.number(item, "slot_minutes", path, positive=True)
        changeover = reader.number(item, "changeover_minutes", path, required=False, default=0.0)
        languages = reader.languages(item, "languages", path)
        if span is not None and slot is not None and changeover is not None:
            blocks.append(
                Block(str(item.get("id")), span[0], span[1], slot, changeover, tuple(languages))
            )

    talk_items = reader.objects(document, "talks")
    reader.unique_ids(talk_items)
    talks = []
    for path, item in talk_items:
        speaker = reader.identifier(item, "speaker", path)
        language = reader.string(item, "language", path)
        priority = reader.integer(item, "priority", path, required=False, default=1)
        windows = reader.windows(item, "available", path)
        if speaker is not None and language is not None and priority is not None:
            available = None if windows is None else tuple(windows)
            talks.append(Talk(str(item.get("id")), speaker, language, priority, available))
    reader.check()
    return Programme(tuple(blocks), tuple(talks))


def cut(block: Block) -> tuple[Slot, ...]:
    """The block's slots: slot k starts k × (slot + changeover) minutes in and must end in time."""
    step = timedelta(minutes=block.slot_minutes + block.changeover_minutes)
    length = timedelta(minutes=block.slot_minutes)
    slots = []
    index = 0
    while block.start + index * step + length <= block.end:
        start = block.start + index * step
        slots.append(Slot(block.id, index, start, start + length))
        index += 1
    return tuple(slots)


def fits(slot: Slot, available: tuple[Window, ...] | None) -> bool:
    """Whether the slot lies wholly inside one window (always, when no windows are given)."""
    if available is None:
        return True
    return any(start <= slot.start and slot.end <= end for start, end in available)


def overlap(a: Slot, b: Slot) -> bool:
    return a.start < b.end and b.start < a.end


# -- solving ----------------------------------------------------------------


def solve(programme: Programme, time_limit: float | None = None) -> Schedule:
    """Choose the slots that maximise the scheduled priority."""
    slots_of = {block.id: cut(block) for block in programme.blocks}
    slots = [slot for block in programme.blocks for slot in slots_of[block.id]]
    accepted = {
        block.id: {language_key(tag) for tag in block.languages} for block in programme.blocks
    }
    candidates: dict[str, list[Slot]] = {
        talk.id: [
            slot
            for slot in slots
            if language_key(talk.language) in accepted[slot.block] and fits(slot, talk.available)
        ]
        for talk in programme.talks
    }
    whole = _whole_blocks(programme, slots_of, candidates)

    model = cp_model.CpModel()
    exact: dict[tuple[str, Slot], cp_model.IntVar] = {}
    anywhere: dict[tuple[str, str], cp_model.IntVar] = {}
    for talk in programme.talks:
        for slot in candidates[talk.id]:
            if slot.block in whole[talk.id]:
                if (talk.id, slot.block) not in anywhere:
                    anywhere[talk.id, slot.block] = model.new_bool_var(f"{talk.id}@{slot.block}")
            else:
                exact[talk.id, slot] = model.new_bool_var(f"{talk.id}@{slot.block}#{slot.index}")
    by_talk: dict[str, list[cp_model.IntVar]] = defaultdict(list)
    by_slot: dict[Slot, list[cp_model.IntVar]] = defaultdict(list)
    by_block: dict[str, list[cp_model.IntVar]] = defaultdict(list)
    for (talk_id, slot), var in exact.items():
        by_talk[talk_id].append(var)
        by_slot[slot].append(var)
        by_block[slot.block].append(var)
    for (talk_id, block_id), var in anywhere.items():
        by_talk[talk_id].append(var)
        by_block[block_id].append(var)
    for group in [*by_talk.values(), *by_slot.values()]:
        model.add_at_most_one(group)
    for block_id in {block_id for _, block_id in anywhere}:
        model.add(sum(by_block[block_id]) <= len(slots_of[block_id]))
    for talks in _by_speaker(programme.talks).values():
        pairs = [(talk.id, slot) for talk in talks for slot in candidates[talk.id]]
        for clique in _cliques([pair for pair in pairs if pair in exact]):
            model.add_at_most_one(exact[pair] for pair in clique)

    # Any number of extra talks is worth less than one unit of priority.
    weight = len(programme.talks) + 1
    priority = {talk.id: talk.priority for talk in programme.talks}
    model.maximize(
        sum((priority[name] * weight + 1) * var for (name, _), var in exact.items())
        + sum((priority[name] * weight + 1) * var for (name, _), var in anywhere.items())
    )
    # Measured: on event-sized models the presolve costs more than it saves.
    result = solver.solve(model, time_limit, cp_model_presolve=False)

    placed = {name: slot for (name, slot), var in exact.items() if result.chosen(var)}
    taken = set(placed.values())
    for (name, block_id), var in anywhere.items():
        if result.chosen(var):
            # The block's count constraint leaves a free slot for every such talk.
            free = next(slot for slot in slots_of[block_id] if slot not in taken)
            placed[name] = free
            taken.add(free)
    return _schedule(programme, result.status, candidates, placed)


def _whole_blocks(
    programme: Programme,
    slots_of: dict[str, tuple[Slot, ...]],
    candidates: dict[str, list[Slot]],
) -> dict[str, set[str]]:
    """For each talk, the blocks where any free slot will do.

    That holds when the talk fits every slot of the block and no other talk of the
    speaker could take a slot of another block that overlaps this one; the model
    then needs one variable per block instead of one per slot, which keeps large
    events small.
    """
    speakers = _by_speaker(programme.talks)
    whole: dict[str, set[str]] = {}
    for talk in programme.talks:
        others = [
            slot
            for other in speakers[talk.speaker]
            if other.id != talk.id
            for slot in candidates[other.id]
        ]
        fitting: dict[str, int] = defaultdict(int)
        for slot in candidates[talk.id]:
            fitting[slot.block] += 1
        whole[talk.id] = set()
        for block_id, count in fitting.items():
            block_slots = slots_of[block_id]
            start, end = block_slots[0].start, block_slots[-1].end
            # Slots of one block never overlap, so only other blocks can clash.
            if count == len(block_slots) and not any(
                slot.block != block_id and slot.start < end and start < slot.end for slot in others
            ):
                whole[talk.id].add(block_id)
    return whole


def _by_speaker(talks: tuple[Talk, ...]) -> dict[str, list[Talk]]:
    grouped: dict[str, list[Talk]] = defaultdict(list)
    for talk in talks:
        grouped[talk.speaker].append(talk)
    return grouped


def _cliques(pairs: list[tuple[str, Slot]]) -> list[list[tuple[str, Slot]]]:
    """The maximal sets of one speaker's (talk, slot) pairs whose slots all run at one instant."""
    cliques: list[list[tuple[str, Slot]]] = []
    previous: set[tuple[str, Slot]] = set()
    for instant in sorted({slot.start for _, slot in pairs}):
        running = [pair for pair in pairs if pair[1].start <= instant < pair[1].end]
        # A clique contained in the one before adds nothing.
        if len(running) > 1 and not set(running) <= previous:
            cliques.append(running)
        previous = set(running)
    return cliques


def _schedule(
    programme: Programme,
    status: solver.Status,
    candidates: dict[str, list[Slot]],
    placed: dict[str, Slot],
) -> Schedule:
    talk_of = {talk.id: talk for talk in programme.talks}
    order = {block.id: position for position, block in enumerate(programme.blocks)}
    placements = sorted(
        (Placement(talk, talk_of[talk].speaker, slot) for talk, slot in placed.items()),
        key=lambda p: (p.slot.start, order[p.slot.block], p.talk),
    )
    holder = {slot: talk_of[talk] for talk, slot in placed.items()}
    unscheduled = tuple(
        Unscheduled(talk.id, _reason(talk, programme, candidates[talk.id], placed, holder))
        for talk in programme.talks
        if talk.id not in placed
    )
    total = sum(talk_of[talk].priority for talk in placed)
    return Schedule(status, total, tuple(placements), unscheduled)


# -- reasons ----------------------------------------------------------------


def _reason(
    talk: Talk,
    programme: Programme,
    candidates: list[Slot],
    placed: dict[str, Slot],
    holder: dict[Slot, Talk],
) -> str:
    """Why a talk has no slot, in words an organiser can act on."""
    language = talk.language
    accepting = [block for block in programme.blocks if block.accepts(language)]
    if not accepting:
        return f"no block accepts talks in {language}"
    with_slots = [block for block in accepting if cut(block)]
    if not with_slots:
        if len(accepting) == 1:
            return f"the block that accepts {language} is too short for one slot"
        return f"the blocks that accept {language} are too short for one slot"
    if not candidates:
        return _unavailable(talk, with_slots)

    own = {
        other.id: placed[other.id]
        for other in programme.talks
        if other.speaker == talk.speaker and other.id != talk.id and other.id in placed
    }
    clashes: set[str] = set()
    holders: list[Talk] = []
    for slot in candidates:
        mine = [other for other, busy in own.items() if overlap(slot, busy)]
        if mine:
            clashes.update(mine)
        elif slot in holder:
            holders.append(holder[slot])
        else:
            return "the time limit stopped the search before this talk was given a slot"
    parts = []
    if holders:
        lowest = min(other.priority for other in holders)
        if lowest > talk.priority:
            parts.append("is given to higher-priority talks")
        elif lowest == talk.priority:
            parts.append("is given to talks of the same or higher priority")
        else:
            parts.append("is given to other talks that together weigh more")
    if clashes:
        noun = "talk" if len(clashes) == 1 else "talks"
        parts.append(f"overlaps the speaker's {noun} {_and(sorted(clashes))}")
    return "every slot the speaker can take " + " or ".join(parts)


def _unavailable(talk: Talk, blocks: list[Block]) -> str:
    windows = talk.available or ()
    if not windows:
        return "the speaker gave no times when they are available"
    one = len(blocks) == 1
    first = min(block.start for block in blocks)
    last = max(block.end for block in blocks)
    if all(end <= first for _, end in windows):
        where = "the block starts" if one else f"the blocks that accept {talk.language} start"
        return f"the speaker is available only before {where}"
    if all(start >= last for start, _ in windows):
        where = "the block ends" if one else f"the blocks that accept {talk.language} end"
        return f"the speaker is available only after {where}"
    where = f"block {blocks[0].id}" if one else f"the blocks that accept {talk.language}"
    return f"no slot of {where} lies wholly within the times the speaker is available"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# -- writing ----------------------------------------------------------------


def as_document(schedule: Schedule) -> dict[str, Any]:
    """The output document of the spec."""
    return {
        "status": schedule.status,
        "scheduled_priority": schedule.scheduled_priority,
        "slots": [
            {
                "talk": placement.talk,
                "block": placement.slot.block,
                "start": utc_z(placement.slot.start),
                "end": utc_z(placement.slot.end),
                "speaker": placement.speaker,
            }
            for placement in schedule.slots
        ],
        "unscheduled": [
            {"talk": item.talk, "reason": item.reason} for item in schedule.unscheduled
        ],
    }

"""Live captions, a protocol extension: rostered captioners type, the room reads.

A captioner is rostered per session and language (``CaptionRoster``, the database's
``captioner_assignment``, given by the composition root), the way a booth member is: only
they may caption that session's rooms in that language. A caption line goes to everyone in
the sender's room, whatever their audio language or low-data mode (text is cheap), and each
page shows the language its reader picked. A line from someone not rostered is refused and
logged without personal data.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from rooms.domain.errors import NotAllowed
from rooms.signalling import ClientMessage, Context, Dispatcher, ServerMessage
from rooms.signalling.errors import MalformedMessage

__all__ = ["CaptionLine", "CaptionRoster", "CaptionSend", "Captions"]

log = logging.getLogger(__name__)

MAX_CAPTION_CHARS = 500
ROSTER_TTL_S = 10.0  # a roster change reaches live rooms within this
ON_DUTY_S = 30.0  # a captioner who sent a line this recently is on duty (automatic ones wait)


class CaptionRoster(Protocol):
    def languages(self, session_id: str, person_id: str) -> frozenset[str]:
        """The languages ``person_id`` captions in ``session_id`` (empty: not a captioner)."""
        ...


@dataclass(frozen=True, kw_only=True)
class CaptionSend(ClientMessage):
    """One line of live captions, typed by a rostered captioner."""

    type = "caption_send"
    language: str
    text: str

    def validate(self) -> None:
        if not self.text.strip():
            raise MalformedMessage("a caption must not be empty")
        if len(self.text) > MAX_CAPTION_CHARS:
            raise MalformedMessage(f"a caption is longer than {MAX_CAPTION_CHARS} characters")
        if not 1 <= len(self.language) <= 35:
            raise MalformedMessage("language must be a language tag")


@dataclass(frozen=True, kw_only=True)
class CaptionLine(ServerMessage):
    """A caption line for everyone in the room; ``automatic`` marks machine captions."""

    type = "caption_line"
    room_id: str
    language: str
    text: str
    by: str
    automatic: bool
    at: float


class Captions:
    """The extension: ``Registry(..., extensions=[Captions(roster).install])``."""

    def __init__(self, roster: CaptionRoster, clock: Callable[[], float] = time.monotonic) -> None:
        self.roster = roster
        self.clock = clock
        self._cache: dict[tuple[str, str], tuple[float, frozenset[str]]] = {}
        self._last_line: dict[tuple[str, str], float] = {}  # (room id, language) -> clock()

    def human_on_duty(self, room_id: str, language: str) -> bool:
        """Whether a captioner has captioned this room in ``language`` in the last ON_DUTY_S."""
        at = self._last_line.get((room_id, language))
        return at is not None and self.clock() - at < ON_DUTY_S

    def install(self, dispatcher: Dispatcher) -> None:
        dispatcher.register(CaptionSend, self.caption_send)
        dispatcher.catalog.add_server(CaptionLine)

    async def _languages(self, session_id: str, person_id: str) -> frozenset[str]:
        key = (session_id, person_id)
        cached = self._cache.get(key)
        if cached is not None and self.clock() - cached[0] < ROSTER_TTL_S:
            return cached[1]
        languages = await asyncio.to_thread(self.roster.languages, session_id, person_id)
        self._cache[key] = (self.clock(), languages)
        return languages

    async def caption_send(self, ctx: Context, message: CaptionSend) -> None:
        room = ctx.registry.current_room(ctx.seat)
        if message.language not in await self._languages(room.session_id, ctx.seat.person_id):
            log.warning(
                "caption refused in session %s (%s): the seat is not rostered to caption it",
                room.session_id, message.language,
            )  # fmt: skip
            raise NotAllowed("only the session's captioners for this language may caption it")
        line = CaptionLine(
            room_id=room.room_id,
            language=message.language,
            text=message.text.strip(),
            by=ctx.seat.display_name,
            automatic=False,
            at=ctx.registry.clock.now(),
        )
        self._last_line[(room.room_id, message.language)] = self.clock()
        await ctx.registry.publish_room(room.room_id, line)


class MemoryRoster:
    """A roster in memory (tests): (session id, person id) → languages."""

    def __init__(self, entries: dict[tuple[str, str], set[str]] | None = None) -> None:
        self.entries = entries or {}

    def languages(self, session_id: str, person_id: str) -> frozenset[str]:
        return frozenset(self.entries.get((session_id, person_id), set()))

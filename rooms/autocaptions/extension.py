"""Automatic captions, a protocol extension: a session's floor and booths captioned by a speech model.

The organiser turns them on per session and per source (``AutoCaptionSettings``, the
database's ``auto_captions`` and ``auto_caption_booth`` rows, given by the composition root):
the floor, in its floor language, and each booth's output, in the booth's output language
(:mod:`rooms.autocaptions.sources`). When someone enters such a room, each captioned source
gets a captions worker (:mod:`rooms.autocaptions.worker`) and the media router a
:class:`FloorTap`: on the floor, or on the voice of the booth's interpreter on air. The
worker's lines go to the room as ``caption_line`` with ``automatic: true`` in the source's
language, through the same channel as a human captioner's. ``caption_status`` tells the room what automatic captions are
doing, in a word the page translates:

- ``on``: captioning;
- ``paused``: the worker cannot keep up, so nothing is captioned rather than captioned late;
- ``standby``: a rostered captioner is typing in that language; a human captioner takes
  precedence, so automatic lines wait until none has sent a line for ``ON_DUTY_S``;
- ``unavailable``: the model is missing or failed its checksum (the organiser's page says
  which); the room works on without captions.

The worker stops when the room empties or the organiser turns captions off.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from rooms.autocaptions.backlog import Flow
from rooms.autocaptions.model import ModelSpec
from rooms.autocaptions.sources import FLOOR, Choice, voice_of, wanted
from rooms.autocaptions.tap import FloorTap, Recognised, WorkerPort
from rooms.autocaptions.worker import CaptionWorker
from rooms.captions import ROSTER_TTL_S, CaptionLine, Captions
from rooms.signalling import Dispatcher, ServerMessage
from rooms.signalling.seat_events import SeatEntered, SeatEvent, SeatLeft

__all__ = ["AutoCaptionSettings", "AutoCaptions", "CaptionStatus"]

log = logging.getLogger(__name__)

STATES = ("on", "paused", "standby", "unavailable")
REFRESH_S = ROSTER_TTL_S  # an organiser's switch reaches a live room within this


class AutoCaptionSettings(Protocol):
    def language(self, session_id: str) -> str | None:
        """The floor language to caption ``session_id``'s floor in automatically; None: off."""
        ...

    def booth_languages(self, session_id: str) -> frozenset[str]:
        """The booth outputs (by language) to caption automatically in ``session_id``."""
        ...


@dataclass(frozen=True, kw_only=True)
class CaptionStatus(ServerMessage):
    """What automatic captions in ``language`` are doing in the room: ``on``, ``paused``,
    ``standby``, ``unavailable`` (one status per captioned source, each in its language)."""

    type = "caption_status"
    room_id: str
    language: str
    state: str


WorkerFactory = Callable[[ModelSpec, str, Callable[[tuple[Any, ...]], None]], WorkerPort]


@dataclass(eq=False)
class _Captioned:
    room_id: str
    session_id: str
    source: str  # "floor" or "booth:<language>" (rooms.autocaptions.sources)
    language: str
    tap: FloorTap
    state: str = "starting"  # not told to the room: the worker is loading the model
    error: str = ""
    lines: deque[Recognised] = field(default_factory=lambda: deque(maxlen=200))

    @property
    def key(self) -> tuple[str, str]:
        return (self.room_id, self.source)


class AutoCaptions:
    """The extension: ``Registry(..., extensions=[AutoCaptions(settings, model, captions).install])``.

    ``booth_voices`` is to be told whose voice each booth output is (the composition root
    adds it to ``Interpretation.voice_watchers``); without it only the floor is captioned.
    """

    def __init__(
        self,
        settings: AutoCaptionSettings,
        model: ModelSpec,
        captions: Captions | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        worker_factory: WorkerFactory | None = None,
    ) -> None:
        self.settings = settings
        self.model = model
        self.captions = captions
        self.clock = clock
        self.worker_factory: WorkerFactory = worker_factory or CaptionWorker
        self.live: dict[tuple[str, str], _Captioned] = {}  # (room id, source) -> its worker
        self.voices: dict[str, dict[str, str | None]] = {}  # room id -> language -> voice seat
        self._cache: dict[str, tuple[float, Choice]] = {}
        self._registry: Any = None
        self._refresher: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def install(self, dispatcher: Dispatcher) -> None:
        dispatcher.catalog.add_server(CaptionStatus)
        dispatcher.observe(self._observe)
        dispatcher.on_stop(self.stop)

    def stop(self) -> None:
        if self._refresher is not None:
            self._refresher.cancel()
            self._refresher = None
        for key in list(self.live):
            self._stop(key)

    def booth_voices(self, room_id: str, voices: Mapping[str, str | None]) -> None:
        """The room's booth outputs now: language -> the seat of the voice on air (None: nobody).

        A captioned booth output follows its new voice in the same worker (a handover), or
        hears nothing while nobody is on air.
        """
        self.voices[room_id] = dict(voices)
        for live in list(self.live.values()):
            if live.room_id == room_id and live.source != FLOOR:
                self._tap_voice(live)

    def _tap_voice(self, live: _Captioned) -> None:
        media = self._registry.media if self._registry is not None else None
        if media is not None:
            voice = voice_of(live.source, self.voices.get(live.room_id, {}))
            media.set_voice_tap(_tap_key(live), voice, live.tap)

    async def _choice(self, session_id: str, fresh: bool = False) -> Choice:
        cached = self._cache.get(session_id)
        if not fresh and cached is not None and self.clock() - cached[0] < REFRESH_S:
            return cached[1]

        def read() -> Choice:
            return Choice(
                self.settings.language(session_id), self.settings.booth_languages(session_id)
            )

        choice = await asyncio.to_thread(read)
        self._cache[session_id] = (self.clock(), choice)
        return choice

    def _of_room(self, room_id: str) -> list[_Captioned]:
        return [live for live in self.live.values() if live.room_id == room_id]

    async def _observe(self, registry: Any, event: SeatEvent) -> None:
        self._registry = registry
        if self._refresher is None:
            self._refresher = asyncio.create_task(self._refresh_forever(), name="autocaptions")
        room = registry.rooms.get(event.room_id)
        if room is None or room.parent_id is not None:
            return  # breakout rooms are not captioned automatically
        if isinstance(event, SeatEntered):
            await self._reconcile(room)
            for live in self._of_room(room.room_id):
                if live.state != "starting":
                    await registry.publish_seat(event.seat_id, self._status(live))
        elif isinstance(event, SeatLeft) and not room.seats:
            for live in self._of_room(room.room_id):
                self._stop(live.key)

    async def _refresh_forever(self) -> None:
        while True:
            await asyncio.sleep(REFRESH_S)
            registry = self._registry
            if registry is None:
                continue
            captioned = {room_id for room_id, _ in self.live}
            for room in list(registry.rooms.values()):
                if room.parent_id is None and (room.seats or room.room_id in captioned):
                    try:
                        await self._reconcile(room, fresh=True)
                    except Exception:
                        log.exception("automatic captions: checking a room failed")

    async def _reconcile(self, room: Any, fresh: bool = False) -> None:
        sources = wanted(await self._choice(room.session_id, fresh)) if room.seats else {}
        for running in self._of_room(room.room_id):
            if sources.get(running.source) != running.language:
                self._stop(running.key)
        for source, language in sources.items():
            live = self.live.get((room.room_id, source))
            if live is None:
                self._start(room.room_id, room.session_id, source, language)
            elif live.state == "standby":
                self._update(live)

    def _start(self, room_id: str, session_id: str, source: str, language: str) -> None:
        media = self._registry.media if self._registry is not None else None
        if media is None:
            return
        holder: list[_Captioned] = []

        def on_message(message: tuple[Any, ...]) -> None:
            if holder:
                self._worker_said(holder[0], message)

        error = ""
        try:
            worker: WorkerPort = self.worker_factory(
                self.model, whisper_language(language), on_message
            )
        except Exception as exc:  # no process could be started: the room works on without
            log.exception("automatic captions: the worker did not start")
            worker, error = _NoWorker(), f"The captions worker did not start: {exc}"
        tap = FloorTap(
            worker,
            on_line=lambda line: self._line(holder[0], line),
            on_flow=lambda flow: self._update(holder[0]),
            clock=self.clock,
        )
        live = _Captioned(room_id, session_id, source, language, tap)
        holder.append(live)
        self.live[live.key] = live
        if error:
            self._worker_said(live, ("error", error))
            return
        if source == FLOOR:
            media.set_floor_tap(room_id, tap)
        else:
            self._tap_voice(live)
        log.info("automatic captions started in session %s (%s, %s)", session_id, source,
                 language)  # fmt: skip

    def _stop(self, key: tuple[str, str]) -> None:
        live = self.live.pop(key, None)
        if live is None:
            return
        media = self._registry.media if self._registry is not None else None
        if media is not None:
            if live.source == FLOOR:
                media.set_floor_tap(live.room_id, None)
            else:
                media.set_voice_tap(_tap_key(live), None, None)
        live.tap.close()
        log.info("automatic captions stopped in session %s (%s)", live.session_id, live.source)

    def _worker_said(self, live: _Captioned, message: tuple[Any, ...]) -> None:
        if message[0] == "error":
            live.error = str(message[1])
            log.error("automatic captions unavailable in session %s (%s): %s", live.session_id,
                      live.source, live.error)  # fmt: skip
            live.state = "unavailable"
            self._publish(live.room_id, self._status(live))
            return
        live.tap.message(message)
        if message[0] == "ready":
            live.state = "ready"
            self._update(live)

    def _line(self, live: _Captioned, line: Recognised) -> None:
        live.lines.append(line)
        self._update(live)
        if live.state != "on":
            return
        now = self._registry.clock.now()
        self._publish(
            live.room_id,
            CaptionLine(room_id=live.room_id, language=live.language, text=line.text,
                        by="", automatic=True, at=now),
        )  # fmt: skip

    def _update(self, live: _Captioned) -> None:
        if live.state in ("starting", "unavailable"):
            return
        if live.tap.backlog.flow is Flow.PAUSED:
            state = "paused"
        elif self.captions is not None and self.captions.human_on_duty(live.room_id, live.language):
            state = "standby"
        else:
            state = "on"
        if state != live.state:
            if state == "paused" or live.state == "paused":
                log.warning("automatic captions %s in session %s (%s): the worker is %.1f s behind",
                            "paused" if state == "paused" else "resumed", live.session_id,
                            live.source, live.tap.backlog.lag_s)  # fmt: skip
            live.state = state
            self._publish(live.room_id, self._status(live))

    def _status(self, live: _Captioned) -> CaptionStatus:
        return CaptionStatus(room_id=live.room_id, language=live.language, state=live.state)

    def _publish(self, room_id: str, message: ServerMessage) -> None:
        if self._registry is None:
            return
        task = asyncio.ensure_future(self._registry.publish_room(room_id, message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def state(self, room_id: str, source: str = FLOOR) -> str | None:
        live = self.live.get((room_id, source))
        return None if live is None else live.state


def _tap_key(live: _Captioned) -> str:
    return f"captions:{live.room_id}:{live.source}"


class _NoWorker:
    """Stands in for a worker that could not start."""

    def send(self, item: tuple[Any, ...]) -> None:
        pass

    def close(self) -> None:
        pass


def whisper_language(tag: str) -> str:
    """Whisper names languages by ISO 639-1 code: ``en-GB`` is ``en``, ``zh-Hans`` ``zh``."""
    with contextlib.suppress(IndexError):
        return tag.split("-")[0].split("_")[0].lower()
    return tag

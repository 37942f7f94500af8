"""The interpretation driver: carries the live core's effects out, on the event loop.

The application creates one :class:`Interpretation` and passes ``interpretation.install``
to the registry's extensions. Each client message, typed seat event (the registry's
observers) and clock tick goes into the core (``core.InterpretationCore``, synchronous);
the effects that come back are done here, in order: channel slots, listen-only and moves
through the registry, storage reads in a worker thread (``BoothStore``), one timer per room
for the next tick, replies to the sender; the rooms' own effects (publishing on the bus,
cough mutes, pinned slots, cameras and low data on the media port, snapshots) go to
``Registry.carry_out``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from interpretation.domain.fade import HOLD
from interpretation.signalling import messages as m
from interpretation.signalling.core import InterpretationCore
from interpretation.signalling.effects import (
    BoothSigners,
    BoothVoices,
    Effect,
    ListenOnly,
    LoadBooths,
    LoadNames,
    Place,
    Reply,
    SetChannel,
    WakeAt,
)
from interpretation.signalling.state import BoothSpec, RoomInterpretation
from rooms.bus import BusError
from rooms.signalling import ClientMessage, Context, Dispatcher, Registry, ServerMessage
from rooms.signalling.seat_events import SeatEvent

__all__ = ["BoothStore", "Interpretation"]

log = logging.getLogger(__name__)

PERSIST_KEY = "interpretation"
# Storage answers at most this many times per message (booths, then names) before giving up.
_MAX_LOADS = 4


class BoothStore(Protocol):
    """What storage tells the extension; called from a worker thread."""

    def booths(self, session_id: str) -> list[BoothSpec]: ...

    def names(self, person_ids: Sequence[str]) -> dict[str, str]: ...


class Interpretation:
    """The driver of one process's interpretation core: bus, media port, storage and timers."""

    def __init__(self, store: BoothStore | None = None, *, hold: float = HOLD) -> None:
        self.store = store
        self.core = InterpretationCore(stored=store is not None, hold=hold)
        self._loading: dict[str, asyncio.Future[list[BoothSpec]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self.voice_watchers: list[Callable[[str, dict[str, str | None]], None]] = []
        """Told (room id, language -> seat of the booth's voice on air) when that changes."""
        self.sign_watchers: list[Callable[[str, dict[str, str | None]], None]] = []
        """Told (room id, sign language -> seat of its signer on air) when that changes."""

    @property
    def hold(self) -> float:
        return self.core.hold

    @hold.setter
    def hold(self, seconds: float) -> None:
        self.core.hold = seconds

    @property
    def rooms(self) -> dict[str, RoomInterpretation]:
        return self.core.rooms

    def member_booths(self, person_id: str, room_ids: Sequence[str]) -> list[str]:
        return self.core.member_booths(person_id, room_ids)

    # Installing.

    def install(self, dispatcher: Dispatcher) -> None:
        for cls in self.core.handled:
            dispatcher.register(cls, self._receive)
        for server_cls in m.SERVER:
            dispatcher.catalog.add_server(server_cls)
        dispatcher.persist(PERSIST_KEY, self.dump, self.load, self.forget)
        dispatcher.observe(self._on_seat_event)
        dispatcher.on_stop(self._stop_timers)

    # Inputs into the core.

    async def _receive(self, ctx: Context, message: ClientMessage) -> None:
        registry = ctx.registry
        for _ in range(_MAX_LOADS):
            effects = self.core.receive(registry, ctx.seat, message, registry.clock.now())
            needs = [e for e in effects if isinstance(e, LoadBooths | LoadNames)]
            if not needs:
                await self._run(registry, effects, ctx.reply)
                return
            for need in needs:
                await self._load(registry, need)
        raise RuntimeError(f"{message.type} kept asking storage for more")

    async def _on_seat_event(self, registry: Registry, event: SeatEvent) -> None:
        await self._run(registry, self.core.seat_event(registry, event, registry.clock.now()))

    async def _tick(self, registry: Registry, room_id: str) -> None:
        await self._run(registry, self.core.tick(registry, room_id, registry.clock.now()))

    # Live snapshots (rooms/snapshot.py).

    def dump(self, registry: Registry) -> dict[str, Any]:
        return self.core.dump()

    async def load(self, registry: Registry, data: Any, rooms: frozenset[str]) -> None:
        await self._run(registry, self.core.load(registry, data, registry.clock.now(), rooms))

    def forget(self, registry: Registry, rooms: frozenset[str]) -> None:
        for room_id in rooms:
            timer = self._timers.pop(room_id, None)
            if timer is not None:
                timer.cancel()
            self._loading.pop(room_id, None)
        self.core.forget(registry, rooms)

    # Effects.

    async def _load(self, registry: Registry, need: Effect) -> None:
        if isinstance(need, LoadBooths):
            specs = await self._booths(need.session_id, need.room_id)
            effects = self.core.booths_loaded(registry, need.room_id, specs, registry.clock.now())
            await self._run(registry, effects)
        elif isinstance(need, LoadNames):
            names: dict[str, str] = {}
            if self.store is not None and need.person_ids:
                names = await asyncio.to_thread(self.store.names, need.person_ids)
            self.core.names_loaded(need.person_ids, names)

    async def _booths(self, session_id: str, room_id: str) -> list[BoothSpec]:
        """The session's stored booths, read once however many messages wait for them."""
        if self.store is None:
            return []
        loading = self._loading.get(room_id)
        if loading is None:
            loading = asyncio.ensure_future(asyncio.to_thread(self.store.booths, session_id))
            self._loading[room_id] = loading
        try:
            return await loading
        finally:
            self._loading.pop(room_id, None)

    async def _run(
        self,
        registry: Registry,
        effects: Sequence[Effect],
        reply: Callable[[ServerMessage], None] | None = None,
    ) -> None:
        """Carry the core's effects out, in order; the rooms' own go to the registry."""
        for effect in effects:
            if isinstance(effect, Reply):
                if reply is not None:
                    reply(effect.message)
            elif isinstance(effect, SetChannel):
                seat = registry.seats.get(effect.seat_id)
                if seat is not None:
                    registry.set_channel(seat, effect.source)
            elif isinstance(effect, ListenOnly):
                seat = registry.seats.get(effect.seat_id)
                if seat is not None:
                    await registry.set_listen_only(seat, effect.on)
            elif isinstance(effect, Place):
                seat = registry.seats.get(effect.seat_id)
                if seat is not None:
                    await registry.place(seat, registry.room(effect.room_id), effect.reason)
            elif isinstance(effect, BoothVoices):
                for watcher in self.voice_watchers:
                    watcher(effect.room_id, dict(effect.voices))
            elif isinstance(effect, BoothSigners):
                for watcher in self.sign_watchers:
                    watcher(effect.room_id, dict(effect.signers))
            elif isinstance(effect, WakeAt):
                self._wake(registry, effect.room_id, effect.at)
            elif isinstance(effect, LoadBooths | LoadNames):
                raise TypeError(f"{type(effect).__name__} is answered before anything runs")
            else:
                await registry.carry_out([effect])

    # The clock.

    def _wake(self, registry: Registry, room_id: str, at: float | None) -> None:
        old = self._timers.pop(room_id, None)
        if old is not None:
            old.cancel()
        if at is None:
            return
        delay = max(0.0, at - registry.clock.now()) + 0.01
        self._timers[room_id] = asyncio.get_running_loop().call_later(
            delay, lambda: self._spawn(self._tick(registry, room_id))
        )

    def _spawn(self, work: Awaitable[None]) -> None:
        async def run() -> None:
            try:
                await work
            except BusError:
                return  # shutting down
            except Exception:
                log.exception("interpretation timer failed")

        task = asyncio.ensure_future(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _stop_timers(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()

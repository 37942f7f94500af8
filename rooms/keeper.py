"""Live state that outlives a process: snapshots saved on every change, restored on start.

``SnapshotKeeper`` is the thin async driver around ``rooms.snapshot``: it restores the
latest snapshot into a registry before the first connection, then saves a new one at most
every ``interval`` seconds (longer when a save takes long) while the registry's
``version`` moves, and once more on a
graceful stop. Where to: a ``SnapshotStore`` (Redis when configured, so that every process
of a conference shares it; else the database, wired by the application).

A snapshot that cannot be used (corrupt, another version, another conference) is logged
and skipped: the process starts empty rather than not at all.

With several nodes, each keeps its own snapshot; when a node dies, the node that gets one of
its sessions takes that session over from the dead node's snapshot (:func:`adopt_session`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

import redis.asyncio as redis

from rooms.domain.errors import Conflict
from rooms.signalling.registry import Registry
from rooms.snapshot import SnapshotError, decode, encode, only_session, without_sessions

__all__ = [
    "MemorySnapshotStore",
    "adopt_session",
    "RedisSnapshotStore",
    "SnapshotKeeper",
    "SnapshotStore",
    "conference_key",
]

logger = logging.getLogger(__name__)

SAVE_INTERVAL = 0.25


def conference_key(secret_key: str) -> str:
    """A stable id for one deployment's conference, derived from its secret (not reversible)."""
    return hmac.new(secret_key.encode(), b"live-snapshot", hashlib.sha256).hexdigest()[:32]


class SnapshotStore(Protocol):
    async def load(self) -> str | None: ...

    async def save(self, text: str) -> None: ...

    async def aclose(self) -> None: ...


class MemorySnapshotStore:
    """A store in memory (tests; one process that never restarts)."""

    def __init__(self, text: str | None = None) -> None:
        self.text = text
        self.saves = 0

    async def load(self) -> str | None:
        return self.text

    async def save(self, text: str) -> None:
        self.text = text
        self.saves += 1

    async def aclose(self) -> None:
        return None


class RedisSnapshotStore:
    """The snapshot under one Redis key per conference (``conference:live:<key>``)."""

    def __init__(self, url: str, key: str) -> None:
        self.key = f"conference:live:{key}"
        self._client = redis.Redis.from_url(
            url, decode_responses=True, socket_connect_timeout=1.0, socket_timeout=2.0
        )

    async def load(self) -> str | None:
        value = await self._client.get(self.key)
        return None if value is None else str(value)

    async def save(self, text: str) -> None:
        await self._client.set(self.key, text)

    async def aclose(self) -> None:
        await self._client.aclose()


class SnapshotKeeper:
    """Restores a registry from a store on start, and keeps the store up to date."""

    def __init__(
        self,
        registry: Registry,
        store: SnapshotStore,
        conference: str,
        *,
        known_sessions: Callable[[], Awaitable[set[str]]] | None = None,
        interval: float = SAVE_INTERVAL,
    ) -> None:
        self.registry = registry
        self.store = store
        self.conference = conference
        self.known_sessions = known_sessions
        self.interval = interval
        self.saved_version: int | None = None
        self.failures = 0
        self._task: asyncio.Task[None] | None = None

    async def restore(self) -> bool:
        """Load the latest snapshot into the registry; False when there was none to use."""
        try:
            text = await self.store.load()
        except Exception as exc:  # no store: start empty, and say why
            logger.warning("could not read the live snapshot (%s); starting empty", exc)
            return False
        if text is None:
            return False
        try:
            state = decode(json.loads(text), self.conference)
        except (ValueError, SnapshotError) as exc:
            logger.warning("skipped the live snapshot: %s", exc)
            return False
        if self.known_sessions is not None:
            programme = await self.known_sessions()
            named = state.sessions.keys() | state.main_rooms.keys()
            dropped = without_sessions(state, set(named) - programme)
            if dropped:
                logger.warning(
                    "the live snapshot names sessions no longer in the programme (%s); "
                    "their rooms are not restored",
                    ", ".join(dropped),
                )
        await self.registry.restore(state)
        self.saved_version = self.registry.version
        logger.info(
            "restored %d rooms and %d seats from the live snapshot of %.0f s ago",
            len(state.rooms),
            len(state.seats),
            max(0.0, self.registry.clock.now() - state.saved_at),
        )
        return True

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._keep(), name="live-snapshots")

    async def stop(self) -> None:
        """Stop saving, after one last save of what changed."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.save_if_changed()
        await self.store.aclose()

    async def save_if_changed(self) -> None:
        version = self.registry.version
        if version == self.saved_version:
            return
        text = json.dumps(encode(self.registry.live_state(), self.conference))
        try:
            await self.store.save(text)
        except Exception as exc:
            self.failures += 1
            if self.failures == 1 or self.failures % 100 == 0:
                logger.warning("saving the live snapshot failed (%d times): %s", self.failures, exc)
            return
        if self.failures:
            logger.warning("saving the live snapshot works again")
            self.failures = 0
        self.saved_version = version

    async def _keep(self) -> None:
        loop = asyncio.get_running_loop()
        took = 0.0
        while True:
            # A large event's snapshot takes longer to write: never spend more than about a
            # tenth of the time saving (2,000 seats: about 0.6 MB of JSON).
            await asyncio.sleep(max(self.interval, 10 * took))
            started = loop.time()
            await self.save_if_changed()
            took = loop.time() - started


async def adopt_session(
    registry: Registry, store: SnapshotStore, conference: str, session_id: str
) -> bool:
    """Take one session over from another node's snapshot, beside this node's live ones.

    Its rooms, breakouts (deadlines as they were), seats (away, waiting for their clients
    to resume them) and the extensions' parts (stage, booths: whoever was on air comes back
    dropped). False, logged, when there is nothing to take: no snapshot, one of another
    conference, the session not in it, or the session already live here.
    """
    text = await store.load()
    if text is None:
        logger.warning(
            "session %s: the previous node left no snapshot; it starts afresh", session_id
        )
        return False
    try:
        state = decode(json.loads(text), conference)
    except (ValueError, SnapshotError) as exc:
        logger.warning("session %s: skipped the previous node's snapshot: %s", session_id, exc)
        return False
    state = only_session(state, session_id)
    if session_id not in state.main_rooms:
        logger.info("session %s was not live on the previous node; it starts afresh", session_id)
        return False
    try:
        await registry.adopt(state)
    except Conflict as exc:
        logger.warning("session %s not taken over: %s", session_id, exc)
        return False
    logger.info(
        "took session %s over: %d rooms and %d seats from a snapshot of %.0f s ago",
        session_id,
        len(state.rooms),
        len(state.seats),
        max(0.0, registry.clock.now() - state.saved_at),
    )
    return True

"""The cluster's shared tables in Redis: nodes, draining flags, placements, fencing tokens.

Keys, all under ``cluster:<name>:`` (``name`` is the conference's key, so two events on one
Redis never mix):

- ``nodes``: hash, node id → :class:`~rooms.cluster.nodes.NodeRecord` JSON (each node
  rewrites its own every heartbeat; stale ones are ignored by age, not trusted);
- ``draining``: set of node ids told to drain (``conference drain NODE``);
- ``placements``: hash, session id → :class:`~rooms.cluster.placement.Placement` JSON;
- ``fence``: counter, the last fencing token handed out;
- ``taken``: hash, session id → the last fencing token whose owner took the session over
  (restored it from the previous owner's snapshot, or started it afresh): once per token;
- ``lock:<what>``: short locks (``SET NX PX``, released only by their holder):
  ``lock:placement`` while a new placement is chosen, ``lock:node:<id>`` while a node registers.

Redis's own clock (``TIME``) dates heartbeats, so machines' clocks need not agree.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Collection

import redis.asyncio as redis

from rooms.cluster.nodes import HEARTBEAT_S, NodeRecord, claim
from rooms.cluster.placement import Placement, choose, keeps

__all__ = ["ClusterTable", "LockTimeout", "NodeHeartbeat"]

log = logging.getLogger(__name__)

LOCK_MS = 5000
LOCK_WAIT_S = 5.0

_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""
# Write KEYS[2] only while the session's placement (KEYS[1], field ARGV[1]) is ARGV[2].
_FENCED_SET = """
local current = redis.call('hget', KEYS[1], ARGV[1])
if current == ARGV[2] then redis.call('set', KEYS[2], ARGV[3]) return 1 end
return 0
"""

# Mark KEYS[2][ARGV[1]] = ARGV[3] only while the placement (KEYS[1], field ARGV[1]) is ARGV[2]
# and no owner took this fencing token over yet: 1 for the first caller only.
_TAKE_OVER = """
if redis.call('hget', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
local done = tonumber(redis.call('hget', KEYS[2], ARGV[1]) or '0')
if done >= tonumber(ARGV[3]) then return 0 end
redis.call('hset', KEYS[2], ARGV[1], ARGV[3])
return 1
"""


def _previous(current: Placement | None, taken: int | None) -> str | None:
    """Whose snapshot holds the session: its owner if it took it over, else the one before
    (an owner that died before anyone came keeps pointing at the state's holder)."""
    if current is None:
        return None
    if taken is not None and taken >= current.fence:
        return current.node_id
    return current.previous


class LockTimeout(Exception):
    """Another node held the lock for longer than ``LOCK_WAIT_S``."""


# Connections one node's table keeps to Redis. A storm of first visits (every page and
# websocket asks for its session's owner) waits for one rather than failing: redis-py's
# default pool refuses the 101st concurrent command with MaxConnectionsError.
MAX_CONNECTIONS = 32


class ClusterTable:
    def __init__(self, client: redis.Redis, name: str) -> None:
        self.client = client
        self.prefix = f"cluster:{name}:"
        # This process's new placements queue here, so that only one of its tasks at a time
        # waits for the cluster-wide lock (hundreds polling it at once slow everyone down).
        self._placing = asyncio.Lock()

    @classmethod
    def open(cls, url: str, name: str) -> ClusterTable:
        """A table on its own bounded pool of connections to the Redis at ``url``."""
        pool = redis.BlockingConnectionPool.from_url(
            url, max_connections=MAX_CONNECTIONS, timeout=LOCK_WAIT_S, socket_connect_timeout=2
        )
        return cls(redis.Redis(connection_pool=pool), name)

    def key(self, part: str) -> str:
        return self.prefix + part

    async def now(self) -> float:
        seconds, micros = await self.client.time()
        return float(seconds) + float(micros) / 1e6

    # Nodes

    async def nodes(self) -> list[NodeRecord]:
        raw = await self.client.hgetall(self.key("nodes"))
        found = (NodeRecord.decode(text) for text in raw.values())
        return [record for record in found if record is not None]

    async def register(self, record: NodeRecord) -> None:
        """Announce a starting node; :class:`~rooms.cluster.nodes.NodeConflict` if refused."""
        async with self.lock(f"node:{record.node_id}"):
            now = await self.now()
            claim(record, await self.nodes(), now)
            await self.announce(record, now)

    async def announce(self, record: NodeRecord, now: float | None = None) -> NodeRecord:
        stamp = await self.now() if now is None else now
        fresh = NodeRecord(
            record.node_id, record.public_url, record.instance, record.load,
            await self.is_draining(record.node_id), stamp,
        )  # fmt: skip
        await self.client.hset(self.key("nodes"), record.node_id, fresh.encode())
        return fresh

    async def forget(self, record: NodeRecord) -> None:
        """Remove this process's record (a clean exit), not a successor's."""
        current = await self.client.hget(self.key("nodes"), record.node_id)
        found = NodeRecord.decode(current) if current is not None else None
        if found is not None and found.instance == record.instance:
            await self.client.hdel(self.key("nodes"), record.node_id)

    async def drain(self, node_id: str, on: bool = True) -> None:
        if on:
            await self.client.sadd(self.key("draining"), node_id)
        else:
            await self.client.srem(self.key("draining"), node_id)

    async def is_draining(self, node_id: str) -> bool:
        return bool(await self.client.sismember(self.key("draining"), node_id))

    # Placements

    async def placements(self) -> list[Placement]:
        raw = await self.client.hgetall(self.key("placements"))
        found = (Placement.decode(text) for text in raw.values())
        return [p for p in found if p is not None]

    async def placement(self, session_id: str) -> Placement | None:
        return Placement.decode(await self.client.hget(self.key("placements"), session_id))

    async def place(self, session_id: str) -> Placement | None:
        """The session's owner: the current one if it stands, else a new one (None: no node).

        New placements are made one at a time in the whole cluster (one lock, ``placement``),
        so each choice sees every placement before it: under a storm of first visits the
        sessions still spread evenly (with a lock per session, concurrent choices all saw
        the same counts and piled onto one node). In each process they queue first, so one
        task per node waits for that lock. Reads go in one round trip.
        """
        current, nodes, now, _, _ = await self._read(session_id)
        if keeps(current, nodes, now):
            return current
        async with self._placing:
            return await self._place(session_id)

    async def _place(self, session_id: str) -> Placement | None:
        current, nodes, now, _, _ = await self._read(session_id)
        if keeps(current, nodes, now):  # another process placed it while this one queued
            return current
        async with self.lock("placement"):
            current, nodes, now, placements, taken = await self._read(session_id, everything=True)
            if keeps(current, nodes, now):
                return current
            others = [p for p in placements if p.session_id != session_id]
            node = choose(nodes, others, now)
            if node is None:
                return None
            fence = int(await self.client.incr(self.key("fence")))
            placed = Placement(session_id, node.node_id, fence, _previous(current, taken))
            await self.client.hset(self.key("placements"), session_id, placed.encode())
            return placed

    async def _read(
        self, session_id: str, everything: bool = False
    ) -> tuple[Placement | None, list[NodeRecord], float, list[Placement], int | None]:
        """The session's placement, the nodes and the store's clock (and, with
        ``everything``, all placements and the session's last taken-over token): one trip."""
        pipe = self.client.pipeline(transaction=False)
        pipe.hget(self.key("placements"), session_id)
        pipe.hgetall(self.key("nodes"))
        pipe.time()
        if everything:
            pipe.hgetall(self.key("placements"))
            pipe.hget(self.key("taken"), session_id)
        answers = await pipe.execute()
        seconds, micros = answers[2]
        found = (NodeRecord.decode(text) for text in answers[1].values())
        placements: list[Placement] = []
        taken: int | None = None
        if everything:
            decoded = (Placement.decode(text) for text in answers[3].values())
            placements = [p for p in decoded if p is not None]
            taken = None if answers[4] is None else int(answers[4])
        return (
            Placement.decode(answers[0]),
            [record for record in found if record is not None],
            float(seconds) + float(micros) / 1e6,
            placements,
            taken,
        )

    async def take_over(self, placement: Placement) -> bool:
        """Whether this caller is the first to take ``placement`` over (restore the session's
        state): True once per fencing token, and only while the placement stands."""
        first = await self.client.eval(  # type: ignore[misc]
            _TAKE_OVER, 2, self.key("placements"), self.key("taken"),
            placement.session_id, placement.encode(), str(placement.fence),
        )  # fmt: skip
        return bool(first)

    async def taken_elsewhere(self, node_id: str, session_ids: Collection[str]) -> dict[str, str]:
        """Of ``session_ids``, those placed on another node that has taken them over (so
        ``node_id``'s copy is no one's state any more), with that node: one round trip."""
        ids = sorted(session_ids)
        if not ids:
            return {}
        pipe = self.client.pipeline(transaction=False)
        pipe.hmget(self.key("placements"), ids)
        pipe.hmget(self.key("taken"), ids)
        placed, taken = await pipe.execute()
        out: dict[str, str] = {}
        for session_id, raw, done in zip(ids, placed, taken, strict=True):
            placement = Placement.decode(raw)
            if placement is None or placement.node_id == node_id or done is None:
                continue
            if int(done) >= placement.fence:
                out[session_id] = placement.node_id
        return out

    async def holds(self, placement: Placement) -> bool:
        """Whether ``placement`` is still the session's (its fencing token is current)."""
        return await self.placement(placement.session_id) == placement

    async def fenced_set(self, placement: Placement, key: str, value: str) -> bool:
        """Set ``key`` only while ``placement`` stands, atomically; False if fenced off."""
        done = await self.client.eval(  # type: ignore[misc]
            _FENCED_SET, 2, self.key("placements"), key,
            placement.session_id, placement.encode(), value,
        )  # fmt: skip
        return bool(done)

    @contextlib.asynccontextmanager
    async def lock(self, what: str) -> AsyncIterator[None]:
        key, token = self.key(f"lock:{what}"), secrets.token_hex(16)
        deadline = time.monotonic() + LOCK_WAIT_S
        while not await self.client.set(key, token, nx=True, px=LOCK_MS):
            if time.monotonic() > deadline:
                raise LockTimeout(what)
            # Jittered, so that waiters do not all retry in the same instant.
            await asyncio.sleep(random.uniform(0.001, 0.005))
        try:
            yield
        finally:
            await self.client.eval(_RELEASE, 1, key, token)  # type: ignore[misc]


class NodeHeartbeat:
    """This process as a node: registered at start, announced every second, forgotten at exit.

    ``on_draining(True)`` runs when ``conference drain`` marks the node, ``(False)`` when undone.
    """

    def __init__(
        self,
        table: ClusterTable,
        node_id: str,
        public_url: str,
        load: Callable[[], int] = lambda: 0,
        on_draining: Callable[[bool], Awaitable[None] | None] | None = None,
    ) -> None:
        self.table = table
        self.record = NodeRecord(node_id, public_url, secrets.token_hex(8), 0, False, 0.0)
        self._load = load
        self._on_draining = on_draining
        self._task: asyncio.Task[None] | None = None
        # One beat at a time: a drain asked for here and the periodic beat must not both
        # see the change and act on it twice.
        self._beating = asyncio.Lock()
        self._acting: asyncio.Task[None] | None = None  # on_draining, the last one called

    @property
    def draining(self) -> bool:
        return self.record.draining

    async def start(self) -> None:
        await self.table.register(self.record)
        self.record = await self.table.announce(self.record)
        self._task = asyncio.create_task(self._beat(), name=f"heartbeat {self.record.node_id}")

    async def beat(self) -> None:
        async with self._beating:
            was = self.record.draining
            record = NodeRecord(
                self.record.node_id, self.record.public_url, self.record.instance,
                self._load(), was, 0.0,
            )  # fmt: skip
            self.record = await self.table.announce(record)
            changed = self.record.draining != was
        # In a task of its own: sending people away takes a moment, and the heartbeat must
        # go on meanwhile (a node silent for 5 s counts as dead).
        if changed and self._on_draining is not None:
            self._acting = asyncio.create_task(
                self._act(self._on_draining, self.record.draining), name="node draining"
            )

    @staticmethod
    async def _act(on_draining: Callable[[bool], Awaitable[None] | None], draining: bool) -> None:
        try:
            result = on_draining(draining)
            if result is not None:
                await result
        except Exception:
            log.exception("acting on draining=%s failed", draining)

    async def drain(self, on: bool = True) -> None:
        """What ``conference drain NODE`` does, from the node itself (SIGTERM), acted on at
        once rather than at the next beat: marked in the table, then ``on_draining``, done
        when this returns (whichever beat saw the mark first)."""
        await self.table.drain(self.record.node_id, on)
        await self.beat()
        if self._acting is not None:
            await self._acting

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_S)
            with contextlib.suppress(redis.RedisError, OSError):
                await self.beat()

    async def stop(self) -> None:
        for task in (self._task, self._acting):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        with contextlib.suppress(redis.RedisError, OSError):
            await self.table.forget(self.record)

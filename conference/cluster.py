"""This process as one node of several (``conference serve --node-id``), and the operator's
``conference nodes`` and ``conference drain``.

The tables and rules are in :mod:`rooms.cluster`; here they meet the settings: the cluster
is named by the conference's key (two events on one Redis never mix), and a node needs the
Redis bus (the tables live there).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from redis.exceptions import RedisError

from rooms.cluster.nodes import (
    NodeConflict,
    NodeRecord,
    check_node_id,
    check_public_url,
    claim,
    live,
)
from rooms.cluster.placement import Placement
from rooms.cluster.relay_node import RelayNode
from rooms.cluster.routing import NodeRouting
from rooms.cluster.table import ClusterTable, NodeHeartbeat
from rooms.domain.errors import Conflict
from rooms.keeper import RedisSnapshotStore, adopt_session, conference_key
from rooms.signalling import Registry
from rooms.signalling.messages import ListenOnly
from rooms.web.listen import seated_listeners
from rooms.web.live import LiveRooms

from .settings import Settings

__all__ = [
    "Departure",
    "adopter",
    "allowed_origins",
    "check_node",
    "describe_nodes",
    "drain",
    "forget_moved",
    "heartbeat",
    "placed_here",
    "relay_node",
    "routing",
    "snapshot_key",
]

log = logging.getLogger("conference.cluster")

# After the drain sent everyone away, the node stays until no websocket has been open for
# this long: people reconnect within a quarter of a second (the client's first backoff)
# and are sent on to their session's new node from here.
QUIET_S = 2.0


def _table(settings: Settings) -> ClusterTable:
    if not settings.redis_bus:
        raise NodeConflict(
            "node_id", "several nodes share their state in Redis: set CONFERENCE_BUS_URL=redis://…"
        )
    return ClusterTable.open(settings.bus_url, conference_key(settings.secret_key))


def _public_url(settings: Settings) -> str:
    if not settings.public_url:
        raise NodeConflict("public_url", "a node needs --public-url (CONFERENCE_PUBLIC_URL)")
    return check_public_url(settings.public_url)


def heartbeat(
    settings: Settings,
    load: Callable[[], int],
    on_draining: Callable[[bool], Awaitable[None] | None],
) -> NodeHeartbeat:
    """This process's node (not started): ``await start()`` registers it."""
    return NodeHeartbeat(
        _table(settings), check_node_id(settings.node_id), _public_url(settings), load, on_draining
    )


def routing(
    settings: Settings,
    node: NodeHeartbeat,
    adopt: Callable[[Placement], Awaitable[None]] | None = None,
) -> NodeRouting:
    return NodeRouting(
        node.table, node.record.node_id, node.record.public_url, settings.site_url, adopt
    )


async def relay_node(settings: Settings, node: NodeHeartbeat, live: LiveRooms) -> RelayNode:
    """This node's relay socket, open and announced (rooms/cluster/relay_node.py): on the
    public URL's host unless ``CONFERENCE_RELAY_HOST`` says otherwise."""
    relay = RelayNode(
        node.table,
        node.record.node_id,
        node.record.instance,
        live.router,
        live.registry.room_for_session,
        settings.node_listeners,
        lambda room_id, count: live.registry.publish_room(
            room_id, ListenOnly(room_id=room_id, count=count)
        ),
        None if live.routing is None else live.routing.take_over,
    )
    relay.seated = functools.partial(seated_listeners, live.registry)
    host = settings.relay_host or urlsplit(node.record.public_url).hostname or "127.0.0.1"
    await relay.start(host, settings.relay_port)
    return relay


def snapshot_key(settings: Settings, node_id: str) -> str:
    """The key of a node's own live snapshot: its sessions, never another node's."""
    return f"{conference_key(settings.secret_key)}:node:{node_id}"


def adopter(settings: Settings, registry: Registry) -> Callable[[Placement], Awaitable[None]]:
    """Failover: take a session placed here over from its previous node's snapshot."""

    async def adopt(placement: Placement) -> None:
        if placement.previous is None:
            return
        if placement.session_id in registry.core.main_rooms:
            # Back here after another node had it: what is left here is older than that
            # node's snapshot (a sweep may not have dropped it yet).
            with contextlib.suppress(Conflict):  # still connected: adopting refuses, logged
                await registry.forget_session(placement.session_id)
        store = RedisSnapshotStore(settings.bus_url, snapshot_key(settings, placement.previous))
        try:
            await adopt_session(
                registry, store, conference_key(settings.secret_key), placement.session_id
            )
        finally:
            await store.aclose()

    return adopt


def placed_here(
    settings: Settings, programme: Callable[[], Awaitable[set[str]]]
) -> Callable[[], Awaitable[set[str]]]:
    """The programme's sessions a restarted node restores from its own snapshot: those whose
    placement still names it (the others moved to another node while it was down)."""

    async def sessions() -> set[str]:
        known = await programme()
        table = _table(settings)
        try:
            placements = await table.placements()
        finally:
            await table.client.aclose()
        elsewhere = {p.session_id for p in placements if p.node_id != settings.node_id}
        return known - elsewhere

    return sessions


def allowed_origins(settings: Settings) -> str | tuple[str, ...]:
    """Websockets come from the site's pages and, for a node, from its own public URL."""
    if not settings.node_id or not settings.public_url:
        return settings.site_origin
    return (settings.site_origin, check_public_url(settings.public_url))


def check_node(settings: Settings) -> None:
    """Refuse to start a node whose id or URL a live node holds (``NodeConflict``)."""

    async def check() -> None:
        table = _table(settings)
        try:
            mine = NodeRecord(
                check_node_id(settings.node_id), _public_url(settings), "starting", 0, False, 0.0
            )
            claim(mine, await table.nodes(), await table.now())
        finally:
            await table.client.aclose()

    asyncio.run(check())


def describe_nodes(settings: Settings) -> str:
    async def read() -> str:
        table = _table(settings)
        try:
            nodes, placements, now = (
                await table.nodes(),
                await table.placements(),
                await table.now(),
            )
        finally:
            await table.client.aclose()
        if not nodes:
            return "No node has announced itself."
        lines = []
        for node in sorted(nodes, key=lambda n: n.node_id):
            sessions = sorted(p.session_id for p in placements if p.node_id == node.node_id)
            state = "draining" if node.draining else "serving"
            if not node.is_live(now):
                state = f"stale (last heard {now - node.heartbeat:.0f} s ago)"
            lines.append(
                f"{node.node_id}  {node.public_url}  {state}  {node.load} seats  "
                f"sessions: {', '.join(sessions) or 'none'}"
            )
        return "\n".join(lines)

    return asyncio.run(read())


def drain(settings: Settings, node_id: str, on: bool = True) -> str:
    async def mark() -> None:
        table = _table(settings)
        try:
            await table.drain(check_node_id(node_id), on)
        finally:
            await table.client.aclose()

    asyncio.run(mark())
    started = time.strftime("%H:%M:%S")
    if on:
        return f"{started} node {node_id} is draining: no new sessions; its readiness fails."
    return f"{started} node {node_id} takes sessions again."


# How often a node looks for sessions that moved away and were taken over elsewhere.
FORGET_EVERY_S = 2.0


async def forget_moved(rooms: LiveRooms) -> None:
    """Drop, every ``FORGET_EVERY_S``, the sessions another node took over (the lifespan
    runs it on a node; cancelled at exit)."""
    while True:
        await asyncio.sleep(FORGET_EVERY_S)
        try:
            await rooms.forget_moved()
        except (RedisError, OSError) as exc:
            log.info("could not look for sessions that moved away: %s", exc)


class Departure:
    """A node leaving on SIGTERM: drained as ``conference drain NODE`` drains it, then gone.

    ``await departure()`` marks the node draining and acts on it at once (its people are
    sent on to their sessions' new nodes), and returns once no one has been connected for
    ``QUIET_S``. With no other node to take the sessions, it says so and returns at once:
    the node exits as a single process does, and its snapshot waits for the next one.
    ``await departure.done()`` at exit removes the mark it made (not the operator's), so
    the node takes sessions again when it starts next.
    """

    def __init__(self, node: NodeHeartbeat, rooms: LiveRooms) -> None:
        self.node = node
        self.rooms = rooms
        self.marked = False

    async def __call__(self) -> None:
        me = self.node.record.node_id
        table = self.node.table
        now = await table.now()
        others = [n for n in live(await table.nodes(), now) if n.node_id != me and not n.draining]
        if not others:
            log.warning(
                "SIGTERM: no other node is alive to take this node's sessions over; exiting "
                "with %d connections closed: people resume when a node starts again",
                self.rooms.connections,
            )
            return
        connected = self.rooms.connections
        log.info(
            "SIGTERM: draining before exiting (%d connections; nodes taking sessions: %s)",
            connected,
            ", ".join(sorted(n.node_id for n in others)),
        )
        if not self.node.draining:
            self.marked = True
        await self.node.drain()
        if connected:
            await self.rooms.quiet(QUIET_S)
        log.info("SIGTERM: drained; exiting")

    async def done(self) -> None:
        if self.marked:
            try:
                await self.node.table.drain(self.node.record.node_id, on=False)
            except (RedisError, OSError) as exc:
                log.warning(
                    "could not remove this node's draining mark (%s): "
                    "`conference drain %s --undo` does",
                    exc,
                    self.node.record.node_id,
                )

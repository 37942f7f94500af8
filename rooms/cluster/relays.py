"""The relay's directory in Redis: where each node's relay socket is, and the pairs' keys.

Keys, under the cluster's prefix (rooms/cluster/table.py):

- ``relay:endpoints``: hash, node id → ``{"host", "port", "instance"}``, the node's relay
  socket (rooms.media.relay_socket), written at start; a node whose heartbeat is stale
  counts for nothing, so neither does its endpoint;
- ``relay:keys:<edge>``: hash, origin node id → ``{"key", "instance"}``: the SRTP key the
  origin seals its packets to ``edge`` with (base64), new for each origin process. Only
  the origin writes it, and only the edge reads it; it never appears in a log, a record
  that is printed, or a metric;
- ``relay:edges``: hash, session id → JSON list of the session's edge node ids, in the
  order they were added (rooms.cluster.edges).

Keys travel through Redis as placements do: whoever can write Redis can run a node. Between
machines the relay's datagrams are sealed (SRTP, AES-GCM), so a network path between nodes
sees neither the audio nor who speaks, and a datagram not sealed with a pair's key is
dropped and counted at the edge.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

import redis.asyncio as redis

from rooms.cluster.table import ClusterTable
from rooms.media.relay import Address, new_key

__all__ = ["RelayDirectory", "RelayPeer"]


@dataclass(frozen=True)
class RelayPeer:
    """An origin an edge accepts packets from, or an edge an origin sends to."""

    node_id: str
    address: Address
    key: bytes

    def __repr__(self) -> str:  # the key stays out of logs and tracebacks
        return f"RelayPeer({self.node_id!r}, {self.address!r})"


def _endpoint(raw: str | bytes) -> tuple[Address, str] | None:
    try:
        found = json.loads(raw)
        return (str(found["host"]), int(found["port"])), str(found["instance"])
    except (ValueError, KeyError, TypeError):
        return None


class RelayDirectory:
    def __init__(self, table: ClusterTable) -> None:
        self.table = table
        self.client: redis.Redis = table.client

    def _key(self, part: str) -> str:
        return self.table.key(f"relay:{part}")

    async def announce(self, node_id: str, instance: str, address: Address) -> None:
        value = {"host": address[0], "port": address[1], "instance": instance}
        await self.client.hset(self._key("endpoints"), node_id, json.dumps(value))

    async def endpoints(self) -> dict[str, Address]:
        """The relay sockets of the live nodes."""
        return {node: found[0] for node, found in (await self._live()).items()}

    async def _live(self) -> dict[str, tuple[Address, str]]:
        """Each live node's relay socket and process instance (a restarted node's old
        socket, or a stale node's, is no one's)."""
        raw = await self.client.hgetall(self._key("endpoints"))
        now = await self.table.now()
        alive = {n.node_id: n.instance for n in await self.table.nodes() if n.is_live(now)}
        out: dict[str, tuple[Address, str]] = {}
        for node_id, text in raw.items():
            node = node_id.decode() if isinstance(node_id, bytes) else str(node_id)
            found = _endpoint(text)
            if found is not None and alive.get(node) == found[1]:
                out[node] = found
        return out

    async def offer(self, origin: str, instance: str, edge: str) -> RelayPeer | None:
        """A fresh key for sending from ``origin`` to ``edge``, written where ``edge`` reads
        it; None when ``edge`` has no live relay socket."""
        address = (await self.endpoints()).get(edge)
        if address is None:
            return None
        key = new_key()
        value = {"key": base64.b64encode(key).decode(), "instance": instance}
        await self.client.hset(self._key(f"keys:{edge}"), origin, json.dumps(value))
        return RelayPeer(edge, address, key)

    async def withdraw(self, origin: str, edge: str) -> None:
        await self.client.hdel(self._key(f"keys:{edge}"), origin)

    async def accepted(self, edge: str) -> list[RelayPeer]:
        """The live origins that send to ``edge``, with their sockets and keys."""
        raw = await self.client.hgetall(self._key(f"keys:{edge}"))
        endpoints = await self._live()
        out = []
        for origin, text in raw.items():
            node = origin.decode() if isinstance(origin, bytes) else str(origin)
            try:
                found = json.loads(text)
                key = base64.b64decode(found["key"], validate=True)
                instance = str(found["instance"])
            except (ValueError, KeyError, TypeError):
                continue
            # Only the live process of that origin: a key left by one before a restart is
            # no one's.
            if node in endpoints and endpoints[node][1] == instance:
                out.append(RelayPeer(node, endpoints[node][0], key))
        return sorted(out, key=lambda p: p.node_id)

    async def edges(self, session_id: str) -> list[str]:
        raw = await self.client.hget(self._key("edges"), session_id)
        try:
            found = json.loads(raw) if raw is not None else []
        except ValueError:
            return []
        return [str(e) for e in found] if isinstance(found, list) else []

    async def set_edges(self, session_id: str, edges: list[str]) -> None:
        if edges:
            await self.client.hset(self._key("edges"), session_id, json.dumps(edges))
        else:
            await self.client.hdel(self._key("edges"), session_id)

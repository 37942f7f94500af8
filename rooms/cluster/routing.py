"""Sending people to the node that owns their session (one node of several).

A page or a websocket for a session that another node owns is answered with where to go:
pages with a redirect to the same path on the owner's public URL, websockets with a
``redirect`` message (docs/protocol.md). A page also learns where to go back to when its
node stops answering (:meth:`NodeRouting.relocate_url`): the site's entry (a proxy, or
another live node), which sends it on to the session's new owner.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from rooms.cluster.nodes import NodeRecord, live
from rooms.cluster.placement import Placement
from rooms.cluster.table import ClusterTable

__all__ = ["Adopt", "NodeRouting"]

log = logging.getLogger(__name__)

# Take a session over from ``placement.previous``'s snapshot (a failover); rooms/keeper.py.
Adopt = Callable[[Placement], Awaitable[None]]


@dataclass
class NodeRouting:
    table: ClusterTable
    node_id: str
    public_url: str
    site_url: str
    adopt: Adopt | None = None
    _taken: set[int] = field(default_factory=set, init=False, repr=False)
    _taking: asyncio.Lock = field(default_factory=asyncio.Lock, init=False, repr=False)

    async def elsewhere(self, session_id: str) -> NodeRecord | None:
        """The owner of ``session_id`` when it is another node; None when it is this one.

        Placing the session here when it has no live owner yet (or none at all takes it:
        then this node serves it rather than nobody). A session newly placed here is first
        taken over from the node that had it (:meth:`take_over`), before anyone is served.
        """
        placement = await self.table.place(session_id)
        if placement is None:
            return None
        if placement.node_id == self.node_id:
            await self.take_over(placement)
            return None
        now = await self.table.now()
        for node in live(await self.table.nodes(), now):
            if node.node_id == placement.node_id:
                return node
        return None

    async def relocate_url(self, path: str) -> str:
        """Where a page goes when this node stops answering: the site, or another live node."""
        if self.site_url.rstrip("/") != self.public_url.rstrip("/"):
            return self.site_url.rstrip("/") + path
        now = await self.table.now()
        others = [n for n in live(await self.table.nodes(), now) if n.node_id != self.node_id]
        return (others[0].public_url if others else self.public_url) + path

    async def take_over(self, placement: Placement) -> None:
        """Restore the session from its previous node's snapshot, once per fencing token in
        the whole cluster (the table decides), before this node serves it."""
        if placement.fence in self._taken:
            return
        # Every request for the session waits here until the take-over is done: one served
        # before it would open the session's room afresh, and the old one could not join it.
        async with self._taking:
            if placement.fence in self._taken:
                return
            try:
                first = await self.table.take_over(placement)
                if (
                    first
                    and self.adopt is not None
                    and placement.previous
                    not in (
                        None,
                        self.node_id,
                    )
                ):
                    await self.adopt(placement)
            except Exception:  # the session starts afresh rather than not at all
                log.exception(
                    "taking session %s over from node %s failed; it starts afresh",
                    placement.session_id,
                    placement.previous,
                )
            finally:
                self._taken.add(placement.fence)

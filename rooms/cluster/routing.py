"""Sending people to the node that owns their session (one node of several).

A page or a websocket for a session that another node owns is answered with where to go:
pages with a redirect to the same path on the owner's public URL, websockets with a
``redirect`` message (docs/protocol.md). A page also learns where to go back to when its
node stops answering (:meth:`NodeRouting.relocate_url`): the site's entry (a proxy, or
another live node), which sends it on to the session's new owner.
"""

from __future__ import annotations

from dataclasses import dataclass

from rooms.cluster.nodes import NodeRecord, live
from rooms.cluster.table import ClusterTable

__all__ = ["NodeRouting"]


@dataclass
class NodeRouting:
    table: ClusterTable
    node_id: str
    public_url: str
    site_url: str

    async def elsewhere(self, session_id: str) -> NodeRecord | None:
        """The owner of ``session_id`` when it is another node; None when it is this one.

        Placing the session here when it has no live owner yet (or none at all takes it:
        then this node serves it rather than nobody).
        """
        placement = await self.table.place(session_id)
        if placement is None or placement.node_id == self.node_id:
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

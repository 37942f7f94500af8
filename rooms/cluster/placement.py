"""Which node owns a conference session (pure: no I/O).

A session (its main room, its breakouts and its booths together) has one owner at a time.
A :class:`Placement` names it with a fencing token: every new placement gets a larger token
from the store, and a node acts for a session (saves its snapshot, serves its websocket)
only while the stored placement still carries the node's token. Two nodes that both believe
they own a session (one came back after it was declared dead) are told apart that way.
A new owner takes the session's live state over from the ``previous`` node's snapshot,
once per fencing token.

:func:`choose` picks the live, non-draining node with the fewest sessions, then the
least load (live seats), then the node id: sessions spread over nodes, and a node
full of people gets new sessions last.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from rooms.cluster.nodes import NodeRecord, live

__all__ = ["Placement", "choose", "keeps"]


@dataclass(frozen=True)
class Placement:
    session_id: str
    node_id: str
    fence: int
    # The node that served the session before (a failover, a drain): its snapshot holds the
    # session's live state, which the new owner takes over once (``ClusterTable.take_over``).
    previous: str | None = None

    def encode(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def decode(cls, text: str | bytes | None) -> Placement | None:
        if text is None:
            return None
        try:
            raw = json.loads(text)
            previous = raw.get("previous")
            return cls(
                str(raw["session_id"]),
                str(raw["node_id"]),
                int(raw["fence"]),
                None if previous is None else str(previous),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


def keeps(current: Placement | None, nodes: Iterable[NodeRecord], now: float) -> bool:
    """Whether ``current`` stands: its owner is live and not draining."""
    if current is None:
        return False
    return any(n.node_id == current.node_id and not n.draining for n in live(nodes, now))


def choose(
    nodes: Iterable[NodeRecord], placements: Iterable[Placement], now: float
) -> NodeRecord | None:
    """The node a session moves to, or None when no live node takes sessions."""
    candidates = [n for n in live(nodes, now) if not n.draining]
    if not candidates:
        return None
    owned = Counter(p.node_id for p in placements)
    return min(candidates, key=lambda n: (owned[n.node_id], n.load, n.node_id))

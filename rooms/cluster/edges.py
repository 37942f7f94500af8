"""Which nodes serve a large session's listeners besides its owner (pure: no I/O).

A session's owner is its origin: the floor and the booths publish there. When its
listeners outgrow one node (``capacity`` listeners each), the listen-only seats spread
over edges: other nodes that get each relayed source once from the origin
(rooms.media.relay) and fan it out to their own listeners.

:func:`edges_needed` says how many edges a number of listeners takes; :func:`choose_edges`
keeps the live edges a session has, drops dead or draining ones (their listeners go to the
others, or to a new one) and adds the least loaded nodes until there are enough;
:func:`edge_for` sends one listener to the edge with the fewest listeners.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from rooms.cluster.nodes import NodeRecord, live

__all__ = ["choose_edges", "edge_for", "edges_needed"]


def edges_needed(listeners: int, capacity: int) -> int:
    """Edges for ``listeners`` when the origin and each edge hold ``capacity`` each.

    The origin keeps its share (its speakers, interpreters and the first listeners).
    """
    if capacity <= 0 or listeners <= capacity:
        return 0
    return -(-(listeners - capacity) // capacity)


def choose_edges(
    origin: str,
    current: Sequence[str],
    wanted: int,
    nodes: Iterable[NodeRecord],
    now: float,
) -> list[str]:
    """The session's edges: the live, non-draining ``current`` ones first (their listeners
    stay), then the least loaded other nodes; never the origin; at most ``wanted``."""
    candidates = [n for n in live(nodes, now) if not n.draining and n.node_id != origin]
    usable = {n.node_id for n in candidates}
    kept = [edge for edge in current if edge in usable][:wanted]
    spare = sorted(
        (n for n in candidates if n.node_id not in kept), key=lambda n: (n.load, n.node_id)
    )
    return kept + [n.node_id for n in spare[: max(0, wanted - len(kept))]]


def edge_for(edges: Sequence[str], listeners: Mapping[str, int]) -> str | None:
    """The edge a new listener goes to: the one holding the fewest (the first on a tie)."""
    if not edges:
        return None
    return min(edges, key=lambda edge: (listeners.get(edge, 0), edges.index(edge)))

"""Nodes: one ``conference serve`` process each, known by its heartbeat (pure: no I/O).

A node announces itself with a :class:`NodeRecord` every ``HEARTBEAT_S``; a record whose
heartbeat is older than ``STALE_AFTER_S`` is stale and counts for nothing (a dead node, or a
forged or left-over record). Times are the shared store's clock (Redis ``TIME``), so nodes on
machines whose clocks disagree still agree on ages.

At start, :func:`claim` refuses a node id that a live node of another process already holds,
and a public URL that a live node of another id already announces.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from rooms.domain.errors import RoomsError

__all__ = [
    "HEARTBEAT_S",
    "STALE_AFTER_S",
    "NodeConflict",
    "NodeRecord",
    "check_node_id",
    "check_public_url",
    "claim",
    "live",
]

HEARTBEAT_S = 1.0
STALE_AFTER_S = 5.0
_NODE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")


class NodeConflict(RoomsError):
    """A node that may not start, naming the setting at fault (``node_id``, ``public_url``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def check_node_id(node_id: str) -> str:
    if not _NODE_ID.fullmatch(node_id):
        raise NodeConflict(
            "node_id", f"{node_id!r} is not a node id (letters, digits, '.', '_', '-'; 1-63)"
        )
    return node_id


def check_public_url(url: str) -> str:
    """``http(s)://host[:port]``, with no path: where browsers reach this node."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        raise NodeConflict("public_url", f"{url!r} is not http(s)://host[:port]")
    if parts.query or parts.fragment or parts.username:
        raise NodeConflict("public_url", f"{url!r} is not http(s)://host[:port]")
    return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class NodeRecord:
    node_id: str
    public_url: str
    instance: str  # random per process start: a restart of this node, or another process
    load: int  # live seats on the node
    draining: bool
    heartbeat: float  # the store's clock, seconds

    def is_live(self, now: float) -> bool:
        return 0 <= now - self.heartbeat <= STALE_AFTER_S

    def encode(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def decode(cls, text: str | bytes) -> NodeRecord | None:
        """A record from the store; None for anything malformed (it is then ignored)."""
        try:
            raw = json.loads(text)
            record = cls(
                node_id=check_node_id(str(raw["node_id"])),
                public_url=check_public_url(str(raw["public_url"])),
                instance=str(raw["instance"]),
                load=int(raw["load"]),
                draining=bool(raw["draining"]),
                heartbeat=float(raw["heartbeat"]),
            )
        except (ValueError, KeyError, TypeError, NodeConflict):
            return None
        return record if record.load >= 0 else None


def live(records: Iterable[NodeRecord], now: float) -> list[NodeRecord]:
    """The records with a fresh heartbeat, by node id."""
    return sorted((r for r in records if r.is_live(now)), key=lambda r: r.node_id)


def claim(mine: NodeRecord, records: Iterable[NodeRecord], now: float) -> None:
    """Raise :class:`NodeConflict` if another live process holds this id or this URL."""
    for other in live(records, now):
        if other.instance == mine.instance:
            continue
        if other.node_id == mine.node_id:
            raise NodeConflict(
                "node_id",
                f"{mine.node_id!r} is already served by a live node at {other.public_url} "
                f"(heartbeat {now - other.heartbeat:.1f} s ago)",
            )
        if other.public_url == mine.public_url:
            raise NodeConflict(
                "public_url", f"{mine.public_url} is already announced by node {other.node_id!r}"
            )

"""Counters of the signalling layer for /metrics: plain numbers, read when scraped."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class SignallingStats:
    """Open websocket connections, and how connections ended."""

    connections: int = 0
    # (close code, "server" or "client") -> how many connections ended so.
    closes: Counter[tuple[int, str]] = field(default_factory=Counter)

    def closed(self, code: int, by: str) -> None:
        self.closes[(int(code), by)] += 1

"""Programme sessions, and the overlap warnings an organiser sees while editing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class SessionKind(StrEnum):
    PLENARY = "plenary"
    BREAKOUT = "breakout"
    LIGHTNING = "lightning"
    SOCIAL = "social"


@dataclass(frozen=True)
class Span:
    id: int
    title: str
    start: datetime
    end: datetime


def overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def overlap_warnings(candidate: Span, others: list[Span]) -> list[Span]:
    """The other sessions that run at the same time as ``candidate``, earliest first."""
    clashes = [s for s in others if s.id != candidate.id and overlaps(candidate, s)]
    return sorted(clashes, key=lambda s: (s.start, s.id))

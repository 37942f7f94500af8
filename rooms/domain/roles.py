"""Roles a person holds in a live room."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Role(StrEnum):
    PARTICIPANT = "participant"
    INTERPRETER = "interpreter"
    ORGANISER = "organiser"
    SPEAKER = "speaker"


def parse_roles(values: Iterable[str]) -> frozenset[Role]:
    """Turn role names into roles; an unknown name raises ValueError."""
    return frozenset(Role(value) for value in values)

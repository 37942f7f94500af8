"""People and what they may do."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    PARTICIPANT = "participant"
    INTERPRETER = "interpreter"
    ORGANISER = "organiser"
    SPEAKER = "speaker"


def parse_roles(values: list[str] | str) -> set[Role]:
    if isinstance(values, str):
        values = [v for v in values.split(",") if v.strip()]
    return {Role(v.strip()) for v in values}

"""An interpreter's profile: A, B and C languages, daily limit and availability windows.

Windows are typed as wall-clock times in the interpreter's own timezone and kept in UTC.
Each problem is a sentence about one field; a window's problem names its row
(``window_3``), so the form can show it next to that row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from . import fields
from .fields import Errors, FieldError, Message
from .registration import Form

LEVELS = ("a_languages", "b_languages", "c_languages")
LEVEL_LETTERS = {"a_languages": "A", "b_languages": "B", "c_languages": "C"}
MAX_MINUTES_PER_DAY = 720
MAX_WINDOWS = 60


@dataclass(frozen=True)
class Window:
    """A stretch of time the interpreter can work, in UTC."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class ProfileData:
    a_languages: tuple[str, ...]
    b_languages: tuple[str, ...]
    c_languages: tuple[str, ...]
    timezone: str
    max_minutes_per_day: int | None
    windows: tuple[Window, ...]


def window_field(row: int) -> str:
    """The error key of the window on ``row`` (counted from 1, as the form shows it)."""
    return f"window_{row}"


def _optional_minutes(value: str | None) -> int | None:
    if not (value or "").strip():
        return None
    return fields.whole_number(value, minimum=1, maximum=MAX_MINUTES_PER_DAY)


def _exclusive(levels: dict[str, list[str]], errors: Errors) -> None:
    """A language is the interpreter's A, B or C language: never two of them."""
    seen: dict[str, str] = {}
    for level in LEVELS:
        for tag in levels.get(level, []):
            earlier = seen.get(tag.casefold())
            if earlier is not None:
                errors.setdefault(
                    level,
                    Message(
                        "%(tag)s is already one of the %(level)s languages; "
                        "a language may be in only one of A, B and C.",
                        tag=tag,
                        level=LEVEL_LETTERS[earlier],
                    ),
                )
            else:
                seen[tag.casefold()] = level


def _window(start: str, end: str, zone: str) -> Window:
    if not start.strip() or not end.strip():
        raise FieldError("Give both a start and an end, or leave both empty.")
    first = fields.local_time(start, zone)
    last = fields.local_time(end, zone)
    fields.span(first, last)
    return Window(first, last)


def clean_windows(
    starts: list[str], ends: list[str], zone: str, errors: Errors
) -> tuple[Window, ...]:
    """The rows that are filled in, as UTC windows; overlaps are named on the later row."""
    rows = max(len(starts), len(ends))
    found: list[tuple[int, Window]] = []
    for index in range(rows):
        start = starts[index] if index < len(starts) else ""
        end = ends[index] if index < len(ends) else ""
        if not start.strip() and not end.strip():
            continue
        window = errors.run(window_field(index + 1), _window, start, end, zone)
        if window is not None:
            found.append((index + 1, window))
    if len(found) > MAX_WINDOWS:
        errors.setdefault("windows", Message("Give at most %(n)s windows.", n=MAX_WINDOWS))
    ordered = sorted(found, key=lambda item: (item[1].start, item[0]))
    for (row_a, a), (row_b, b) in zip(ordered, ordered[1:], strict=False):
        if b.start < a.end:
            later, earlier = max(row_a, row_b), min(row_a, row_b)
            errors.setdefault(
                window_field(later),
                Message("This window overlaps the window on row %(row)s.", row=earlier),
            )
    return tuple(w for _, w in sorted(found, key=lambda item: item[1].start))


def clean_profile(form: Form) -> tuple[ProfileData | None, Errors]:
    """Validate a profile form; return the data, or None and one message per bad field."""
    errors = Errors()
    levels: dict[str, list[str]] = {}
    for level in LEVELS:
        tags = errors.run(
            level, fields.language_list, form.get_list(level), required=level == "a_languages"
        )
        if tags is not None:
            levels[level] = tags
    _exclusive(levels, errors)
    timezone = errors.run("timezone", fields.timezone, form.get("timezone"))
    limit = errors.run("max_minutes_per_day", _optional_minutes, form.get("max_minutes_per_day"))
    # Without a valid timezone the windows cannot be placed; their format is still checked.
    windows = clean_windows(
        list(form.get_list("window_start")),
        list(form.get_list("window_end")),
        timezone or "UTC",
        errors,
    )
    if errors or timezone is None or len(levels) != len(LEVELS):
        return None, errors
    return (
        ProfileData(
            a_languages=tuple(levels["a_languages"]),
            b_languages=tuple(levels["b_languages"]),
            c_languages=tuple(levels["c_languages"]),
            timezone=timezone,
            max_minutes_per_day=limit,
            windows=windows,
        ),
        errors,
    )

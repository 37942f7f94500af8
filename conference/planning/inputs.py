"""Reading planner inputs: every bad field becomes one problem named by its JSON path.

The planners (roster, lightning, breakouts, support) share this reader so that
`conference plan ... INPUT.json` reports problems the same way for all four, as
docs/planning.md ("The JSON contract") requires: one line per problem, e.g.
``sessions[3].end: must be after start``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from conference.domain import sign_languages

_MISSING = object()
_ZONES = frozenset(available_timezones())


class InvalidInput(Exception):
    """The input is not a valid planning problem; ``problems`` lists each fault."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def child(path: str, key: str | int) -> str:
    """The JSON path of a member: ``child("sessions", 3) == "sessions[3]"``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def utc_z(moment: datetime) -> str:
    """An output time: UTC with a ``Z``, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def load_json(text: str | bytes) -> dict[str, Any]:
    """Parse a document that must be a JSON object."""
    try:
        document = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput([f"(document): not valid JSON ({exc})"]) from None
    if not isinstance(document, dict):
        raise InvalidInput(["(document): must be a JSON object"])
    return document


class Reader:
    """Collects problems while reading a JSON document, so all are reported at once.

    Each accessor returns the value (or a default) and records a problem when the
    value is missing or malformed; callers carry on with what they could read and
    call :meth:`check` at the end.
    """

    def __init__(self) -> None:
        self.problems: list[str] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def check(self) -> None:
        """Raise :class:`InvalidInput` if any problem was recorded."""
        if self.problems:
            raise InvalidInput(list(self.problems))

    # -- containers ---------------------------------------------------------

    def _get(self, parent: dict[str, Any], key: str, path: str, required: bool) -> Any:
        value = parent.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required:
                self.problem(child(path, key), "is required")
            return _MISSING
        return value

    def objects(
        self, parent: dict[str, Any], key: str, path: str = "", required: bool = True
    ) -> list[tuple[str, dict[str, Any]]]:
        """A list of objects, as (path, object) pairs; bad members are reported and skipped."""
        here = child(path, key)
        value = self._get(parent, key, path, required)
        if value is _MISSING:
            return []
        if not isinstance(value, list):
            self.problem(here, "must be a list")
            return []
        items = []
        for index, item in enumerate(value):
            if isinstance(item, dict):
                items.append((child(here, index), item))
            else:
                self.problem(child(here, index), "must be an object")
        return items

    def mapping(
        self, parent: dict[str, Any], key: str, path: str = "", required: bool = True
    ) -> dict[str, Any]:
        value = self._get(parent, key, path, required)
        if value is _MISSING:
            return {}
        if not isinstance(value, dict):
            self.problem(child(path, key), "must be an object")
            return {}
        return value

    # -- scalars ------------------------------------------------------------

    def string(
        self,
        parent: dict[str, Any],
        key: str,
        path: str,
        required: bool = True,
        default: str | None = None,
    ) -> str | None:
        value = self._get(parent, key, path, required)
        if value is _MISSING:
            return default
        if not isinstance(value, str) or not value.strip():
            self.problem(child(path, key), "must be a non-empty string")
            return default
        return value

    def number(
        self,
        parent: dict[str, Any],
        key: str,
        path: str,
        required: bool = True,
        default: float | None = None,
        integer: bool = False,
        positive: bool = False,
    ) -> float | None:
        """A number that must not be negative (nor zero when ``positive``)."""
        value = self._get(parent, key, path, required)
        if value is _MISSING:
            return default
        here = child(path, key)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            self.problem(here, "must be a number")
            return default
        if integer and value != int(value):
            self.problem(here, "must be a whole number")
            return default
        if positive and value <= 0:
            self.problem(here, "must be positive")
            return default
        if value < 0:
            self.problem(here, "must not be negative")
            return default
        return int(value) if integer else float(value)

    def integer(
        self,
        parent: dict[str, Any],
        key: str,
        path: str,
        required: bool = True,
        default: int | None = None,
        positive: bool = False,
    ) -> int | None:
        value = self.number(parent, key, path, required, default, integer=True, positive=positive)
        return None if value is None else int(value)

    def time(
        self, parent: dict[str, Any], key: str, path: str, required: bool = True
    ) -> datetime | None:
        """An ISO 8601 time that carries an offset, returned as an aware UTC datetime."""
        value = self._get(parent, key, path, required)
        if value is _MISSING:
            return None
        here = child(path, key)
        if not isinstance(value, str):
            self.problem(here, "must be an ISO 8601 time string")
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            self.problem(here, f"is not an ISO 8601 time: {value!r}")
            return None
        if moment.tzinfo is None or moment.utcoffset() is None:
            self.problem(here, "must carry an offset, such as Z or +05:30")
            return None
        return moment.astimezone(UTC)

    def timezone(
        self, parent: dict[str, Any], key: str, path: str, default: str = "UTC"
    ) -> ZoneInfo:
        name = self.string(parent, key, path, required=False, default=default) or default
        if name not in _ZONES and name != "UTC":
            self.problem(child(path, key), f"is not a known IANA timezone: {name!r}")
            return ZoneInfo("UTC")
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            self.problem(child(path, key), f"is not a known IANA timezone: {name!r}")
            return ZoneInfo("UTC")

    def languages(
        self, parent: dict[str, Any], key: str, path: str, required: bool = True
    ) -> list[str]:
        """A list of BCP 47 tags, as given (compare them with :func:`same_language`)."""
        return self.strings(parent, key, path, required)

    def strings(
        self, parent: dict[str, Any], key: str, path: str, required: bool = True
    ) -> list[str]:
        value = self._get(parent, key, path, required)
        if value is _MISSING:
            return []
        here = child(path, key)
        if not isinstance(value, list):
            self.problem(here, "must be a list of strings")
            return []
        result = []
        for index, item in enumerate(value):
            if isinstance(item, str) and item.strip():
                result.append(item)
            else:
                self.problem(child(here, index), "must be a non-empty string")
        return result

    def window(
        self, item: dict[str, Any], path: str, required: bool = True
    ) -> tuple[datetime, datetime] | None:
        """``start`` and ``end`` of one object, with the end after the start."""
        start = self.time(item, "start", path, required)
        end = self.time(item, "end", path, required)
        if start is None or end is None:
            return None
        if end <= start:
            self.problem(child(path, "end"), "must be after start")
            return None
        return start, end

    def windows(
        self, parent: dict[str, Any], key: str, path: str
    ) -> list[tuple[datetime, datetime]] | None:
        """An optional list of availability windows; ``None`` when absent (always available)."""
        if parent.get(key) is None:
            return None
        result = []
        for item_path, item in self.objects(parent, key, path):
            span = self.window(item, item_path)
            if span is not None:
                result.append(span)
        return result

    # -- identities ---------------------------------------------------------

    def unique_ids(self, items: Iterable[tuple[str, dict[str, Any]]], key: str = "id") -> list[str]:
        """Read each item's id, reporting a missing id or one repeated within the list."""
        seen: set[str] = set()
        ids = []
        for path, item in items:
            value = item.get(key)
            if value is None:
                self.problem(child(path, key), "is required")
                continue
            if not isinstance(value, str | int) or isinstance(value, bool) or str(value) == "":
                self.problem(child(path, key), "must be a non-empty string")
                continue
            ident = str(value)
            if ident in seen:
                self.problem(child(path, key), f"repeats the id {ident!r}")
            seen.add(ident)
            ids.append(ident)
        return ids

    def reference(self, value: Any, path: str, known: set[str], what: str) -> str | None:
        """Check that ``value`` names an existing id of ``what``."""
        if value is None:
            self.problem(path, "is required")
            return None
        ident = str(value)
        if ident not in known:
            self.problem(path, f"refers to an unknown {what} {ident!r}")
            return None
        return ident

    def identifier(
        self, parent: dict[str, Any], key: str, path: str, required: bool = True
    ) -> str | None:
        """An id that is not an item's own: a non-empty string or a whole number, as a string."""
        value = self._get(parent, key, path, required)
        if value is _MISSING:
            return None
        if not _is_ident(value):
            self.problem(child(path, key), "must be a non-empty string")
            return None
        return str(value)

    def references(
        self,
        parent: dict[str, Any],
        key: str,
        path: str,
        known: set[str],
        what: str,
        required: bool = True,
    ) -> list[str]:
        """A list of ids that must each name an existing ``what``, without repeats."""
        value = self._get(parent, key, path, required)
        if value is _MISSING:
            return []
        here = child(path, key)
        if not isinstance(value, list):
            self.problem(here, f"must be a list of {what} ids")
            return []
        result: list[str] = []
        for index, item in enumerate(value):
            if not _is_ident(item):
                self.problem(child(here, index), "must be a non-empty string")
                continue
            ident = self.reference(item, child(here, index), known, what)
            if ident is None:
                continue
            if ident in result:
                self.problem(child(here, index), f"repeats the {what} {ident!r}")
                continue
            result.append(ident)
        return result


def _is_ident(value: Any) -> bool:
    return (isinstance(value, str) and bool(value.strip())) or (
        isinstance(value, int) and not isinstance(value, bool)
    )


def same_language(a: str, b: str) -> bool:
    """BCP 47 tags compare case-insensitively, and a sign language's spellings are one."""
    return language_key(a) == language_key(b)


@cache
def language_key(tag: str) -> str:
    """How the planners compare tags: case-insensitively; ``sgn-US`` and ``ase`` are one."""
    try:
        sign = sign_languages.canonical(tag)
    except ValueError:
        sign = None
    return (sign or tag).casefold()

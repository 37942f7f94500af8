"""Ranked-priority polls: what an organiser may ask, and what a ballot may say.

A ballot ranks some of the poll's options, best first. Nobody ranks 45 initiatives in full,
so ballots may be truncated: the options a person ranked beat the ones they left out, and
the ones left out are tied with each other.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from . import fields
from .fields import Errors, FieldError

MAX_OPTIONS = 50
MAX_OPTION = 200
MAX_TITLE = 200


class PollStatus(enum.StrEnum):
    """A poll is drafted, opened for ballots, closed, and its results published."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    PUBLISHED = "published"


# Which status an organiser's action leads to, from which statuses.
TRANSITIONS: dict[str, tuple[frozenset[PollStatus], PollStatus]] = {
    "open": (frozenset({PollStatus.DRAFT, PollStatus.CLOSED}), PollStatus.OPEN),
    "close": (frozenset({PollStatus.OPEN}), PollStatus.CLOSED),
    "publish": (frozenset({PollStatus.CLOSED}), PollStatus.PUBLISHED),
}


class PollTransitionError(ValueError):
    """An action that does not apply to a poll in its current status."""


def next_status(current: PollStatus, action: str) -> PollStatus:
    allowed, target = TRANSITIONS.get(action, (frozenset(), current))
    if current not in allowed:
        raise PollTransitionError(f"{action} does not apply to a {current.value} poll")
    return target


@dataclass(frozen=True)
class PollData:
    title: str
    options: tuple[str, ...]
    session_id: int | None


def _options(typed: str | None) -> tuple[str, ...]:
    lines = [line.strip() for line in (typed or "").splitlines()]
    options = tuple(line for line in lines if line)
    if len(options) < 2:
        raise FieldError("Give at least two options, one per line.")
    if len(options) > MAX_OPTIONS:
        raise FieldError("A poll has at most %(limit)s options.", limit=MAX_OPTIONS)
    for option in options:
        if len(option) > MAX_OPTION:
            raise FieldError("Each option has at most %(limit)s characters.", limit=MAX_OPTION)
    seen: set[str] = set()
    for option in options:
        if option.casefold() in seen:
            raise FieldError("%(option)s is listed twice.", option=option[:60])
        seen.add(option.casefold())
    return options


def _session(typed: str, session_ids: Sequence[int]) -> int:
    for session_id in session_ids:
        if typed == str(session_id):
            return session_id
    raise FieldError("Choose one of the sessions listed.")


def clean_poll(
    title: str | None, options: str | None, session: str | None, session_ids: Sequence[int]
) -> tuple[PollData | None, Errors]:
    """Validate an organiser's poll form; ``session`` empty means the whole event."""
    errors = Errors()
    clean_title = errors.run("title", fields.text, title, limit=MAX_TITLE)
    clean_options = errors.run("options", _options, options)
    session_id: int | None = None
    if session:
        session_id = errors.run("session", _session, session, session_ids)
    if errors or clean_title is None or clean_options is None:
        return None, errors
    return PollData(clean_title, clean_options, session_id), errors


def clean_ballot(ranking: Sequence[str], option_count: int) -> tuple[int, ...]:
    """Option numbers (0-based), best first; raises :class:`FieldError` for a bad ballot."""
    if len(ranking) > option_count:
        raise FieldError("A ballot ranks at most %(limit)s options.", limit=option_count)
    chosen: list[int] = []
    for typed in ranking:
        if not typed.isascii() or not typed.isdigit() or len(typed) > 3:
            raise FieldError("%(value)s is not an option of this poll.", value=typed[:20])
        number = int(typed)
        if number >= option_count:
            raise FieldError("%(value)s is not an option of this poll.", value=typed[:20])
        if number in chosen:
            raise FieldError("An option can be ranked only once.")
        chosen.append(number)
    if not chosen:
        raise FieldError("Rank at least one option.")
    return tuple(chosen)

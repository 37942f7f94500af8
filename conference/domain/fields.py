"""Field rules shared by every form and import: each failure is a sentence about one field.

Forms show the sentence next to the field; CSV imports prefix it with the row number.
Every function raises :class:`FieldError` or returns the cleaned value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from . import languages, timezones

MAX_NAME = 200
MAX_EMAIL = 254
MAX_TEXT = 2000
MAX_CARRIER = 100
MAX_GB = 1000
MAX_CHILDREN = 20

_EMAIL = re.compile(
    r"^[^@\s<>\"',;]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
T = TypeVar("T")

_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
# C0 controls but tab and line breaks, DEL and the C1 controls: no person types them, and
# PostgreSQL refuses a NUL byte in text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class Message(str):
    """A sentence in English that remembers its template, so a page can translate it."""

    template: str
    values: dict[str, object]

    def __new__(cls, template: str, **values: object) -> Message:
        message = super().__new__(cls, template % values if values else template)
        message.template = template
        message.values = values
        return message


class FieldError(ValueError):
    """A value a person typed that we cannot accept; the message says why."""

    def __init__(self, template: str, **values: object) -> None:
        self.message = Message(template, **values)
        super().__init__(self.message)


class Errors(dict[str, str]):
    """Field name → message, collected while cleaning a whole form."""

    def run(self, field: str, check: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        """Call ``check(*args)``; record its :class:`FieldError` under ``field``."""
        try:
            return check(*args, **kwargs)
        except FieldError as exc:
            self.setdefault(field, exc.message)
            return None


def no_controls(value: str) -> str:
    """``value`` unchanged, or a FieldError when it holds a control character."""
    if _CONTROL.search(value):
        raise FieldError("This holds a control character that text cannot contain.")
    return value


def text(value: str | None, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    value = no_controls((value or "").strip())
    if required and not value:
        raise FieldError("This field is required.")
    if len(value) > limit:
        raise FieldError(
            "This is too long: at most %(limit)s characters, not %(length)s.",
            limit=limit,
            length=len(value),
        )
    return value


def name(value: str | None) -> str:
    return text(value, limit=MAX_NAME)


def email(value: str | None) -> str:
    value = no_controls((value or "").strip())
    if not value:
        raise FieldError("This field is required.")
    if len(value) > MAX_EMAIL:
        raise FieldError("This is too long: at most %(limit)s characters.", limit=MAX_EMAIL)
    if not _EMAIL.match(value):
        raise FieldError("This is not an email address, such as name@example.org.")
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def timezone(value: str | None) -> str:
    value = (value or "").strip()
    if not value:
        raise FieldError("Choose a timezone.")
    if not timezones.is_known(value):
        raise FieldError(
            "%(value)s is not a timezone we know, such as Asia/Kolkata.", value=value[:64]
        )
    return timezones.canonical(value)


def language_list(values: Iterable[str], *, required: bool = True) -> list[str]:
    """BCP 47 tags in order, without repeats, each one known."""
    result: list[str] = []
    for raw in values:
        raw = raw.strip()
        if not raw:
            continue
        try:
            tag = languages.normalise(raw)
        except languages.UnknownLanguage:
            raise FieldError(
                "%(value)s is not a language tag we know, such as fr or pt-BR.", value=raw[:35]
            ) from None
        if tag not in result:
            result.append(tag)
    if required and not result:
        raise FieldError("Choose at least one language.")
    return result


def whole_number(
    value: str | int | None, *, minimum: int = 0, maximum: int, label: str = ""
) -> int:
    raw = str(value if value is not None else "").strip()
    if not raw:
        raise FieldError("This field is required.")
    try:
        number = int(raw)
    except ValueError:
        raise FieldError("%(value)s is not a whole number.", value=raw[:20]) from None
    if number < minimum:
        raise FieldError("This must be at least %(minimum)s.", minimum=minimum)
    if number > maximum:
        raise FieldError("This must be at most %(maximum)s.", maximum=maximum)
    return number


def gigabytes(value: str | float | None) -> float:
    raw = str(value if value is not None else "").strip()
    if not raw:
        raise FieldError("This field is required.")
    try:
        number = float(raw)
    except ValueError:
        raise FieldError("%(value)s is not a number of gigabytes.", value=raw[:20]) from None
    if not number > 0:
        raise FieldError("This must be more than 0 GB.")
    if number > MAX_GB:
        raise FieldError("This must be at most %(maximum)s GB.", maximum=MAX_GB)
    return round(number, 2)


def country(value: str | None) -> str:
    raw = (value or "").strip()
    if not _COUNTRY.match(raw):
        raise FieldError("Give the country as its two-letter code, such as IN or NG.")
    return raw.upper()


def carrier(value: str | None) -> str:
    return text(value, limit=MAX_CARRIER)


def local_time(value: str | None, zone: str) -> datetime:
    """A wall-clock time typed in ``zone`` (``YYYY-MM-DDTHH:MM``), as aware UTC."""
    raw = (value or "").strip()
    if not raw:
        raise FieldError("This field is required.")
    try:
        naive = datetime.fromisoformat(raw)
    except ValueError:
        raise FieldError(
            "%(value)s is not a date and time such as 2026-12-05T14:30.", value=raw[:30]
        ) from None
    if naive.tzinfo is not None:
        naive = naive.replace(tzinfo=None)
    return timezones.to_utc(naive, zone)


def span(start: datetime | None, end: datetime | None) -> None:
    if start is not None and end is not None and end <= start:
        raise FieldError("The end must be after the start.")


def choice(value: str | None, allowed: Iterable[str]) -> str:
    raw = (value or "").strip()
    options = list(allowed)
    if raw not in options:
        raise FieldError("Choose one of: %(options)s.", options=", ".join(options))
    return raw

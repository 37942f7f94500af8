"""A lightning talk as its speaker submits it, and the organiser's decisions about it.

Availability windows are typed as wall-clock times in the speaker's own timezone and
kept in UTC (the same rules as an interpreter's windows). Each problem is a sentence
about one field, so the form shows it next to that field.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from . import fields, languages
from .fields import Errors, FieldError
from .interpreters import Window, clean_windows
from .registration import Form

MAX_TITLE = 200
MAX_ABSTRACT = 2000
MAX_SLIDES_URL = 500
MAX_DURATION = 5


class Status(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WAITLISTED = "waitlisted"


# What an organiser may decide; "submitted" is where every talk starts.
DECISIONS = (Status.ACCEPTED, Status.WAITLISTED, Status.REJECTED)
MAX_PRIORITY = 10


@dataclass(frozen=True)
class TalkData:
    title: str
    abstract: str
    language: str
    duration_minutes: int
    slides_url: str
    timezone: str
    windows: tuple[Window, ...]


def editable(status: str) -> bool:
    """The speaker may change the talk until the organiser decides."""
    return status == Status.SUBMITTED


def slides_url(value: str | None) -> str:
    """An http or https link, or nothing."""
    raw = (value or "").strip()
    if not raw:
        return ""
    if len(raw) > MAX_SLIDES_URL:
        raise FieldError(
            "This is too long: at most %(limit)s characters, not %(length)s.",
            limit=MAX_SLIDES_URL,
            length=len(raw),
        )
    parts = urlsplit(raw)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in raw:
        raise FieldError("Give a web link that starts with https:// or http://.")
    return raw


def talk_language(value: str | None, offered: Collection[str]) -> str:
    """A language some lightning block can take: its floor or one of its booths."""
    raw = (value or "").strip()
    if not raw:
        raise FieldError("Choose the language of your talk.")
    try:
        tag = languages.normalise(raw)
    except languages.UnknownLanguage:
        raise FieldError(
            "%(value)s is not a language tag we know, such as fr or pt-BR.", value=raw[:35]
        ) from None
    if tag.casefold() not in {o.casefold() for o in offered}:
        raise FieldError(
            "No lightning block can take talks in %(language)s: neither its floor nor "
            "its interpretation booths work in it. Choose one of the languages listed.",
            language=languages.native_name(tag),
        )
    return tag


def duration(value: str | None, slot_minutes: float) -> int:
    """Whole minutes, at least 1 and no longer than a slot."""
    limit = int(min(MAX_DURATION, slot_minutes))
    raw = (value or "").strip()
    if raw.isascii() and raw.isdigit() and len(raw) < 10 and int(raw) > limit:
        raise FieldError(
            "A lightning talk lasts at most %(minutes)s minutes: the length of a slot.",
            minutes=limit,
        )
    return fields.whole_number(raw, minimum=1, maximum=limit)


def clean_talk(
    form: Form, offered: Collection[str], slot_minutes: float = MAX_DURATION
) -> tuple[TalkData | None, Errors]:
    """Validate a submission form; return the data, or None and one message per bad field."""
    errors = Errors()
    title = errors.run("title", fields.text, form.get("title"), limit=MAX_TITLE)
    abstract = errors.run("abstract", fields.text, form.get("abstract"), limit=MAX_ABSTRACT)
    language = errors.run("language", talk_language, form.get("language"), offered)
    minutes = errors.run("duration_minutes", duration, form.get("duration_minutes"), slot_minutes)
    slides = errors.run("slides_url", slides_url, form.get("slides_url"))
    zone = errors.run("timezone", fields.timezone, form.get("timezone"))
    windows = clean_windows(
        list(form.get_list("window_start")),
        list(form.get_list("window_end")),
        zone or "UTC",
        errors,
    )
    if errors:
        return None, errors
    assert title is not None and abstract is not None and language is not None
    assert minutes is not None and slides is not None and zone is not None
    return TalkData(title, abstract, language, minutes, slides, zone, windows), errors


def decision(value: str | None) -> Status:
    raw = fields.choice(value, [d.value for d in DECISIONS])
    return Status(raw)


def priority(value: str | None) -> int:
    return fields.whole_number(value, minimum=1, maximum=MAX_PRIORITY)

"""The Jinja2 environment: autoescaped, with filters that show times where the viewer is."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from babel.dates import format_date, format_datetime, format_time, get_timezone_name
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from ..domain import languages, timezones

CONFERENCE_TEMPLATES = Path(__file__).parent / "templates"


def environment(extra_dirs: list[Path] | None = None) -> Environment:
    loaders = [FileSystemLoader(str(d)) for d in [CONFERENCE_TEMPLATES, *(extra_dirs or [])]]
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["language_name"] = languages.native_name
    env.globals["language_is_rtl"] = languages.is_rtl
    env.globals["local_datetime"] = local_datetime
    env.globals["local_time"] = local_time
    env.globals["local_date"] = local_date
    env.globals["zone_name"] = zone_name
    env.globals["zone_aliases"] = timezones.ALIASES
    return env


def local_datetime(moment: datetime, zone: str, locale: str) -> str:
    return format_datetime(timezones.local(moment, zone), "medium", locale=locale)


def local_time(moment: datetime, zone: str, locale: str) -> str:
    return format_time(timezones.local(moment, zone), "short", locale=locale)


def local_date(moment: datetime, zone: str, locale: str) -> str:
    return format_date(timezones.local(moment, zone), "full", locale=locale)


def zone_name(zone: str, locale: str) -> str:
    try:
        return f"{get_timezone_name(timezones.zone(zone), locale=locale)} ({zone})"
    except LookupError:
        return zone

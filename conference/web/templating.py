"""The Jinja2 environment: autoescaped, with filters that show times where the viewer is."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_time, get_timezone_name
from babel.numbers import format_currency
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup, escape

from ..domain import languages, sign_languages, timezones

CONFERENCE_TEMPLATES = Path(__file__).parent / "templates"


def environment(extra_dirs: list[Path] | None = None) -> Environment:
    loaders = [FileSystemLoader(str(d)) for d in [CONFERENCE_TEMPLATES, *(extra_dirs or [])]]
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["language_name"] = language_name
    env.globals["language_is_rtl"] = languages.is_rtl
    env.globals["sign_language_tags"] = sign_languages.COMMON_SIGN
    env.tests["sign_language"] = _is_sign_language
    env.globals["local_datetime"] = local_datetime
    env.globals["local_time"] = local_time
    env.globals["local_date"] = local_date
    env.globals["zone_name"] = zone_name
    env.globals["zone_aliases"] = timezones.ALIASES
    env.globals["zone_options"] = zone_options
    env.globals["money"] = money
    return env


def _is_sign_language(tag: str) -> bool:
    return languages.is_sign_language(tag)


@pass_context
def language_name(context: Context, tag: str) -> str:
    """A language's own name; a sign language's (which has none in writing) in the page's language."""
    if not languages.is_sign_language(tag):
        return languages.native_name(tag)
    return sign_language_name(tag, context.get("_"), context.get("lang"))


def sign_language_name(tag: str, gettext: object, lang: object) -> str:
    """The sign language's name translated (``gettext``), a region named in ``lang``'s language."""
    translate = gettext if callable(gettext) else (lambda message, **values: message % values)
    region = sign_languages.region_of(tag)
    base = languages.native_name(tag.split("-")[0])
    if region is None:
        return str(translate(base))
    code = getattr(lang, "code", "en")
    place = _locale(code).territories.get(region, region)
    if tag.startswith(sign_languages.SGN + "-"):
        return str(translate("Sign language (%(region)s)", region=place))
    return f"{translate(base)} ({place})"


@cache
def _locale(code: str) -> Locale:
    # Babel parses a locale string on every call; a page of 300 sessions formats 600 times.
    return Locale.parse(code.replace("-", "_"))  # "zh-Hans" is Babel's "zh_Hans"


def local_datetime(moment: datetime, zone: str, locale: str) -> str:
    """The date and the time to the minute: nobody plans a session to the second."""
    loc = _locale(locale)
    local = timezones.local(moment, zone)
    pattern = str(loc.datetime_formats["medium"])
    day = format_date(local, "medium", locale=loc)
    return pattern.replace("{1}", day).replace("{0}", format_time(local, "short", locale=loc))


def money(cents: int, currency: str, locale: str) -> str:
    """An amount in cents with its currency, as the viewer's language writes it: €35.50."""
    return format_currency(Decimal(cents) / 100, currency, locale=_locale(locale))


def local_time(moment: datetime, zone: str, locale: str) -> str:
    return format_time(timezones.local(moment, zone), "short", locale=_locale(locale))


def local_date(moment: datetime, zone: str, locale: str) -> str:
    return format_date(timezones.local(moment, zone), "full", locale=_locale(locale))


@cache
def _zone_option_html() -> tuple[tuple[str, str], ...]:
    return tuple(
        (name, f'<option value="{escape(name)}">{escape(name)}</option>')
        for name in timezones.all_names()
    )


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(timezones.all_names())


def zone_options(selected: str | None) -> Markup:
    """The ``<option>``s of a timezone picker (600 zones), built once and reused."""
    parts = []
    if selected and selected not in _zone_names():  # keep what was typed, even if unknown
        parts.append(f'<option value="{escape(selected)}" selected>{escape(selected)}</option>')
    for name, html in _zone_option_html():
        parts.append(html.replace('">', '" selected>', 1) if name == selected else html)
    return Markup("".join(parts))  # noqa: S704  (every name in it went through escape())


# Babel names these "Unknown Region (UTC) Time": its standard variant is the proper name.
_UNIVERSAL = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "UCT", "Zulu"})


def zone_name(zone: str, locale: str) -> str:
    try:
        if zone in _UNIVERSAL:
            name = get_timezone_name(
                timezones.zone("Etc/UTC"), locale=_locale(locale), zone_variant="standard"
            )
            return f"{name} (UTC)"
        return f"{get_timezone_name(timezones.zone(zone), locale=_locale(locale))} ({zone})"
    except LookupError:
        return zone

"""Languages as BCP 47 tags, shown to people in their own names ("Bahasa Indonesia", "العربية")."""

from __future__ import annotations

import re
from functools import cache

from babel import Locale, UnknownLocaleError

# The languages offered in pickers: those a community event of the Wikimedia movement
# commonly meets. Any valid tag is still accepted from imports and the API.
COMMON = (
    "en", "es", "fr", "ar", "zh", "de", "id", "ru", "pt", "pt-BR", "hi", "bn", "ur", "fa",
    "sw", "yo", "ha", "ig", "am", "zu", "af", "ta", "te", "ml", "mr", "gu", "pa", "ne",
    "ja", "ko", "vi", "th", "ms", "fil", "it", "nl", "pl", "tr", "uk", "he", "el", "cs",
    "sv", "fi", "da", "nb", "ro", "hu", "ca", "eu", "gl", "cy", "sr", "hr", "bg", "ka",
    "hy", "az", "kk", "uz", "si", "my", "km", "lo", "mg", "so", "om", "ti", "rw", "ln",
)  # fmt: skip

# CLDR's own names that differ from what speakers expect to read in a picker.
_OWN_NAMES = {"id": "Bahasa Indonesia", "ms": "Bahasa Melayu"}

_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?$")


class UnknownLanguage(ValueError):
    """A tag that is not a BCP 47 language we know."""


@cache
def _known_primary() -> frozenset[str]:
    return frozenset(str(code).casefold() for code in Locale("en").languages)


def normalise(tag: str) -> str:
    """The canonical spelling of a tag (``PT-br`` → ``pt-BR``), or :class:`UnknownLanguage`."""
    tag = tag.strip().replace("_", "-")
    if not _TAG.match(tag):
        raise UnknownLanguage(tag)
    parts = tag.split("-")
    primary = parts[0].lower()
    if primary not in _known_primary():
        raise UnknownLanguage(tag)
    rest = []
    for part in parts[1:]:
        rest.append(part.title() if len(part) == 4 else part.upper())
    return "-".join([primary, *rest])


def is_known(tag: str) -> bool:
    try:
        normalise(tag)
    except UnknownLanguage:
        return False
    return True


@cache
def native_name(tag: str) -> str:
    """The language's name in the language itself."""
    if tag in _OWN_NAMES:
        return _OWN_NAMES[tag]
    try:
        locale = Locale.parse(tag.replace("-", "_"))
        name = locale.get_display_name(locale) or tag
    except (UnknownLocaleError, ValueError):
        try:
            name = Locale("en").languages.get(tag.split("-")[0], tag)
        except UnknownLocaleError:
            name = tag
    return name[:1].upper() + name[1:]


@cache
def is_rtl(tag: str) -> bool:
    try:
        return Locale.parse(tag.replace("-", "_")).character_order == "right-to-left"
    except (UnknownLocaleError, ValueError):
        return False


def choices() -> list[tuple[str, str]]:
    """(tag, own name) pairs for pickers, most widely used first."""
    return [(tag, native_name(tag)) for tag in COMMON]

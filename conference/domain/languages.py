"""Languages as BCP 47 tags, shown to people in their own names ("Bahasa Indonesia", "العربية").

Sign languages (``ase``, ``bfi``, ``sgn-US``...) are languages here like any other; the rules
for their tags are in :mod:`conference.domain.sign_languages`. They have no written name of
their own, so they carry the registry's English name and the web layer translates it.
"""

from __future__ import annotations

import re
from functools import cache

from babel import Locale, UnknownLocaleError

from conference.domain import sign_languages
from conference.domain.sign_languages import is_sign_language

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
    """The canonical spelling of a tag (``PT-br`` → ``pt-BR``, ``sgn-GB`` → ``bfi``), or :class:`UnknownLanguage`."""
    tag = tag.strip().replace("_", "-")
    try:
        sign = sign_languages.canonical(tag)
    except ValueError:
        raise UnknownLanguage(tag) from None
    if sign is not None:
        return sign
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
    """The language's name in the language itself (a sign language's: in English)."""
    if is_sign_language(tag):
        return sign_languages.english_name(tag)
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
    if is_sign_language(tag):
        return False
    try:
        return Locale.parse(tag.replace("-", "_")).character_order == "right-to-left"
    except (UnknownLocaleError, ValueError):
        return False


def choices() -> list[tuple[str, str]]:
    """(tag, own name) pairs for pickers, most widely used first."""
    return [(tag, native_name(tag)) for tag in COMMON]


def sign_choices() -> list[tuple[str, str]]:
    """(tag, English name) pairs of the sign languages pickers offer, after the spoken ones."""
    return [(tag, native_name(tag)) for tag in sign_languages.COMMON_SIGN]

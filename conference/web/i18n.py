"""Languages of the interface: gettext catalogs through Babel, chosen by cookie or browser.

A language's code is its BCP 47 tag ("zh-Hans"): the cookie, ``<html lang>`` and the
switcher use it. Its catalog lives under the gettext spelling of the same tag
(``locale/zh_Hans/LC_MESSAGES/messages.po``), which is what ``pybabel init -l zh_Hans`` makes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from ..domain import languages

LOCALE_DIR = Path(__file__).parent / "locale"
INTERFACE_LANGUAGES = ("en", "es", "fr", "ar", "zh-Hans", "ru", "de", "id", "hi")
COOKIE = "lang"


@dataclass(frozen=True)
class InterfaceLanguage:
    code: str
    name: str
    direction: str  # "ltr" or "rtl"
    translations: NullTranslations

    def gettext(self, message: str, **values: object) -> str:
        if not message:  # gettext("") is the catalog's header, never a message
            return ""
        text = self.translations.gettext(message)
        return text % values if values else text

    def has(self, message: str) -> bool:
        """Whether the catalog translates ``message`` (English needs no catalog)."""
        return self.code == "en" or message in getattr(self.translations, "_catalog", {})

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        text = self.translations.ngettext(singular, plural, n)
        return text % {"num": n, **values}


def babel_locale(code: str) -> Locale:
    """Babel's locale for a BCP 47 tag such as "zh-Hans" (Babel spells it "zh_Hans")."""
    return Locale.parse(code.replace("-", "_"))


def catalog_path(code: str) -> Path:
    return LOCALE_DIR / code.replace("-", "_") / "LC_MESSAGES" / "messages.po"


@cache
def load(code: str) -> InterfaceLanguage:
    """Compile the catalog from its .po file in memory, so there is no build step to forget."""
    locale = babel_locale(code)
    po = catalog_path(code)
    translations: NullTranslations = NullTranslations()
    if po.exists():
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        translations = Translations(fp=buffer)
    direction = "rtl" if locale.character_order == "right-to-left" else "ltr"
    return InterfaceLanguage(code, languages.native_name(code), direction, translations)


def _script(locale: Locale) -> str | None:
    """The script a locale is written in, the language's usual one when the tag omits it."""
    if locale.script:
        return locale.script
    likely = get_global("likely_subtags").get(locale.language)
    return Locale.parse(likely).script if likely else None


@lru_cache(maxsize=256)  # bounded: the header is whatever a client sends
def _match(tag: str) -> str | None:
    """The interface language for one browser tag: same language, and same script if it matters.

    "zh", "zh-CN" and "zh-SG" are written in Simplified characters and get zh-Hans;
    "zh-TW" and "zh-HK" are written in Traditional ones, which the interface does not have.
    """
    try:
        asked = babel_locale(tag)
    except (ValueError, UnknownLocaleError):
        return None
    for code in INTERFACE_LANGUAGES:
        offered = babel_locale(code)
        if offered.language == asked.language and offered.script in (None, _script(asked)):
            return code
    return None


def choose(cookie: str | None, accept_language: str | None) -> InterfaceLanguage:
    """The cookie set by the switcher wins; else the browser's Accept-Language; else English."""
    if cookie in INTERFACE_LANGUAGES:
        return load(cookie)
    for tag in _preferred(accept_language or ""):
        if code := _match(tag):
            return load(code)
    return load("en")


def _preferred(accept_language: str) -> list[str]:
    """The tags of an Accept-Language header, most wanted first (q=0 means "not this")."""
    weighted = []
    for part in accept_language.split(",")[:20]:
        tag, _, params = part.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag.strip() and tag.strip() != "*" and quality > 0:
            weighted.append((-quality, tag.strip()))
    return [tag for _, tag in sorted(weighted, key=lambda item: item[0])]


def all_languages() -> list[InterfaceLanguage]:
    return [load(code) for code in INTERFACE_LANGUAGES]

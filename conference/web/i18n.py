"""Languages of the interface: gettext catalogs through Babel, chosen by cookie or browser."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel import Locale, negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
INTERFACE_LANGUAGES = ("en", "es", "fr", "ar")
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


@cache
def load(code: str) -> InterfaceLanguage:
    """Compile the catalog from its .po file in memory, so there is no build step to forget."""
    locale = Locale.parse(code)
    po = LOCALE_DIR / code / "LC_MESSAGES" / "messages.po"
    translations: NullTranslations = NullTranslations()
    if po.exists():
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=code)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        translations = Translations(fp=buffer)
    name = locale.get_display_name(locale) or code
    direction = "rtl" if locale.character_order == "right-to-left" else "ltr"
    return InterfaceLanguage(code, name[:1].upper() + name[1:], direction, translations)


def choose(cookie: str | None, accept_language: str | None) -> InterfaceLanguage:
    """The cookie set by the switcher wins; else the browser's Accept-Language; else English."""
    if cookie in INTERFACE_LANGUAGES:
        return load(cookie)
    preferred = []
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip()
        if tag and tag != "*":
            preferred.append(tag.replace("-", "_"))
    code = negotiate_locale(preferred, list(INTERFACE_LANGUAGES), sep="_") if preferred else None
    return load(code or "en")


def all_languages() -> list[InterfaceLanguage]:
    return [load(code) for code in INTERFACE_LANGUAGES]

"""Interface languages: negotiation, catalogs, and the empty-message trap."""

from __future__ import annotations

import gettext
import re
import unicodedata

import pytest
from babel.core import get_global
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from conference.web import i18n

pytestmark = pytest.mark.unit

TRANSLATED = [code for code in i18n.INTERFACE_LANGUAGES if code != "en"]
# A placeholder with its conversion: "%(served)d" must not become "%(served)s".
PLACEHOLDER = re.compile(r"%\((\w+)\)([-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa])")
MARKUP = re.compile(r"</?[A-Za-z][^>]*>|&\w+;")
# Unicode name prefixes of the scripts that are not Latin, by ISO 15924 code.
SCRIPT_LETTERS = {"Arab": "ARABIC", "Hans": "CJK", "Cyrl": "CYRILLIC", "Deva": "DEVANAGARI"}


def test_the_browser_language_is_negotiated_and_the_cookie_wins() -> None:
    assert i18n.choose(None, "ar-EG,ar;q=0.9,en;q=0.5").code == "ar"
    assert i18n.choose(None, "es-419,es;q=0.9").code == "es"
    assert i18n.choose(None, "de-DE").code == "de"
    assert i18n.choose(None, "ru-RU,ru;q=0.9,en-US;q=0.8").code == "ru"
    assert i18n.choose(None, "id-ID,id;q=0.9").code == "id"
    assert i18n.choose(None, "hi-IN,hi;q=0.9,en;q=0.8").code == "hi"
    assert i18n.choose(None, "en;q=0.5,de;q=0.9").code == "de"
    assert i18n.choose(None, "ja-JP").code == "en"
    assert i18n.choose("fr", "es").code == "fr"
    assert i18n.choose("xx", None).code == "en"
    assert i18n.load("ar").direction == "rtl" and i18n.load("fr").direction == "ltr"


def test_simplified_chinese_is_chosen_for_simplified_tags_only() -> None:
    for header in ("zh-CN,zh;q=0.9", "zh", "zh-Hans", "zh-SG", "zh-Hans-CN"):
        assert i18n.choose(None, header).code == "zh-Hans", header
    # Traditional characters are another written language; English is the fallback.
    assert i18n.choose(None, "zh-TW").code == "en"
    assert i18n.choose(None, "zh-HK,en;q=0.5").code == "en"
    assert i18n.choose("zh-Hans", None).code == "zh-Hans"
    assert i18n.load("zh-Hans").name == "中文 (简体)"


def test_the_switcher_names_each_language_in_itself() -> None:
    names = {language.code: language.name for language in i18n.all_languages()}
    assert names == {
        "en": "English",
        "es": "Español",
        "fr": "Français",
        "ar": "العربية",
        "zh-Hans": "中文 (简体)",
        "ru": "Русский",
        "de": "Deutsch",
        "id": "Bahasa Indonesia",
        "hi": "हिन्दी",
    }


def test_an_empty_message_stays_empty_rather_than_showing_the_catalog_header() -> None:
    for code in i18n.INTERFACE_LANGUAGES:
        assert i18n.load(code).gettext("") == ""


def _catalog(code: str) -> Catalog:
    with i18n.catalog_path(code).open("rb") as handle:
        return read_po(handle, locale=i18n.babel_locale(code))


# Units and formats that every script writes in Latin letters.
LATIN_TOKENS = re.compile(r"\b(GB|MB|CSV|UTF-8|JSON|ics|https?|kbit/s|A|B|C|IN|NG|fr|pt-BR|qu)\b")


def _letters_outside_placeholders(text: str) -> str:
    return "".join(ch for ch in LATIN_TOKENS.sub("", PLACEHOLDER.sub("", text)) if ch.isalpha())


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_catalog_translates_every_message_and_keeps_placeholders(code: str) -> None:
    catalog = _catalog(code)
    with (i18n.LOCALE_DIR / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    missing = {m.id for m in template if m.id} - {m.id for m in catalog if m.id}
    assert not missing, f"{code}: {sorted(missing, key=str)[:5]} are missing"
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{code}: {ids[0]!r} is untranslated"
        assert not message.fuzzy, f"{code}: {ids[0]!r} is fuzzy"
        wanted = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        given = {name: 1 for name, _ in wanted} | {"num": 1}
        for text in strings:
            assert len(PLACEHOLDER.findall(text)) == text.count("%") - 2 * text.count("%%"), (
                f"{code}: {text!r} has a broken placeholder"
            )
            if wanted:
                text % given  # noqa: B018  (raises on a placeholder the message does not give)
            if not isinstance(message.id, tuple):
                assert set(PLACEHOLDER.findall(text)) == wanted, (
                    f"{code}: {text!r} does not name the placeholders of {ids[0]!r}"
                )
            assert sorted(MARKUP.findall(text)) == sorted(MARKUP.findall(ids[0])), (
                f"{code}: {text!r} changes the markup of {ids[0]!r}"
            )


def test_the_catalog_template_holds_every_message_in_the_code() -> None:
    """A message added without `make catalogs` would show in English in every language."""
    keywords = {**DEFAULT_KEYWORDS, "N_": None, "FieldError": None, "Message": None}
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    in_code = set()
    root = i18n.LOCALE_DIR.parents[2]
    for package in ("conference", "rooms", "interpretation"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            root / package, method_map=method_map, keywords=keywords
        ):
            in_code.add(message if isinstance(message, str) else message[0])
    with (i18n.LOCALE_DIR / "messages.pot").open("rb") as handle:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    assert sorted(in_code - template) == []


# How many plural forms each catalog has. Babel's newer CLDR data gives Spanish and French a
# third form for millions ("de millones"); the catalogs keep the two every translator knows.
PLURAL_FORMS = {"es": 2, "fr": 2, "ar": 6, "zh-Hans": 1, "ru": 3, "de": 2, "id": 1, "hi": 2}


def test_every_translated_language_says_how_many_plural_forms_it_has() -> None:
    assert set(PLURAL_FORMS) == set(TRANSLATED)


@pytest.mark.parametrize("code", TRANSLATED)
def test_plural_forms_follow_the_language(code: str) -> None:
    """Russian has three forms, Chinese and Indonesian one; each form keeps the count.

    A form may leave the count out only when it stands for a single number (Arabic's "two").
    """
    catalog = _catalog(code)
    assert catalog.num_plurals == PLURAL_FORMS[code]
    choose = gettext.c2py(catalog.plural_expr)
    cldr = get_plural(i18n.babel_locale(code))
    if cldr.num_plurals == catalog.num_plurals:  # the header picks the form CLDR does
        cldr_choose = gettext.c2py(cldr.plural_expr)
        assert [choose(n) for n in range(1000)] == [cldr_choose(n) for n in range(1000)]
    numbers_of = [[n for n in range(1000) if choose(n) == i] for i in range(catalog.num_plurals)]
    plurals = [m for m in catalog if isinstance(m.id, tuple)]
    assert plurals
    for message in plurals:
        assert len(message.string) == catalog.num_plurals, f"{code}: {message.id[0]!r}"
        wanted = set(PLACEHOLDER.findall(message.id[1]))
        for i, text in enumerate(message.string):
            named = set(PLACEHOLDER.findall(text))
            may_drop = {("num", "s")} if len(numbers_of[i]) == 1 else set()
            assert wanted - may_drop <= named <= wanted, (
                f"{code}: form {i} {text!r} does not keep the placeholders of {message.id[1]!r}"
            )


def _script(code: str) -> str:
    locale = i18n.babel_locale(code)
    return locale.script or get_global("likely_subtags")[locale.language].split("_")[1]


@pytest.mark.parametrize("code", [c for c in TRANSLATED if _script(c) in SCRIPT_LETTERS])
def test_catalogs_in_other_scripts_have_no_english_left(code: str) -> None:
    """A message in a catalog written in Han, Cyrillic, Devanagari or Arabic letters is in them."""
    prefix = SCRIPT_LETTERS[_script(code)]
    for message in _catalog(code):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not message.id or not _letters_outside_placeholders(ids[0]):
            continue
        for text in strings:
            letters = _letters_outside_placeholders(text)
            assert not letters or any(
                unicodedata.name(ch, "").startswith(prefix) for ch in letters
            ), f"{code}: {text!r} is still in English"

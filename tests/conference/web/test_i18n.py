"""Interface languages: negotiation, catalogs, and the empty-message trap."""

from __future__ import annotations

import re

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from conference.web import i18n

pytestmark = pytest.mark.unit


def test_the_browser_language_is_negotiated_and_the_cookie_wins() -> None:
    assert i18n.choose(None, "ar-EG,ar;q=0.9,en;q=0.5").code == "ar"
    assert i18n.choose(None, "es-419,es;q=0.9").code == "es"
    assert i18n.choose(None, "de-DE").code == "en"
    assert i18n.choose("fr", "es").code == "fr"
    assert i18n.choose("xx", None).code == "en"
    assert i18n.load("ar").direction == "rtl" and i18n.load("fr").direction == "ltr"


def test_an_empty_message_stays_empty_rather_than_showing_the_catalog_header() -> None:
    for code in i18n.INTERFACE_LANGUAGES:
        assert i18n.load(code).gettext("") == ""


@pytest.mark.parametrize("code", ["es", "fr", "ar"])
def test_every_catalog_translates_every_message_and_keeps_placeholders(code: str) -> None:
    with (i18n.LOCALE_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    with (i18n.LOCALE_DIR / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    assert {m.id for m in template if m.id} <= {m.id for m in catalog if m.id}
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{code}: {ids[0]!r} is untranslated"
        assert not message.fuzzy, f"{code}: {ids[0]!r} is fuzzy"
        placeholders = set(re.findall(r"%\((\w+)\)", ids[0]))
        for text in strings:
            assert set(re.findall(r"%\((\w+)\)", text)) <= placeholders | {"num"}, (
                f"{code}: {text!r} names a placeholder that {ids[0]!r} does not give"
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

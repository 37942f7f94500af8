"""Sign-language tags: every BCP 47 spelling is accepted and brought to the preferred form."""

from __future__ import annotations

import pytest

from conference.domain import languages, sign_languages
from conference.domain.sign_language_data import SGN_TAGS, SIGN_LANGUAGES

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("raw", "tag", "name"),
    [
        ("ase", "ase", "American Sign Language"),
        ("INS", "ins", "Indian Sign Language"),
        ("bfi", "bfi", "British Sign Language"),
        ("sgn-ase", "ase", "American Sign Language"),  # the extended-language form
        ("sgn-US", "ase", "American Sign Language"),  # a redundant tag: its preferred value
        ("SGN-gb", "bfi", "British Sign Language"),
        ("sgn-BE-FR", "sfb", "Langue des signes de Belgique Francophone"),  # grandfathered
        ("sgn-KE", "sgn-KE", "Sign language (KE)"),  # a sign language of Kenya
        ("sgn", "sgn", "Sign language"),
        ("ins-in", "ins-IN", "Indian Sign Language (IN)"),
        ("ils", "ils", "International Sign"),
    ],
)
def test_spellings_are_normalised_and_named(raw: str, tag: str, name: str) -> None:
    assert languages.normalise(raw) == tag
    assert languages.is_sign_language(tag)
    assert languages.native_name(tag) == name
    assert not languages.is_rtl(tag)


@pytest.mark.parametrize("raw", ["sgn-xyz", "ase-Latn", "sgn-US-x", "sgn-ase-US-x", "zzz"])
def test_malformed_or_unknown_sign_tags_are_refused(raw: str) -> None:
    with pytest.raises(languages.UnknownLanguage):
        languages.normalise(raw)


def test_spoken_languages_are_untouched() -> None:
    assert [languages.normalise(t) for t in ("fr", "PT-br", "ar")] == ["fr", "pt-BR", "ar"]
    assert not any(languages.is_sign_language(t) for t in ("fr", "pt-BR", "en", "de", ""))


def test_the_registry_data_is_consistent() -> None:
    # Every redundant tag points to a sign language we know; every code is three letters.
    assert set(SGN_TAGS.values()) <= set(SIGN_LANGUAGES)
    assert all(len(code) == 3 and code.islower() for code in SIGN_LANGUAGES)
    assert len(SIGN_LANGUAGES) == 161
    # The pickers' sign languages are all in the registry, International Sign first.
    assert set(sign_languages.COMMON_SIGN) <= set(SIGN_LANGUAGES)
    assert languages.sign_choices()[0] == ("ils", "International Sign")
    assert not set(sign_languages.COMMON_SIGN) & {tag for tag, _ in languages.choices()}

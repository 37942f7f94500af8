"""Field rules: each bad value gets one sentence about that field."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conference.domain import fields, languages

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("check", "value", "message"),
    [
        (fields.email, "maria@example", "This is not an email address, such as name@example.org."),
        (
            fields.email,
            "a b@example.org",
            "This is not an email address, such as name@example.org.",
        ),
        (fields.email, "", "This field is required."),
        (
            fields.timezone,
            "Mars/Olympus",
            "Mars/Olympus is not a timezone we know, such as Asia/Kolkata.",
        ),
        (fields.name, "x" * 201, "This is too long: at most 200 characters, not 201."),
        (fields.country, "India", "Give the country as its two-letter code, such as IN or NG."),
        (fields.gigabytes, "-2", "This must be more than 0 GB."),
        (fields.gigabytes, "lots", "lots is not a number of gigabytes."),
    ],
)
def test_bad_values_are_named(check, value, message) -> None:
    with pytest.raises(fields.FieldError) as caught:
        check(value)
    assert str(caught.value) == message


def test_negative_children_are_refused() -> None:
    with pytest.raises(fields.FieldError) as caught:
        fields.whole_number("-1", minimum=1, maximum=20)
    assert str(caught.value) == "This must be at least 1."
    assert caught.value.message.template == "This must be at least %(minimum)s."
    assert caught.value.message.values == {"minimum": 1}


def test_language_lists_keep_order_normalise_and_drop_repeats() -> None:
    assert fields.language_list(["PT-br", "en", "", "pt-BR", "zh-hant-tw"]) == [
        "pt-BR",
        "en",
        "zh-Hant-TW",
    ]


def test_unknown_language_tags_are_refused() -> None:
    for tag in ["xx", "english", "e", "en-"]:
        with pytest.raises(fields.FieldError):
            fields.language_list([tag])
    with pytest.raises(fields.FieldError) as caught:
        fields.language_list([])
    assert str(caught.value) == "Choose at least one language."


def test_emails_lowercase_only_the_domain() -> None:
    assert fields.email("  Ana.Lima@Example.ORG ") == "Ana.Lima@example.org"


def test_local_time_is_read_in_the_given_zone() -> None:
    moment = fields.local_time("2026-12-05T18:30", "Asia/Kolkata")
    assert moment == datetime(2026, 12, 5, 13, 0, tzinfo=UTC)


def test_end_must_follow_start() -> None:
    start = datetime(2026, 12, 5, 13, tzinfo=UTC)
    with pytest.raises(fields.FieldError, match="The end must be after the start."):
        fields.span(start, start)


def test_languages_are_named_in_their_own_language() -> None:
    assert languages.native_name("id") == "Bahasa Indonesia"
    assert languages.native_name("ar") == "العربية"
    assert languages.native_name("es") == "Español"
    assert languages.native_name("zh") == "中文"
    assert languages.is_rtl("ar") and not languages.is_rtl("fr")


def test_legacy_zone_names_that_browsers_report_are_stored_by_their_current_name() -> None:
    assert fields.timezone("Asia/Calcutta") == "Asia/Kolkata"
    assert fields.timezone("Europe/Kiev") == "Europe/Kyiv"
    assert fields.timezone("America/Sao_Paulo") == "America/Sao_Paulo"

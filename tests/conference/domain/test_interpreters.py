from datetime import UTC, datetime

import pytest

from conference.domain.interpreters import ProfileData, Window, clean_profile
from conference.domain.registration import Form

pytestmark = pytest.mark.unit


def form(**values: str | list[str]) -> Form:
    return Form.from_mapping(values)


def test_a_profile_typed_in_kolkata_is_kept_in_utc() -> None:
    data, errors = clean_profile(
        form(
            a_languages=["hi"],
            b_languages=["en"],
            c_languages=["PT-br", ""],
            timezone="Asia/Kolkata",
            max_minutes_per_day="240",
            window_start=["2026-12-06T09:00", "2026-12-05T09:00", ""],
            window_end=["2026-12-06T13:00", "2026-12-05T17:30", ""],
        )
    )
    assert errors == {}
    assert data == ProfileData(
        a_languages=("hi",),
        b_languages=("en",),
        c_languages=("pt-BR",),
        timezone="Asia/Kolkata",
        max_minutes_per_day=240,
        windows=(
            Window(
                datetime(2026, 12, 5, 3, 30, tzinfo=UTC), datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
            ),
            Window(
                datetime(2026, 12, 6, 3, 30, tzinfo=UTC), datetime(2026, 12, 6, 7, 30, tzinfo=UTC)
            ),
        ),
    )


def test_the_daily_limit_and_other_levels_are_optional() -> None:
    data, errors = clean_profile(form(a_languages=["fr"], timezone="UTC"))
    assert errors == {}
    assert data == ProfileData(("fr",), (), (), "UTC", None, ())


def test_a_language_may_be_in_only_one_of_a_b_and_c() -> None:
    data, errors = clean_profile(
        form(a_languages=["fr"], b_languages=["en", "FR"], c_languages=["en"], timezone="UTC")
    )
    assert data is None
    assert errors == {
        "b_languages": "fr is already one of the A languages; "
        "a language may be in only one of A, B and C.",
        "c_languages": "en is already one of the B languages; "
        "a language may be in only one of A, B and C.",
    }


def test_each_field_says_what_is_wrong() -> None:
    data, errors = clean_profile(
        form(
            b_languages=["klingon"],
            timezone="Mars/Olympus",
            max_minutes_per_day="721",
            window_start=["2026-12-05T10:00", "2026-12-05T12:00", "soon", "2026-12-05T09:00"],
            window_end=["2026-12-05T09:00", "", "2026-12-05T12:00", "2026-12-05T10:00"],
        )
    )
    assert data is None
    assert errors == {
        "a_languages": "Choose at least one language.",
        "b_languages": "klingon is not a language tag we know, such as fr or pt-BR.",
        "timezone": "Mars/Olympus is not a timezone we know, such as Asia/Kolkata.",
        "max_minutes_per_day": "This must be at most 720.",
        "window_1": "The end must be after the start.",
        "window_2": "Give both a start and an end, or leave both empty.",
        "window_3": "soon is not a date and time such as 2026-12-05T14:30.",
    }


@pytest.mark.parametrize(
    ("limit", "message"), [("0", "This must be at least 1."), ("1.5", "1.5 is not a whole number.")]
)
def test_the_daily_limit_is_a_whole_number_of_minutes(limit: str, message: str) -> None:
    _, errors = clean_profile(form(a_languages=["fr"], timezone="UTC", max_minutes_per_day=limit))
    assert errors == {"max_minutes_per_day": message}


def test_overlapping_windows_are_named_on_the_later_row() -> None:
    data, errors = clean_profile(
        form(
            a_languages=["fr"],
            timezone="UTC",
            window_start=["2026-12-05T12:00", "2026-12-05T08:00", "2026-12-05T14:00"],
            window_end=["2026-12-05T15:00", "2026-12-05T10:00", "2026-12-05T16:00"],
        )
    )
    assert data is None
    assert errors == {"window_3": "This window overlaps the window on row 1."}


def test_windows_that_touch_do_not_overlap() -> None:
    data, errors = clean_profile(
        form(
            a_languages=["fr"],
            timezone="UTC",
            window_start=["2026-12-05T10:00", "2026-12-05T08:00"],
            window_end=["2026-12-05T12:00", "2026-12-05T10:00"],
        )
    )
    assert errors == {}
    assert data is not None
    assert [w.start.hour for w in data.windows] == [8, 10]

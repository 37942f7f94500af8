"""A lightning talk submission, cleaned field by field."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conference.domain.registration import Form
from conference.domain.talks import TalkData, clean_talk, editable

pytestmark = pytest.mark.unit

OFFERED = ["en", "fr", "es"]
GOOD = {
    "title": "Wikidata for small languages",
    "abstract": "How three communities grew their lexemes.",
    "language": "fr",
    "duration_minutes": "4",
    "slides_url": "https://example.org/slides.pdf",
    "timezone": "Asia/Kolkata",
    "window_start": ["2026-12-05T20:00", ""],
    "window_end": ["2026-12-05T22:30", ""],
}


def clean(**changes: object) -> tuple[TalkData | None, dict[str, str]]:
    data, errors = clean_talk(Form.from_mapping({**GOOD, **changes}), OFFERED)  # type: ignore[arg-type]
    return data, dict(errors)


def test_a_good_submission_keeps_its_windows_in_utc() -> None:
    data, errors = clean()
    assert errors == {}
    assert data is not None
    assert data.windows[0].start == datetime(2026, 12, 5, 14, 30, tzinfo=UTC)
    assert data.duration_minutes == 4


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"title": ""}, "title", "This field is required."),
        ({"title": "x" * 201}, "title", "at most 200 characters, not 201"),
        ({"abstract": "y" * 2001}, "abstract", "at most 2000 characters"),
        ({"language": "ar"}, "language", "No lightning block can take talks in العربية"),
        ({"language": "zz-top"}, "language", "is not a language tag we know"),
        ({"duration_minutes": "6"}, "duration_minutes", "at most 5 minutes: the length of a slot"),
        ({"duration_minutes": "0"}, "duration_minutes", "at least 1"),
        ({"slides_url": "javascript:alert(1)"}, "slides_url", "starts with https:// or http://"),
        ({"slides_url": "ftp://example.org/x"}, "slides_url", "starts with https://"),
        ({"slides_url": "https://" + "a" * 500}, "slides_url", "at most 500 characters"),
        ({"timezone": "Mars/Olympus"}, "timezone", "is not a timezone we know"),
        (
            {"window_start": ["2026-12-05T20:00", "2026-12-05T21:00"],
             "window_end": ["2026-12-05T22:30", "2026-12-05T23:00"]},
            "window_2", "overlaps the window on row 1",
        ),
        ({"window_end": ["2026-12-05T19:00", ""]}, "window_1", "The end must be after the start."),
    ],
)  # fmt: skip
def test_each_bad_field_gets_its_own_message(
    changes: dict[str, object], field: str, text: str
) -> None:
    data, errors = clean(**changes)
    assert data is None
    assert list(errors) == [field] and text in errors[field]


def test_a_slot_shorter_than_five_minutes_caps_the_length() -> None:
    data, errors = clean_talk(Form.from_mapping({**GOOD, "duration_minutes": "4"}), OFFERED, 3)  # type: ignore[arg-type]
    assert data is None and "at most 3 minutes" in errors["duration_minutes"]


def test_only_an_undecided_talk_can_be_edited() -> None:
    assert [editable(s) for s in ("submitted", "accepted", "rejected", "waitlisted")] == [
        True, False, False, False,
    ]  # fmt: skip

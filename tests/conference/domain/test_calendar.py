"""The personal feed parses with the icalendar library and its times round-trip."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from conference.domain.calendar import Entry, feed

pytestmark = pytest.mark.unit


def test_feed_parses_and_times_round_trip_across_dst() -> None:
    entries = [
        Entry("s1@example.org", "Opening plenary", datetime(2026, 3, 7, 13, tzinfo=UTC), datetime(2026, 3, 7, 14, 30, tzinfo=UTC)),
        # After the US switch to daylight time on 8 March 2026.
        Entry("s2@example.org", "Closing", datetime(2026, 3, 9, 13, tzinfo=UTC), datetime(2026, 3, 9, 14, tzinfo=UTC), url="https://x.example/p"),
    ]  # fmt: skip
    body = feed("Global Conversations", "America/New_York", entries)
    calendar = Calendar.from_ical(body)

    zones = [c for c in calendar.walk("VTIMEZONE")]
    assert [str(z["TZID"]) for z in zones] == ["America/New_York"]
    events = calendar.walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["Opening plenary", "Closing"]
    for event, entry in zip(events, entries, strict=True):
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert start == entry.start and end == entry.end  # the same instants
        assert str(start.tzinfo) == "America/New_York"
    assert events[0].decoded("DTSTART").hour == 8  # EST, UTC-5
    assert events[1].decoded("DTSTART").hour == 9  # EDT, UTC-4
    assert b"TZID=America/New_York" in body

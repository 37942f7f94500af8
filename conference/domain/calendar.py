"""Personal calendar feeds: valid iCalendar with the registrant's timezone attached."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from icalendar import Calendar, Event

from . import timezones


@dataclass(frozen=True)
class Entry:
    uid: str
    title: str
    start: datetime
    end: datetime
    description: str = ""
    url: str = ""


def feed(name: str, zone: str, entries: list[Entry], now: datetime | None = None) -> bytes:
    """An .ics document whose events are in ``zone``, with its VTIMEZONE included."""
    calendar = Calendar()
    calendar.add("prodid", "-//conference//interpretation platform//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", zone)
    stamp = now or datetime.now(UTC)
    for entry in entries:
        event = Event()
        event.add("uid", entry.uid)
        event.add("dtstamp", stamp)
        event.add("summary", entry.title)
        event.add("dtstart", timezones.local(entry.start, zone))
        event.add("dtend", timezones.local(entry.end, zone))
        if entry.description:
            event.add("description", entry.description)
        if entry.url:
            event.add("url", entry.url)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()

"""The programme in the viewer's timezone, and the personal calendar feed."""

from __future__ import annotations

import re

import pytest
from icalendar import Calendar

from .conftest import confirm, register

pytestmark = pytest.mark.integration


def _times(html: str) -> list[str]:
    return [t.replace("\u202f", " ") for t in re.findall(r"<time [^>]*>([^<]+)</time>", html)]


def test_programme_defaults_to_the_conference_zone_and_follows_the_picker(client) -> None:
    assert _times(client.get("/programme").text)[:2] == ["1:00 PM", "2:30 PM"]
    html = client.get("/programme?tz=Asia/Kolkata").text
    assert _times(html)[:2] == ["6:30 PM", "8:00 PM"]
    assert "Español" in html and "العربية" in html  # interpretation languages in their own names
    unknown = client.get("/programme?tz=Mars/Base")
    assert unknown.status_code == 200
    assert "That timezone is not one we know" in unknown.text


def test_the_calendar_feed_holds_the_sessions_one_attends(client) -> None:
    form = {
        "name": "Asha", "email": "asha@example.org", "timezone": "Asia/Kolkata",
        "language_1": "hi", "sessions": ["2"],
    }  # fmt: skip
    location = confirm(client, register(client, form)).headers["location"]
    edit_token = location.split("/")[-1].split("?")[0]
    page = client.get(location).text
    feed = re.search(
        r'href="http://127.0.0.1:8000(/calendar/[\w-]{43}\.ics)" id="calendar-link"', page
    )
    assert feed, "the registration page shows no calendar link"
    assert edit_token not in feed.group(1)
    programme = client.get("/programme").text
    assert _times(programme)[:2] == ["6:30 PM", "8:00 PM"]
    assert f'href="{feed.group(1)}"' in programme and edit_token not in programme

    # The edit link's token opens no feed; the feed's token opens no registration.
    assert client.get(f"/calendar/{edit_token}.ics").status_code == 404
    feed_token = feed.group(1).split("/")[-1].removesuffix(".ics")
    client.cookies.clear()
    assert client.get(f"/registration/{feed_token}").status_code == 404

    response = client.get(feed.group(1))
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Safety and inclusion"
    start = event.decoded("DTSTART")
    assert str(start.tzinfo) == "Asia/Kolkata" and (start.hour, start.minute) == (20, 30)
    assert client.get("/calendar/wrong.ics").status_code == 404

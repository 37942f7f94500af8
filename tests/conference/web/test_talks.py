"""A speaker's lightning talks: submit, see, edit until the organisers decide; slot shown where they are."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest
from icalendar import Calendar
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from conference.storage.engine import session
from conference.storage.tables import (
    Conference,
    LightningTalk,
    Person,
    Registration,
    SpeakerWindow,
)
from conference.storage.tables import Session as ProgrammeSession

from .conftest import csrf, sign_in

pytestmark = pytest.mark.integration

FORM = {
    "title": "Wikidata for small languages",
    "abstract": "How three communities grew their lexemes.",
    "language": "fr",
    "duration_minutes": "4",
    "slides_url": "https://example.org/slides.pdf",
    "timezone": "Asia/Kolkata",
    "window_start": ["2026-12-05T20:00", "2026-12-05T23:00", ""],
    "window_end": ["2026-12-05T22:30", "2026-12-05T23:30", ""],
}


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, 5, hour, minute, tzinfo=UTC)


@pytest.fixture
def block(engine: Engine, conference: Conference) -> int:
    """A lightning block whose floor is English, with French and Spanish booths; and Ama."""
    with session(engine) as db:
        block = ProgrammeSession(
            conference_id=conference.id, title="Lightning talks", kind="lightning",
            start=at(16), end=at(16, 30), floor_languages=["en"],
            interpretation_languages=["fr", "es"],
        )  # fmt: skip
        db.add(block)
        ama = Person(name="Ama Owusu", email="ama@example.org", roles=["participant"])
        db.add(ama)
        db.flush()
        assert conference.id is not None and ama.id is not None and block.id is not None
        db.add(Registration(conference_id=conference.id, person_id=ama.id, languages=["en"],
                            timezone="Asia/Kolkata", token="ama-edit-token",
                            calendar_token="ama-calendar-token"))  # fmt: skip
        return block.id


def errors_of(page: str) -> dict[str, str]:
    found = re.findall(r'<p class="field-error" id="([a-z_0-9]+)-error">([^<]*)</p>', page)
    return {name: html.unescape(text) for name, text in found}


def windows_in(page: str) -> tuple[list[str], list[str]]:
    starts = re.findall(r'name="window_start" type="datetime-local" value="([^"]*)"', page)
    ends = re.findall(r'name="window_end" type="datetime-local" value="([^"]*)"', page)
    return starts, ends


def talks_of(engine: Engine) -> list[tuple[LightningTalk, list[tuple[datetime, datetime]]]]:
    with session(engine) as db:
        talks = db.exec(select(LightningTalk).order_by(col(LightningTalk.id))).all()
        return [
            (
                talk,
                [
                    (w.start, w.end)
                    for w in db.exec(
                        select(SpeakerWindow)
                        .where(SpeakerWindow.talk_id == talk.id)
                        .order_by(col(SpeakerWindow.start))
                    ).all()
                ],
            )
            for talk in talks
        ]


def roles_of(engine: Engine, email: str) -> list[str]:
    with session(engine) as db:
        return list(db.exec(select(Person).where(Person.email == email)).one().roles)


def submit(client, form: dict[str, object], url: str = "/talks/new"):  # type: ignore[no-untyped-def]
    page = client.get(url)
    return client.post(url, data={**form, "csrf_token": csrf(page.text)}, follow_redirects=False)


def test_submitting_needs_signing_in(client, block) -> None:
    response = client.get("/talks/new", follow_redirects=False)
    assert response.headers["location"] == "/signin?next=/talks/new"


def test_a_submission_keeps_windows_typed_in_the_speakers_timezone_and_grants_no_role(
    client, engine, block
) -> None:
    sign_in(client, "ama@example.org")
    page = client.get("/talks/new")
    # The languages the block can take, each in its own name; Arabic is not among them.
    assert re.findall(r'<option value="(\w+)" lang="\w+"', page.text) == ["en", "fr", "es"]
    assert '<option value="fr" lang="fr">Français</option>' in page.text
    assert '<option value="Asia/Kolkata" selected>' in page.text  # her registration's zone

    response = submit(client, FORM)
    assert response.status_code == 303
    ((talk, windows),) = talks_of(engine)
    assert response.headers["location"] == f"/talks/{talk.id}?saved=1"
    assert (talk.title, talk.language, talk.duration_minutes, talk.status, talk.timezone) == (
        "Wikidata for small languages", "fr", 4, "submitted", "Asia/Kolkata",
    )  # fmt: skip
    assert windows == [(at(14, 30), at(17)), (at(17, 30), at(18))]
    # Submitting grants no role: the speaker role would hold the floor of every plenary.
    assert roles_of(engine, "ama@example.org") == ["participant"]

    shown = client.get(response.headers["location"])
    assert "Your talk is saved." in shown.text
    assert windows_in(shown.text) == (
        ["2026-12-05T20:00", "2026-12-05T23:00", "", ""],
        ["2026-12-05T22:30", "2026-12-05T23:30", "", ""],
    )
    mine = client.get("/talks")
    assert f'<a href="/talks/{talk.id}">Wikidata for small languages</a>' in mine.text
    assert "Submitted, waiting for the organisers" in mine.text


def test_bad_input_is_shown_next_to_each_field_with_what_was_typed_and_nothing_is_written(
    client, engine, block
) -> None:
    sign_in(client, "ama@example.org")
    bad = {
        **FORM,
        "title": "T" * 201,
        "language": "ar",
        "duration_minutes": "7",
        "slides_url": "javascript:alert(1)",
        "window_start": ["2026-12-05T20:00", "2026-12-05T21:00", ""],
        "window_end": ["2026-12-05T22:30", "2026-12-05T21:30", ""],
    }
    response = submit(client, bad)
    assert response.status_code == 400
    assert errors_of(response.text) == {
        "title": "This is too long: at most 200 characters, not 201.",
        "language": "No lightning block can take talks in العربية: neither its floor nor its "
        "interpretation booths work in it. Choose one of the languages listed.",
        "duration_minutes": "A lightning talk lasts at most 5 minutes: the length of a slot.",
        "slides_url": "Give a web link that starts with https:// or http://.",
        "window_2": "This window overlaps the window on row 1.",
    }
    assert f'value="{"T" * 201}"' in response.text
    assert 'value="javascript:alert(1)"' in response.text and 'value="7"' in response.text
    assert windows_in(response.text)[0][:2] == ["2026-12-05T20:00", "2026-12-05T21:00"]
    assert "How three communities grew their lexemes." in response.text
    assert talks_of(engine) == []
    assert roles_of(engine, "ama@example.org") == ["participant"]


def test_the_speaker_edits_until_the_organisers_decide(client, engine, block) -> None:
    sign_in(client, "ama@example.org")
    location = submit(client, FORM).headers["location"]
    url = location.split("?")[0]
    edited = submit(client, {**FORM, "title": "Lexemes in small languages", "window_start": [],
                             "window_end": []}, url)  # fmt: skip
    assert edited.status_code == 303
    ((talk, windows),) = talks_of(engine)
    assert (talk.title, windows) == ("Lexemes in small languages", [])

    with session(engine) as db:
        row = db.get(LightningTalk, talk.id)
        assert row is not None
        row.status = "accepted"
        db.add(row)
    page = client.get(url)
    assert 'id="talk-form"' not in page.text and "accepted" in page.text
    refused = client.post(url, data={**FORM, "title": "Changed", "csrf_token": csrf(page.text)})
    assert refused.status_code == 409
    assert "it can no longer be changed" in refused.text
    assert talks_of(engine)[0][0].title == "Lexemes in small languages"


def test_nobody_sees_or_edits_someone_elses_talk(client, engine, block) -> None:
    sign_in(client, "ama@example.org")
    url = submit(client, FORM).headers["location"].split("?")[0]
    client.cookies.clear()
    sign_in(client, "organiser@example.org")
    assert client.get(url).status_code == 404
    assert client.get("/talks/999").status_code == 404


def test_the_slot_is_on_the_programme_in_the_viewers_zone_and_in_the_speakers_calendar(
    client, engine, block
) -> None:
    sign_in(client, "ama@example.org")
    location = submit(client, FORM).headers["location"]
    talk_id = int(location.split("/")[-1].split("?")[0])
    with session(engine) as db:
        row = db.get(LightningTalk, talk_id)
        assert row is not None
        row.status, row.block_id = "accepted", block
        row.slot_start, row.slot_end = at(16, 6), at(16, 11)
        db.add(row)
    programme = client.get("/programme").text  # Ama's registration says Asia/Kolkata
    slot = re.search(rf'<li id="slot-talk-{talk_id}">(.*?)</li>', programme, re.DOTALL)
    assert slot is not None
    assert re.sub(r"<[^>]+>", "", slot.group(1)).replace("\u202f", " ") == (
        "9:36 PM · Wikidata for small languages · Ama Owusu · Français"
    )
    assert "Dec 5, 2026, 9:36 PM" in client.get(f"/talks/{talk_id}").text.replace("\u202f", " ")

    feed = Calendar.from_ical(client.get("/calendar/ama-calendar-token.ics").content)
    (event,) = feed.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Your lightning talk: Wikidata for small languages"
    start = event.decoded("DTSTART")
    assert str(start.tzinfo) == "Asia/Kolkata" and (start.hour, start.minute) == (21, 36)
    assert str(event["UID"]).startswith(f"talk-{talk_id}@")

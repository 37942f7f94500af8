"""The programme editor, as an organiser's browser without JavaScript uses it."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest
from sqlmodel import col, select

from conference.storage.engine import session
from conference.storage.tables import Attendance, Conference, Person, Registration, Session

from .conftest import csrf, sign_in

pytestmark = pytest.mark.integration

ORGANISER_PAGES = [
    "/organiser",
    "/organiser/sessions",
    "/organiser/sessions/new",
    "/organiser/sessions/1",
    "/organiser/sessions/1/delete",
]

FORM = {
    "title": "Wikis in Bengali", "kind": "breakout",
    "start": "2026-12-05T15:30", "end": "2026-12-05T16:30",
    "floor_languages": ["bn", "en"], "interpretation_languages": ["hi"],
    "interpretation_languages_other": "", "floor_languages_other": "",
    "description": "Editors from Dhaka and Kolkata compare notes.",
}  # fmt: skip


def errors_of(page: str) -> dict[str, str]:
    found = re.findall(r'<p class="field-error" id="([a-z_0-9]+)-error">([^<]*)</p>', page)
    return {name: html.unescape(text) for name, text in found}


def titles(engine) -> list[str]:
    with session(engine) as db:
        return [s.title for s in db.exec(select(Session).order_by(col(Session.id))).all()]


@pytest.fixture
def organiser(client):
    sign_in(client, "organiser@example.org")
    return client


def test_only_organisers_may_edit_the_programme(client, engine) -> None:
    for path in ORGANISER_PAGES:
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"] == f"/signin?next={path}"
    with session(engine) as db:
        db.add(Person(name="Pat Participant", email="pat@example.org", roles=["participant"]))
    sign_in(client, "pat@example.org")
    token = csrf(client.get("/programme").text)
    for path in ORGANISER_PAGES:
        assert client.get(path).status_code == 403, path
    for path in ORGANISER_PAGES[2:]:
        response = client.post(path, data={**FORM, "confirm": "yes", "csrf_token": token})
        assert response.status_code == 403, path
    assert titles(engine) == ["Opening plenary", "Safety and inclusion"]


def test_the_dashboard_counts_and_links(organiser) -> None:
    page = organiser.get("/organiser")
    assert page.status_code == 200
    assert re.search(
        r'href="/organiser/sessions">Programme sessions</a>: <strong>2</strong>', page.text
    )
    assert re.search(
        r'href="/organiser/registrants">Registrants</a>: <strong>0</strong>', page.text
    )
    assert 'href="/organiser/people"' in page.text


def test_a_session_typed_in_the_conference_timezone_is_saved_with_an_overlap_warning(
    organiser, engine
) -> None:
    with session(engine) as db:
        conference = db.exec(select(Conference)).one()
        conference.timezone = "Asia/Kolkata"
        db.add(conference)
    page = organiser.get("/organiser/sessions/new")
    assert "Asia/Kolkata" in page.text
    assert '<option value="bn" lang="bn">বাংলা</option>' in page.text
    response = organiser.post(
        "/organiser/sessions/new",
        data={**FORM, "start": "2026-12-05T19:30", "end": "2026-12-05T21:00",
              "csrf_token": csrf(page.text)},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303
    location = response.headers["location"]
    assert re.fullmatch(r"/organiser/sessions/3\?saved=1", location)
    with session(engine) as db:
        row = db.get(Session, 3)
        assert row is not None
        assert (row.start, row.end) == (
            datetime(2026, 12, 5, 14, 0, tzinfo=UTC),
            datetime(2026, 12, 5, 15, 30, tzinfo=UTC),
        )
        assert (row.kind, row.floor_languages, row.interpretation_languages) == (
            "breakout", ["bn", "en"], ["hi"],
        )  # fmt: skip

    saved = organiser.get(location)
    assert "The session is saved." in saved.text
    warning = re.search(
        r'<div class="warning"[^>]*id="overlap-warnings">(.*?)</div>', saved.text, re.S
    )
    assert warning, saved.text
    assert re.findall(r'<a href="/organiser/sessions/(\d+)">([^<]*)</a>', warning.group(1)) == [
        ("1", "Opening plenary"), ("2", "Safety and inclusion"),
    ]  # fmt: skip
    # Shown back in the conference's timezone.
    assert 'value="2026-12-05T19:30"' in saved.text and 'value="2026-12-05T21:00"' in saved.text

    listing = organiser.get("/organiser/sessions")
    row_html = re.search(r'<tr id="session-3">(.*?)</tr>', listing.text, re.S)
    assert row_html
    assert "Overlaps with “Opening plenary”." in row_html.group(1)
    assert "Overlaps with “Safety and inclusion”." in row_html.group(1)


def test_bad_input_is_shown_next_to_each_field_and_nothing_is_written(organiser, engine) -> None:
    page = organiser.get("/organiser/sessions/new")
    bad = {
        **FORM, "title": "  ", "kind": "keynote", "start": "2026-12-05T17:00",
        "end": "2026-12-05T16:00", "floor_languages": ["en"], "floor_languages_other": "xx-Latn-ZZZ",
        "description": "<b>" + "d" * 4000, "csrf_token": csrf(page.text),
    }  # fmt: skip
    response = organiser.post("/organiser/sessions/new", data=bad)
    assert response.status_code == 400
    assert errors_of(response.text) == {
        "title": "This field is required.",
        "kind": "Choose one of: plenary, breakout, lightning, social.",
        "end": "The end must be after the start.",
        "floor_languages": "xx-Latn-ZZZ is not a language tag we know, such as fr or pt-BR.",
        "description": "This is too long: at most 4000 characters, not 4003.",
    }
    assert 'value="2026-12-05T17:00"' in response.text
    assert 'value="xx-Latn-ZZZ"' in response.text
    assert '<option value="keynote" selected>keynote</option>' in response.text
    assert "&lt;b&gt;dddd" in response.text and "<b>dddd" not in response.text
    assert titles(engine) == ["Opening plenary", "Safety and inclusion"]

    # A single mistake keeps everything else as it was typed.
    response = organiser.post(
        "/organiser/sessions/new",
        data={**FORM, "end": "2026-12-05T15:30", "csrf_token": csrf(page.text)},
    )
    assert response.status_code == 400
    assert errors_of(response.text) == {"end": "The end must be after the start."}
    assert 'value="Wikis in Bengali"' in response.text
    assert '<option value="bn" lang="bn" selected>' in response.text
    assert titles(engine) == ["Opening plenary", "Safety and inclusion"]


def test_a_post_without_csrf_is_refused_and_writes_nothing(organiser, engine) -> None:
    for path in (
        "/organiser/sessions/new",
        "/organiser/sessions/1",
        "/organiser/sessions/1/delete",
    ):
        response = organiser.post(path, data={**FORM, "confirm": "yes"})
        assert response.status_code == 403, path
    assert titles(engine) == ["Opening plenary", "Safety and inclusion"]


def test_editing_shows_the_stored_session_and_saves_changes(organiser, engine) -> None:
    page = organiser.get("/organiser/sessions/2")
    assert 'value="Safety and inclusion"' in page.text
    assert 'value="2026-12-05T15:00"' in page.text
    assert "overlap-warnings" not in page.text
    response = organiser.post(
        "/organiser/sessions/2",
        data={**FORM, "title": "Safety, inclusion & care", "csrf_token": csrf(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/organiser/sessions/2?saved=1"
    assert titles(engine) == ["Opening plenary", "Safety, inclusion & care"]
    assert organiser.get("/organiser/sessions/99").status_code == 404


def test_deleting_asks_for_confirmation(organiser, engine) -> None:
    with session(engine) as db:
        person = Person(name="Ama", email="ama@example.org", roles=["participant"])
        db.add(person)
        db.flush()
        assert person.id is not None
        registration = Registration(
            conference_id=1, person_id=person.id, languages=["en"], timezone="UTC", token="t" * 43
        )
        db.add(registration)
        db.flush()
        assert registration.id is not None
        db.add(Attendance(registration_id=registration.id, session_id=2))
    page = organiser.get("/organiser/sessions/2/delete")
    assert "1 registrant plans to attend it" in page.text

    response = organiser.post("/organiser/sessions/2/delete", data={"csrf_token": csrf(page.text)})
    assert response.status_code == 400
    assert errors_of(response.text) == {"confirm": "Tick the box to confirm."}
    assert titles(engine) == ["Opening plenary", "Safety and inclusion"]

    response = organiser.post(
        "/organiser/sessions/2/delete",
        data={"csrf_token": csrf(page.text), "confirm": "yes"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/organiser/sessions?deleted=1"
    assert titles(engine) == ["Opening plenary"]
    with session(engine) as db:
        assert db.exec(select(Attendance)).all() == []
    assert "The session is deleted." in organiser.get("/organiser/sessions?deleted=1").text


def test_a_session_offers_a_sign_language_like_any_other(organiser, engine) -> None:
    page = organiser.get("/organiser/sessions/new")
    # Sign languages come after the spoken ones, named in the page's language (no lang=).
    assert '<optgroup label="Sign languages">' in page.text
    assert '<option value="ase">American Sign Language</option>' in page.text
    response = organiser.post(
        "/organiser/sessions/new",
        data={**FORM, "interpretation_languages": ["hi", "bfi"],
              "interpretation_languages_other": "sgn-US", "csrf_token": csrf(page.text)},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303
    with session(engine) as db:
        row = db.get(Session, 3)
        assert row is not None and row.interpretation_languages == ["hi", "bfi", "ase"]
    saved = organiser.get(response.headers["location"])
    assert '<option value="bfi" selected>British Sign Language</option>' in saved.text
    assert '<option value="ase" selected>American Sign Language</option>' in saved.text

    organiser.cookies.set("lang", "ar")
    arabic = organiser.get(response.headers["location"])
    assert '<optgroup label="لغات الإشارة">' in arabic.text
    assert '<option value="ase" selected>لغة الإشارة الأمريكية</option>' in arabic.text
    programme = organiser.get("/programme")
    assert '<span class="tag">لغة الإشارة البريطانية</span>' in programme.text


def test_a_sign_tag_that_is_no_language_is_refused_by_name(organiser, engine) -> None:
    page = organiser.get("/organiser/sessions/new")
    response = organiser.post(
        "/organiser/sessions/new",
        data={**FORM, "interpretation_languages_other": "sgn-xyz", "csrf_token": csrf(page.text)},
    )
    assert response.status_code == 400
    assert errors_of(response.text)["interpretation_languages"] == (
        "sgn-xyz is not a language tag we know, such as fr or pt-BR."
    )
    assert titles(engine) == ["Opening plenary", "Safety and inclusion"]

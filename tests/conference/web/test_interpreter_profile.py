"""The interpreter profile: languages, daily limit, and windows typed in the interpreter's timezone."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest
from sqlmodel import col, select

from conference.storage.engine import session
from conference.storage.tables import AvailabilityWindow, InterpreterProfile, Person

from .conftest import csrf, sign_in

pytestmark = pytest.mark.integration

FORM = {
    "a_languages": ["hi"], "b_languages": ["en"], "c_languages": ["bn", "ur"],
    "timezone": "Asia/Kolkata", "max_minutes_per_day": "240",
    "window_start": ["2026-12-05T09:00", "2026-12-06T18:00", ""],
    "window_end": ["2026-12-05T17:30", "2026-12-06T23:00", ""],
}  # fmt: skip


@pytest.fixture
def interpreter(engine) -> int:
    with session(engine) as db:
        person = Person(name="Priya Raman", email="priya@example.org", roles=["interpreter"])
        db.add(person)
        db.flush()
        assert person.id is not None
        return person.id


def errors_of(page: str) -> dict[str, str]:
    found = re.findall(r'<p class="field-error" id="([a-z_0-9]+)-error">([^<]*)</p>', page)
    return {name: html.unescape(text) for name, text in found}


def stored(engine) -> tuple[list[list[str]], int | None, list[tuple[datetime, datetime]]]:
    with session(engine) as db:
        profile = db.exec(select(InterpreterProfile)).one()
        windows = db.exec(select(AvailabilityWindow).order_by(col(AvailabilityWindow.start))).all()
        return (
            [profile.a_languages, profile.b_languages, profile.c_languages, [profile.timezone]],
            profile.max_minutes_per_day,
            [(w.start, w.end) for w in windows],
        )


def test_who_may_see_which_profile(client, engine, interpreter) -> None:
    response = client.get("/interpreter/profile", follow_redirects=False)
    assert response.headers["location"] == "/signin?next=/interpreter/profile"
    with session(engine) as db:
        db.add(Person(name="Pat", email="pat@example.org", roles=["participant"]))
    sign_in(client, "pat@example.org")
    assert client.get("/interpreter/profile").status_code == 403
    assert client.get(f"/organiser/interpreters/{interpreter}/profile").status_code == 403
    client.cookies.clear()
    sign_in(client, "priya@example.org")
    assert client.get(f"/organiser/interpreters/{interpreter}/profile").status_code == 403
    token = csrf(client.get("/interpreter/profile").text)
    response = client.post(
        f"/organiser/interpreters/{interpreter}/profile", data={**FORM, "csrf_token": token}
    )
    assert response.status_code == 403
    response = client.post("/interpreter/profile", data=FORM)
    assert response.status_code == 403
    with session(engine) as db:
        assert db.exec(select(AvailabilityWindow)).all() == []


def test_availability_typed_in_kolkata_is_stored_in_utc_and_shown_back(
    client, engine, interpreter
) -> None:
    sign_in(client, "priya@example.org")
    page = client.get("/interpreter/profile")
    assert '<option value="hi" lang="hi">हिन्दी</option>' in page.text
    response = client.post(
        "/interpreter/profile", data={**FORM, "csrf_token": csrf(page.text)}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/interpreter/profile?saved=1"
    assert stored(engine) == (
        [["hi"], ["en"], ["bn", "ur"], ["Asia/Kolkata"]],
        240,
        [
            (datetime(2026, 12, 5, 3, 30, tzinfo=UTC), datetime(2026, 12, 5, 12, 0, tzinfo=UTC)),
            (datetime(2026, 12, 6, 12, 30, tzinfo=UTC), datetime(2026, 12, 6, 17, 30, tzinfo=UTC)),
        ],
    )
    shown = client.get(response.headers["location"])
    assert "The profile is saved." in shown.text
    starts = re.findall(r'name="window_start" type="datetime-local" value="([^"]*)"', shown.text)
    ends = re.findall(r'name="window_end" type="datetime-local" value="([^"]*)"', shown.text)
    assert starts == ["2026-12-05T09:00", "2026-12-06T18:00", "", "", ""]
    assert ends == ["2026-12-05T17:30", "2026-12-06T23:00", "", "", ""]
    assert '<option value="Asia/Kolkata" selected>' in shown.text
    assert '<option value="bn" lang="bn" selected>' in shown.text


def test_bad_input_is_shown_next_to_the_field_or_row_and_nothing_is_written(
    client, engine, interpreter
) -> None:
    sign_in(client, "priya@example.org")
    page = client.get("/interpreter/profile")
    bad = {
        **FORM, "b_languages": ["en", "hi"], "max_minutes_per_day": "800",
        "window_start": ["2026-12-05T09:00", "2026-12-05T12:00", "2026-12-06T10:00"],
        "window_end": ["2026-12-05T17:30", "2026-12-05T13:00", "2026-12-06T09:00"],
        "csrf_token": csrf(page.text),
    }  # fmt: skip
    response = client.post("/interpreter/profile", data=bad)
    assert response.status_code == 400
    assert errors_of(response.text) == {
        "b_languages": "hi is already one of the A languages; "
        "a language may be in only one of A, B and C.",
        "max_minutes_per_day": "This must be at most 720.",
        "window_2": "This window overlaps the window on row 1.",
        "window_3": "The end must be after the start.",
    }
    starts = re.findall(r'name="window_start" type="datetime-local" value="([^"]*)"', response.text)
    assert starts == ["2026-12-05T09:00", "2026-12-05T12:00", "2026-12-06T10:00", "", "", ""]
    assert 'value="800"' in response.text
    assert re.search(r'<tr id="window_2" class="invalid">', response.text)
    assert stored(engine) == ([[], [], [], ["UTC"]], None, [])


def test_an_organiser_edits_any_interpreters_profile(client, engine, interpreter) -> None:
    sign_in(client, "organiser@example.org")
    listing = client.get("/organiser/interpreters")
    assert f'href="/organiser/interpreters/{interpreter}/profile"' in listing.text
    page = client.get(f"/organiser/interpreters/{interpreter}/profile")
    assert "Interpreter profile of Priya Raman" in page.text
    response = client.post(
        f"/organiser/interpreters/{interpreter}/profile",
        data={**FORM, "csrf_token": csrf(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert stored(engine)[0] == [["hi"], ["en"], ["bn", "ur"], ["Asia/Kolkata"]]
    # Someone without the interpreter role has no profile page.
    assert client.get("/organiser/interpreters/1/profile").status_code == 404

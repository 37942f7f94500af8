"""Registering through the form, as a browser without JavaScript would."""

from __future__ import annotations

import logging
import re

import pytest
from sqlmodel import select

from conference.storage.engine import session
from conference.storage.tables import Registration, SupportRequest

from .conftest import csrf

pytestmark = pytest.mark.integration

FORM = {
    "name": "Chidi Okafor", "email": "chidi@example.org", "timezone": "Africa/Lagos",
    "language_1": "ig", "language_2": "en", "sessions": ["1", "2"],
    "need_childcare": "1", "childcare_children": "2", "childcare_sessions": ["1"],
    "need_data": "1", "data_country": "NG", "data_carrier": "MTN", "data_gb": "10",
}  # fmt: skip


def _errors(html: str) -> dict[str, str]:
    return dict(re.findall(r'<p class="field-error" id="([a-z_]+)-error">([^<]*)</p>', html))


def test_register_then_view_and_change_through_the_private_link(client, engine) -> None:
    page = client.get("/register")
    response = client.post(
        "/register", data={**FORM, "csrf_token": csrf(page.text)}, follow_redirects=False
    )
    assert response.status_code == 303
    link = response.headers["location"]
    assert re.fullmatch(r"/registration/[A-Za-z0-9_-]{43}\?new=1", link)

    confirmation = client.get(link)
    assert "You are registered." in confirmation.text
    assert 'value="Chidi Okafor"' in confirmation.text

    # Someone else, holding only the link, can change the registration.
    client.cookies.clear()
    page = client.get(link)
    changed = {**FORM, "name": "Chidi O.", "sessions": ["2"], "csrf_token": csrf(page.text)}
    del changed["need_data"]
    response = client.post(link.split("?")[0], data=changed, follow_redirects=False)
    assert response.status_code == 303
    with session(engine) as db:
        (row,) = db.exec(select(Registration)).all()
        assert row.languages == ["ig", "en"] and row.timezone == "Africa/Lagos"
        kinds = sorted(r.kind for r in db.exec(select(SupportRequest)).all())
        assert kinds == ["childcare"]


def test_bad_input_is_shown_next_to_each_field_and_nothing_is_written(client, engine) -> None:
    page = client.get("/register")
    bad = {
        **FORM, "email": "chidi@", "timezone": "Lagos", "language_1": "zz", "childcare_children": "-3",
        "name": "<script>alert(1)</script>", "csrf_token": csrf(page.text),
    }  # fmt: skip
    response = client.post("/register", data=bad)
    assert response.status_code == 400
    assert _errors(response.text) == {
        "email": "This is not an email address, such as name@example.org.",
        "timezone": "Lagos is not a timezone we know, such as Asia/Kolkata.",
        "childcare_children": "This must be at least 1.",
        "languages": "zz is not a language tag we know, such as fr or pt-BR.",
    }
    # What was typed is kept, escaped.
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in response.text
    assert "<script>alert(1)</script>" not in response.text
    assert 'value="MTN"' in response.text
    with session(engine) as db:
        assert db.exec(select(Registration)).all() == []


def test_a_registered_email_cannot_register_again(client, engine) -> None:
    page = client.get("/register")
    client.post("/register", data={**FORM, "csrf_token": csrf(page.text)})
    client.cookies.clear()
    page = client.get("/register")
    response = client.post(
        "/register", data={**FORM, "name": "Impostor", "csrf_token": csrf(page.text)}
    )
    assert response.status_code == 400
    assert _errors(response.text)["email"].startswith("This email is already registered.")
    with session(engine) as db:
        assert len(db.exec(select(Registration)).all()) == 1


def test_a_form_without_its_csrf_token_is_refused(client, engine) -> None:
    client.get("/register")
    response = client.post("/register", data=FORM)
    assert response.status_code == 403
    assert "did not come from this site" in response.text
    response = client.post("/register", data={**FORM, "csrf_token": "forged"})
    assert response.status_code == 403
    with session(engine) as db:
        assert db.exec(select(Registration)).all() == []


def test_personal_data_stays_out_of_the_log(client, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    page = client.get("/register")
    client.post("/register", data={**FORM, "csrf_token": csrf(page.text)})
    page = client.get("/signin")
    client.post("/signin", data={"email": "chidi@example.org", "csrf_token": csrf(page.text)})
    text = caplog.text
    assert "Sign-in link for person #" in text
    for secret in ("chidi@example.org", "MTN", "Chidi", "childcare", "children"):
        assert secret not in text


def test_an_unknown_private_link_is_a_friendly_404(client) -> None:
    response = client.get("/registration/not-a-real-token")
    assert response.status_code == 404
    assert "This registration link is not valid." in response.text
    assert "Traceback" not in response.text

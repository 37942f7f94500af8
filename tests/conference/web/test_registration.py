"""Registering through the form, as a browser without JavaScript would."""

from __future__ import annotations

import logging
import re

import pytest
from sqlmodel import select

from conference.storage.engine import session
from conference.storage.tables import Person, Registration, SupportRequest

from .conftest import confirm, csrf, register, sign_in

pytestmark = pytest.mark.integration

FORM = {
    "name": "Chidi Okafor", "email": "chidi@example.org", "timezone": "Africa/Lagos",
    "language_1": "ig", "language_2": "en", "sessions": ["1", "2"],
    "need_childcare": "1", "childcare_children": "2", "childcare_sessions": ["1"],
    "need_data": "1", "data_country": "NG", "data_carrier": "MTN", "data_gb": "10",
}  # fmt: skip


def _errors(html: str) -> dict[str, str]:
    return dict(re.findall(r'<p class="field-error" id="([a-z_]+)-error">([^<]*)</p>', html))


def test_register_confirm_by_mail_then_view_and_change_through_the_private_link(
    client, engine
) -> None:
    confirmation_link = register(client, FORM)
    with session(engine) as db:
        assert db.exec(select(Registration)).all() == []  # nothing until the owner confirms
    response = confirm(client, confirmation_link)
    assert response.status_code == 303
    link = response.headers["location"]
    assert re.fullmatch(r"/registration/[A-Za-z0-9_-]{43}\?new=1", link)

    confirmation = client.get(link)
    assert "You are registered." in confirmation.text
    assert 'value="Chidi Okafor"' in confirmation.text
    # The link works once.
    assert (
        client.post(confirmation_link, data={"csrf_token": csrf(confirmation.text)}).status_code
        == 410
    )

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


def test_registering_with_the_organisers_email_signs_nobody_in(client, engine) -> None:
    """The account takeover of issue #10: the form used to sign the caller in as the owner."""
    attack = {**FORM, "name": "Mallory", "email": "organiser@example.org"}
    page = client.get("/register")
    response = client.post(
        "/register", data={**attack, "csrf_token": csrf(page.text)}, follow_redirects=False
    )
    assert response.status_code == 200
    assert client.get("/organiser/registrants.csv", follow_redirects=False).status_code in (
        303,
        403,
    )
    assert "Olu Organiser" not in client.get("/").text
    with session(engine) as db:
        organiser = db.exec(select(Person).where(Person.email == "organiser@example.org")).one()
        assert organiser.name == "Olu Organiser" and organiser.roles == ["organiser"]
        assert db.exec(select(Registration)).all() == []
    # Only the owner's mailbox gets the link, and the attacker's cookie is still nobody's.
    assert client.app.state.services.mailer.sent[-1]["To"] == "organiser@example.org"


def test_known_and_unknown_addresses_get_the_same_answer(client) -> None:
    def answer(email: str) -> str:
        page = client.get("/register")
        response = client.post(
            "/register", data={**FORM, "email": email, "csrf_token": csrf(page.text)}
        )
        return re.sub(r'name="csrf_token" value="[^"]+"', "", response.text)

    assert answer("organiser@example.org") == answer("nobody-yet@example.org")


def test_the_owner_confirming_a_registration_for_an_existing_account_keeps_its_roles(
    client, engine
) -> None:
    link = register(client, {**FORM, "email": "organiser@example.org"})
    client.cookies.clear()
    response = confirm(client, link)
    assert response.status_code == 303
    with session(engine) as db:
        organiser = db.exec(select(Person).where(Person.email == "organiser@example.org")).one()
        assert organiser.roles == ["organiser"]
        (row,) = db.exec(select(Registration)).all()
        assert row.person_id == organiser.id
    # The owner proved the address, so the owner is signed in.
    assert client.get("/organiser/registrants.csv").status_code == 200


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
    confirm(client, register(client, FORM))
    client.cookies.clear()
    link = register(client, {**FORM, "name": "Impostor"})
    # Only the owner gets the link; confirming it opens the existing registration unchanged.
    response = confirm(client, link)
    assert response.status_code == 303
    assert "?new=1" not in response.headers["location"]
    with session(engine) as db:
        (row,) = db.exec(select(Registration)).all()
        assert db.get(Person, row.person_id).name == "Chidi Okafor"


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
    confirm(client, register(client, FORM))
    page = client.get("/signin")
    client.post("/signin", data={"email": "chidi@example.org", "csrf_token": csrf(page.text)})
    text = caplog.text
    assert "Sign-in link for person #" in text
    assert "Registration confirmation link" in text
    for secret in ("chidi@example.org", "MTN", "Chidi", "childcare", "children"):
        assert secret not in text


def test_an_unknown_private_link_is_a_friendly_404(client) -> None:
    response = client.get("/registration/not-a-real-token")
    assert response.status_code == 404
    assert "This registration link is not valid." in response.text
    assert "Traceback" not in response.text


def test_a_signed_in_person_registers_their_own_address_at_once(client, engine) -> None:
    sign_in(client, "organiser@example.org")
    page = client.get("/register")
    response = client.post(
        "/register",
        data={**FORM, "email": "organiser@example.org", "csrf_token": csrf(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"].endswith("?new=1")
    with session(engine) as db:
        (row,) = db.exec(select(Registration)).all()
        assert db.get(Person, row.person_id).email == "organiser@example.org"

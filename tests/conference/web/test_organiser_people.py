"""Inviting organisers and interpreters, and changing people's roles."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from conference.storage.engine import session
from conference.storage.tables import InterpreterProfile, Person

from .conftest import csrf, sign_in

pytestmark = pytest.mark.integration


@pytest.fixture
def organiser(client):
    sign_in(client, "organiser@example.org")
    return client


def people(engine) -> list[tuple[str, str, list[str]]]:
    with session(engine) as db:
        rows = db.exec(select(Person).order_by(col(Person.id))).all()
        return [(p.name, p.email, p.roles) for p in rows]


def test_only_organisers_manage_people(client, engine) -> None:
    for path in ("/organiser/people", "/organiser/people/1", "/organiser/interpreters"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/signin?next={path}"
    with session(engine) as db:
        db.add(Person(name="Pat", email="pat@example.org", roles=["participant", "interpreter"]))
    sign_in(client, "pat@example.org")
    for path in ("/organiser/people", "/organiser/people/1", "/organiser/interpreters"):
        assert client.get(path).status_code == 403, path
    token = csrf(client.get("/programme").text)
    response = client.post(
        "/organiser/people",
        data={"csrf_token": token, "name": "Pat", "email": "pat@example.org", "role": "organiser"},
    )
    assert response.status_code == 403
    response = client.post(
        "/organiser/people/2", data={"csrf_token": token, "roles": ["organiser"]}
    )
    assert response.status_code == 403
    assert people(engine)[1] == ("Pat", "pat@example.org", ["participant", "interpreter"])


def test_an_invited_interpreter_signs_in_with_the_usual_link(organiser, client, engine) -> None:
    page = organiser.get("/organiser/people")
    response = organiser.post(
        "/organiser/people",
        data={"csrf_token": csrf(page.text), "name": "Ines Intérprete",
              "email": "ines@example.org", "role": "interpreter"},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303
    assert response.headers["location"] == "/organiser/people?invited=1"
    assert people(engine)[1] == ("Ines Intérprete", "ines@example.org", ["interpreter"])
    with session(engine) as db:
        assert len(db.exec(select(InterpreterProfile)).all()) == 1
    page = organiser.get("/organiser/people?invited=1")
    assert "The invitation is saved." in page.text
    assert "Ines Intérprete" in page.text
    assert "Ines Intérprete" in organiser.get("/organiser/interpreters").text

    client.cookies.clear()
    sign_in(client, "ines@example.org")
    profile = client.get("/interpreter/profile")
    assert profile.status_code == 200
    assert "My interpreter profile" in profile.text


def test_a_bad_invitation_is_shown_next_to_its_fields(organiser, engine) -> None:
    page = organiser.get("/organiser/people")
    response = organiser.post(
        "/organiser/people",
        data={"csrf_token": csrf(page.text), "name": "Ines", "email": "ines@", "role": "speaker"},
    )
    assert response.status_code == 400
    assert (
        '<p class="field-error" id="email-error">'
        "This is not an email address, such as name@example.org.</p>"
    ) in response.text
    assert (
        '<p class="field-error" id="role-error">Choose one of: organiser, interpreter.</p>'
        in response.text
    )
    assert 'value="Ines"' in response.text and 'value="ines@"' in response.text
    assert len(people(engine)) == 1
    response = organiser.post(
        "/organiser/people", data={"name": "Ines", "email": "ines@example.org", "role": "organiser"}
    )
    assert response.status_code == 403
    assert len(people(engine)) == 1


def test_roles_change_but_never_your_own_organiser_role(organiser, engine) -> None:
    with session(engine) as db:
        db.add(Person(name="Kofi", email="kofi@example.org", roles=["participant"]))
    page = organiser.get("/organiser/people/2")
    assert 'value="participant" checked' in page.text
    response = organiser.post(
        "/organiser/people/2",
        data={"csrf_token": csrf(page.text), "roles": ["interpreter", "organiser"]},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert people(engine)[1] == ("Kofi", "kofi@example.org", ["interpreter", "organiser"])

    page = organiser.get("/organiser/people/1")
    response = organiser.post(
        "/organiser/people/1", data={"csrf_token": csrf(page.text), "roles": ["interpreter"]}
    )
    assert response.status_code == 400
    assert (
        '<p class="field-error" id="roles-error">'
        "You cannot remove your own organiser role; ask another organiser.</p>"
    ) in response.text
    assert 'value="interpreter" checked' in response.text
    assert 'value="organiser" checked' not in response.text
    assert people(engine)[0][2] == ["organiser"]
    assert organiser.get("/organiser/people/99").status_code == 404

"""The captioner roster: an organiser assigns captioners per session and language."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from conference.storage.engine import session
from conference.storage.tables import CaptionerAssignment, Person

from .conftest import csrf, sign_in

pytestmark = pytest.mark.integration


def test_an_organiser_rosters_a_captioner_and_bad_input_names_the_field(client, engine) -> None:
    with session(engine) as db:
        db.add(Person(name="Cai Captioner", email="cai@example.org", roles=["participant"]))
    sign_in(client, "organiser@example.org")
    page = client.get("/organiser/sessions/1/captioners")
    assert "Nobody captions this session yet." in page.text
    bad = client.post(
        "/organiser/sessions/1/captioners",
        data={"person": "999", "language": "xx", "csrf_token": csrf(page.text)},
    )
    assert bad.status_code == 400
    errors = dict(re.findall(r'<p class="field-error" id="([a-z_]+)-error">([^<]*)</p>', bad.text))
    assert errors == {
        "person": "Choose one of the people listed.",
        "language": "Choose one of the session&#39;s languages.",
    }
    with session(engine) as db:
        cai = db.exec(select(Person).where(Person.name == "Cai Captioner")).one()
    for _ in range(2):  # twice: still one row
        done = client.post(
            "/organiser/sessions/1/captioners",
            data={"person": str(cai.id), "language": "fr", "csrf_token": csrf(page.text)},
            follow_redirects=False,
        )
        assert done.status_code == 303
    page = client.get("/organiser/sessions/1/captioners")
    assert "Cai Captioner" in page.text and "Français" in page.text
    with session(engine) as db:
        (row,) = db.exec(select(CaptionerAssignment)).all()
        assert (row.session_id, row.person_id, row.language) == (1, cai.id, "fr")
    client.post(
        "/organiser/sessions/1/captioners",
        data={"remove": str(row.id), "csrf_token": csrf(page.text)},
    )
    with session(engine) as db:
        assert db.exec(select(CaptionerAssignment)).all() == []


def test_an_organiser_turns_automatic_captions_on_and_off_and_sees_why_they_cannot_run(
    client, engine
) -> None:
    from rooms.web.captions_store import DatabaseAutoCaptions

    sign_in(client, "organiser@example.org")
    page = client.get("/organiser/sessions/1/captioners")
    assert '<span id="automatic-state">Off.</span>' in page.text
    # This test server has no caption model: the organiser is told, in words, before turning on.
    problem = re.search(r'<div id="automatic-problem"[^>]*>\s*<p>([^<]*)</p>.*?<code[^>]*>([^<]*)</code>',
                        page.text, re.S)  # fmt: skip
    assert problem and problem.group(1) == (
        "Automatic captions are unavailable: the caption model is missing or damaged. "
        "The rest of the room works."
    )
    assert problem.group(2).startswith("No caption model is configured")
    done = client.post(
        "/organiser/sessions/1/captioners",
        data={"automatic": "on", "csrf_token": csrf(page.text)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    page = client.get("/organiser/sessions/1/captioners")
    assert '<span id="automatic-state">On, in English.</span>' in page.text
    assert DatabaseAutoCaptions(engine).language("1") == "en"  # the plenary's floor language
    client.post(
        "/organiser/sessions/1/captioners", data={"automatic": "off", "csrf_token": csrf(page.text)}
    )
    assert DatabaseAutoCaptions(engine).language("1") is None
    assert DatabaseAutoCaptions(engine).language("1 OR 1=1") is None


def test_an_organiser_turns_automatic_captions_of_a_booth_on_per_language(client, engine) -> None:
    from rooms.web.captions_store import DatabaseAutoCaptions

    sign_in(client, "organiser@example.org")
    page = client.get("/organiser/sessions/1/captioners")  # floor en; booths es, fr, ar
    assert 'id="automatic-booth-es"' in page.text and 'id="automatic-booth-en"' not in page.text
    done = client.post(
        "/organiser/sessions/1/captioners",
        data={"automatic": "on", "source": "es", "csrf_token": csrf(page.text)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    page = client.get("/organiser/sessions/1/captioners")
    row = re.search(r'<tr id="automatic-booth-es">(.*?)</tr>', page.text, re.S)
    assert row and "On, in Español." in row.group(1)
    assert '<span id="automatic-state">Off.</span>' in page.text  # the floor stays off
    settings = DatabaseAutoCaptions(engine)
    assert (settings.language("1"), settings.booth_languages("1")) == (None, frozenset({"es"}))
    # A source the session has no booth for, or no source at all: refused, naming the field.
    for source in ("en", "xx"):
        bad = client.post(
            "/organiser/sessions/1/captioners",
            data={"automatic": "on", "source": source, "csrf_token": csrf(page.text)},
        )
        assert bad.status_code == 400
        error = re.search(r'<p class="field-error" id="source-error">([^<]*)</p>', bad.text)
        assert error and error.group(1) == (
            "Choose the floor or one of the session&#39;s interpretation languages."
        )
    assert settings.booth_languages("1") == frozenset({"es"})
    client.post(
        "/organiser/sessions/1/captioners",
        data={"automatic": "off", "source": "es", "csrf_token": csrf(page.text)},
    )
    assert settings.booth_languages("1") == frozenset()
    assert settings.booth_languages("1 OR 1=1") == frozenset()


def test_only_an_organiser_switches_automatic_captions(client, engine) -> None:
    from rooms.web.captions_store import DatabaseAutoCaptions

    with session(engine) as db:
        db.add(Person(name="Pat", email="pat@example.org", roles=["participant"]))
    sign_in(client, "pat@example.org")
    page = client.get("/organiser/sessions/1/captioners")
    assert page.status_code == 403
    refused = client.post(
        "/organiser/sessions/1/captioners",
        data={"automatic": "on", "source": "es", "csrf_token": csrf(client.get("/").text)},
    )
    assert refused.status_code in (403, 400)
    assert DatabaseAutoCaptions(engine).booth_languages("1") == frozenset()

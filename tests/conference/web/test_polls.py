"""Ranked-priority polls through the pages: an organiser runs one, participants rank."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from conference.domain import poll_count
from conference.storage.engine import session
from conference.storage.tables import Ballot, BreakoutRoom, Person

from .conftest import csrf, sign_in

pytestmark = pytest.mark.integration

OPTIONS = "Safety online\nLocal languages\nFunding for small affiliates\nMentoring newcomers"


def _people(engine, *names: str) -> None:
    with session(engine) as db:
        for name in names:
            db.add(Person(name=name, email=f"{name.lower()}@example.org", roles=["participant"]))
        db.add(BreakoutRoom(session_id=2, name="Room Ubuntu"))


def _create_and_open(client) -> int:
    sign_in(client, "organiser@example.org")
    page = client.get("/organiser/polls")
    created = client.post(
        "/organiser/polls",
        data={
            "title": "Which initiatives matter most?",
            "options": OPTIONS,
            "session": "2",
            "csrf_token": csrf(page.text),
        },  # fmt: skip
        follow_redirects=False,
    )
    assert created.status_code == 303
    poll_url = created.headers["location"]
    page = client.get(poll_url)
    assert "draft: not open yet" in page.text
    opened = client.post(poll_url, data={"action": "open", "csrf_token": csrf(page.text)})
    assert "open for ballots" in opened.text
    return int(poll_url.rsplit("/", 1)[1])


_VOTERS: dict[tuple[int, str], TestClient] = {}


def _vote(client, email: str, poll: int, ranking: list[str], room: str = ""):
    """Each voter signs in once, in a browser of their own, as a person would."""
    key = (id(client.app), email)
    if key not in _VOTERS:
        _VOTERS[key] = TestClient(client.app, base_url=str(client.base_url))
        sign_in(_VOTERS[key], email)
    voter = _VOTERS[key]
    page = voter.get(f"/polls/{poll}")
    return voter.post(
        f"/polls/{poll}",
        data={"ranking": ranking, "room": room, "csrf_token": csrf(page.text)},
        follow_redirects=False,
    )


def test_the_organisers_form_names_each_bad_field(client) -> None:
    sign_in(client, "organiser@example.org")
    page = client.get("/organiser/polls")
    response = client.post(
        "/organiser/polls",
        data={"title": "", "options": "only one", "session": "99", "csrf_token": csrf(page.text)},
    )
    assert response.status_code == 400
    errors = dict(
        re.findall(r'<p class="field-error" id="([a-z_]+)-error">([^<]*)</p>', response.text)
    )
    assert errors == {
        "title": "This field is required.",
        "options": "Give at least two options, one per line.",
        "session": "Choose one of the sessions listed.",
    }
    assert "No polls yet." in response.text


def test_a_poll_from_ballots_to_published_results(client, engine) -> None:
    _people(engine, "Ana", "Bayo", "Chen")
    poll = _create_and_open(client)
    with session(engine) as db:
        room = str(db.exec(select(BreakoutRoom)).one().id)

    assert _vote(client, "ana@example.org", poll, ["1", "0"], room).status_code == 303
    assert _vote(client, "bayo@example.org", poll, ["1", "3"]).status_code == 303
    # Changing a ballot replaces it: Chen first ranks option 2, then 0 over 1.
    assert _vote(client, "chen@example.org", poll, ["2"]).status_code == 303
    assert _vote(client, "chen@example.org", poll, ["0", "1"]).status_code == 303
    mine = _VOTERS[(id(client.app), "chen@example.org")].get(f"/polls/{poll}")
    assert re.findall(r'name="ranking" value="(\d+)"', mine.text) == ["0", "1"]

    # Bad ballots are refused with a reason and store nothing.
    bad = _vote(client, "chen@example.org", poll, ["1", "1"])
    assert bad.status_code == 400 and "An option can be ranked only once." in bad.text
    bad = _vote(client, "chen@example.org", poll, ["7"])
    assert bad.status_code == 400 and "7 is not an option of this poll." in bad.text
    bad = _vote(client, "chen@example.org", poll, ["0", "1", "2", "3", "0"])
    assert bad.status_code == 400 and "at most 4 options" in bad.text
    with session(engine) as db:
        rankings = sorted(b.ranking for b in db.exec(select(Ballot)).all())
    assert rankings == [[0, 1], [1, 0], [1, 3]]

    # Not published: participants and anonymous visitors see no result.
    assert (
        _VOTERS[(id(client.app), "ana@example.org")].get(f"/polls/{poll}/results").status_code
        == 404
    )
    assert TestClient(client.app).get(f"/polls/{poll}/results").status_code == 404

    page = client.get(f"/organiser/polls/{poll}")
    assert "3 ballots" in page.text and "Room Ubuntu" in page.text
    page = client.post(
        f"/organiser/polls/{poll}", data={"action": "close", "csrf_token": csrf(page.text)}
    )
    client.post(
        f"/organiser/polls/{poll}", data={"action": "publish", "csrf_token": csrf(page.text)}
    )
    late = _vote(client, "ana@example.org", poll, ["3"])
    assert late.status_code == 400 and "This poll is closed" in late.text

    results = TestClient(client.app).get(f"/polls/{poll}/results")
    assert results.status_code == 200
    order = re.findall(r'<li value="(\d+)">([^<]+) <span', results.text)
    assert order[:2] == [("1", "Local languages"), ("2", "Safety online")]
    assert "<svg" in results.text and "Room Ubuntu" in results.text

    # The raw ballots recount to the same result, and name nobody.
    raw = client.get(f"/organiser/polls/{poll}/ballots.json").json()
    options = raw["options"]
    recount = poll_count.count(options, [b["ranking"] for b in raw["ballots"]])
    assert [o.label for o in recount.options][:2] == ["Local languages", "Safety online"]
    table = client.get(f"/organiser/polls/{poll}/ballots.csv").text
    rows = list(csv.reader(io.StringIO(table)))
    assert rows[0][:3] == ["ballot", "room", "choice_1"] and len(rows) == 4
    for secret in ("Ana", "Bayo", "Chen", "@example.org"):
        assert secret not in table and secret not in json.dumps(raw)


def test_participants_may_not_run_polls(client, engine) -> None:
    _people(engine, "Ana")
    sign_in(client, "ana@example.org")
    assert client.get("/organiser/polls").status_code == 403
    assert client.get("/organiser/polls/1/ballots.csv").status_code == 403
    assert client.get("/polls/99999999999999999999").status_code == 404

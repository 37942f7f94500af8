"""The event's results: the public page, its Markdown, and the organiser's archive."""

from __future__ import annotations

import io
import zipfile

import pytest

from conference.storage.engine import session
from conference.storage.tables import BreakoutNotes

from .conftest import confirm, csrf, register, sign_in

pytestmark = pytest.mark.integration

CANARY = {
    "name": "Zyxwa Canary", "email": "zyxwa.canary@example.org", "timezone": "Africa/Lagos",
    "language_1": "yo", "sessions": ["1"], "need_data": "1", "data_country": "NG",
    "data_carrier": "Canarycell", "data_gb": "7", "need_childcare": "1",
    "childcare_children": "3", "childcare_sessions": ["1"],
}  # fmt: skip


def _registrants(client) -> None:
    for i, lang in enumerate(["es", "es", "es", "yo"]):
        confirm(
            client,
            register(
                client,
                {**CANARY, "name": f"Person {i}", "email": f"p{i}@example.org", "language_1": lang},
            ),
        )
        client.cookies.clear()
    confirm(client, register(client, CANARY))
    client.cookies.clear()


def _published_poll(client) -> None:
    sign_in(client, "organiser@example.org")
    page = client.get("/organiser/polls")
    url = client.post(
        "/organiser/polls",
        data={
            "title": "Priorities | *bold* <b>",
            "options": "Alpha\nBeta [link](x)",
            "session": "",
            "csrf_token": csrf(page.text),
        },  # fmt: skip
        follow_redirects=False,
    ).headers["location"]
    for action in ("open",):
        page = client.get(url)
        client.post(url, data={"action": action, "csrf_token": csrf(page.text)})
    page = client.get(url.replace("/organiser", ""))
    client.post(
        url.replace("/organiser", ""), data={"ranking": ["1"], "csrf_token": csrf(page.text)}
    )
    for action in ("close", "publish"):
        page = client.get(url)
        client.post(url, data={"action": action, "csrf_token": csrf(page.text)})
    client.cookies.clear()


def test_the_results_page_shows_published_polls_and_counts_that_point_at_nobody(client) -> None:
    _registrants(client)
    _published_poll(client)
    page = client.get("/results")
    assert page.status_code == 200
    assert "Priorities | *bold* &lt;b&gt;" in page.text and "<svg" in page.text
    text = client.get("/results.md").text
    # Markdown shows titles as typed: no table breaks, emphasis, links or HTML from them.
    assert "### Priorities \\| \\*bold\\* \\<b\\>" in text
    assert "| 1 | Beta \\[link\\]\\(x\\) | 1 | 1 |" in text
    # Three Spanish speakers are a count; the two Yoruba speakers would point at people.
    assert "| Opening plenary | Español | 3 |" in text
    assert "| Opening plenary | Other languages | 2 |" in text
    assert "Yorùbá" not in text


def test_the_archive_holds_everything_and_nothing_personal(client) -> None:
    _registrants(client)
    _published_poll(client)
    sign_in(client, "organiser@example.org")
    response = client.get("/organiser/results.zip")
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = sorted(archive.namelist())
    assert names == [
        "attendance.csv", "polls/poll-1-ballots.csv", "polls/poll-1-ballots.json", "results.md",
    ]  # fmt: skip
    everything = "\n".join(archive.read(n).decode() for n in names)
    for canary in ("Zyxwa", "zyxwa", "Canarycell", "canarycell", "example.org", "Person 1"):
        assert canary not in everything
    assert "Opening plenary,Español,3" in archive.read("attendance.csv").decode()
    client.cookies.clear()
    assert client.get("/organiser/results.zip", follow_redirects=False).status_code == 303


def test_breakout_summaries_and_notes_go_into_the_results(client, engine) -> None:
    with session(engine) as db:
        db.add(BreakoutNotes(room_id="r1", session_id=2, title="Hubs", rapporteur_name="Ada",
                             summary="Fund *hubs*\nTranslate [toolkits]", text="raw notes <b>"))  # fmt: skip
        db.add(BreakoutNotes(room_id="r2", session_id=2, title="Empty room"))
    text = client.get("/results.md").text
    assert "## Breakout summaries" in text
    assert "### Safety and inclusion: Hubs\n\n> Fund \\*hubs\\*\n> Translate \\[toolkits\\]" in text
    assert "> raw notes \\<b\\>" in text
    assert "Empty room" not in text and "Ada" not in text  # no rapporteur names in public

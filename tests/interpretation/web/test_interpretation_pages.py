"""The console and the board: who may open them, and what the scripts get."""

from __future__ import annotations

import json
import logging
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from conference.app import create_app
from conference.domain import timezones
from conference.settings import Settings
from conference.storage.engine import make_engine, session
from conference.storage.tables import BoothTurn
from conference.storage.tables import Session as ProgrammeSession
from tests.conference.web.conftest import sign_in
from tests.rooms.web.test_rooms_web_page import attributes
from tests.support.interpretation_seed import BREAKOUT, PLENARY, interpretation_conference

pytestmark = pytest.mark.integration

SITE = "http://127.0.0.1:8000"


@pytest.fixture
def client(tmp_path: Path, sqlite_template: Path) -> Iterator[TestClient]:
    path = tmp_path / "pages.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    interpretation_conference(engine)
    settings = Settings(
        database_url=f"sqlite:///{path}", secret_key="pages-" + "p" * 40, site_url=SITE
    )
    with TestClient(create_app(settings, engine), base_url=SITE) as c:
        yield c
    engine.dispose()


def test_an_assigned_interpreter_gets_the_console_with_the_turn_plan(client: TestClient) -> None:
    sign_in(client, "ivan@example.org")
    page = client.get(f"/interpret/session/{PLENARY}")
    assert page.status_code == 200
    data = attributes(page.text, "console")
    assert data["data-ws-url"] == "ws://127.0.0.1:8000/ws"
    assert data["data-room-id"]
    assert json.loads(data["data-language-names"] or "{}")["es"] == "Español"
    # In the interpreter's zone (here the conference's, UTC), without seconds.
    assert "<time>1:00\u202fPM–1:30\u202fPM</time> Ivan Interpreter" in page.text
    assert "<time>2:00\u202fPM–2:30\u202fPM</time> Iris Interpreter" in page.text
    assert "Times in Coordinated Universal Time (UTC)." in page.text
    assert client.get(f"/interpret/session/{BREAKOUT}").status_code == 200


@pytest.mark.parametrize("email", ["otto@example.org", "lea@example.org", "fay@example.org"])
def test_anyone_not_assigned_is_refused_and_logged(
    client: TestClient, caplog: pytest.LogCaptureFixture, email: str
) -> None:
    sign_in(client, email)
    caplog.set_level(logging.WARNING, logger="interpretation")
    # Fay has the plenary's French booth, but none in the breakout session.
    session = BREAKOUT if email.startswith("fay") else PLENARY
    assert client.get(f"/interpret/session/{session}").status_code == 403
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("interpretation")]
    assert lines == [f"refused the interpreter console of session {session}: not assigned"]


def test_the_board_is_for_organisers(client: TestClient) -> None:
    sign_in(client, "ivan@example.org")
    assert client.get(f"/interpret/session/{PLENARY}/board").status_code == 403
    client.cookies.clear()
    sign_in(client, "organiser@example.org")
    page = client.get(f"/interpret/session/{PLENARY}/board")
    assert page.status_code == 200
    assert attributes(page.text, "board")["data-room-id"]
    assert '<option value="3">Ivan Interpreter</option>' in page.text


def test_the_room_page_carries_the_listener_s_languages(client: TestClient) -> None:
    sign_in(client, "organiser@example.org")
    data = attributes(client.get(f"/rooms/session/{BREAKOUT}").text, "room")
    assert json.loads(data["data-floor-languages"] or "[]") == ["en", "es"]
    assert json.loads(data["data-languages"] or "null") == []


def links(html: str, css_class: str) -> list[str]:
    return re.findall(rf'<a class="[^"]*\b{css_class}\b[^"]*" href="([^"]+)"', html)


def test_an_interpreter_is_led_to_their_console_from_the_programme_and_the_room(
    client: TestClient,
) -> None:
    sign_in(client, "ivan@example.org")
    programme = client.get("/programme").text
    # Ivan has the Spanish booth of both sessions; the board is not his.
    assert links(programme, "console-link") == [
        f"/interpret/session/{PLENARY}",
        f"/interpret/session/{BREAKOUT}",
    ]
    assert links(programme, "board-link") == []
    room = client.get(f"/rooms/session/{PLENARY}").text
    assert links(room, "console-link") == [f"/interpret/session/{PLENARY}"]
    assert links(room, "board-link") == []
    client.cookies.clear()
    sign_in(client, "fay@example.org")  # French in the plenary only
    assert links(client.get("/programme").text, "console-link") == [f"/interpret/session/{PLENARY}"]
    assert links(client.get(f"/rooms/session/{BREAKOUT}").text, "console-link") == []


def test_an_organiser_is_led_to_the_board_from_the_programme_the_dashboard_and_the_room(
    client: TestClient,
) -> None:
    sign_in(client, "organiser@example.org")
    boards = [f"/interpret/session/{PLENARY}/board", f"/interpret/session/{BREAKOUT}/board"]
    assert links(client.get("/programme").text, "board-link") == boards
    assert links(client.get("/programme").text, "console-link") == []
    dashboard = client.get("/organiser").text
    assert re.findall(r'<a href="(/interpret/session/\d+/board)">', dashboard) == boards
    assert links(client.get(f"/rooms/session/{PLENARY}").text, "board-link") == [boards[0]]


def test_the_home_page_shows_what_is_on_now_and_next_and_each_person_s_part(
    client: TestClient,
) -> None:
    engine = client.app.state.services.engine  # type: ignore[attr-defined]
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    with session(engine) as db:
        live = db.get(ProgrammeSession, PLENARY)
        later = db.get(ProgrammeSession, BREAKOUT)
        assert live is not None and later is not None
        live.start, live.end = now - timedelta(minutes=30), now + timedelta(minutes=60)
        later.start, later.end = now + timedelta(hours=2), now + timedelta(hours=3)
        for turn in db.exec(select(BoothTurn)).all():
            turn.start, turn.end = now + timedelta(minutes=10), now + timedelta(minutes=40)
    anonymous = client.get("/?tz=Asia/Kolkata").text
    assert re.findall(r'<a class="button join" href="([^"]+)"', anonymous) == [
        f"/rooms/session/{PLENARY}"
    ]
    assert 'id="up-next"' in anonymous and "Safety and inclusion" in anonymous
    kolkata = timezones.local(later.start, "Asia/Kolkata").strftime("%-I:%M")
    assert kolkata in anonymous.replace("\u202f", " ")
    assert 'id="for-you"' not in anonymous

    sign_in(client, "ivan@example.org")
    ivan = client.get("/").text
    # On now, and next: both sessions where he has a booth lead to his console.
    assert links(ivan, "console-link") == [
        f"/interpret/session/{PLENARY}",
        f"/interpret/session/{BREAKOUT}",
    ]
    assert ivan.count("<li>", ivan.index('id="my-turns"')) >= 1
    assert 'id="my-boards"' not in ivan
    client.cookies.clear()
    sign_in(client, "organiser@example.org")
    olu = client.get("/").text
    assert re.findall(r'<a href="(/interpret/session/\d+/board)">', olu) == [
        f"/interpret/session/{PLENARY}/board",
        f"/interpret/session/{BREAKOUT}/board",
    ]

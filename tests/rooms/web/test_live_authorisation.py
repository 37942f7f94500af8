"""Issue 10, authorisation on live sockets: the attacks, replayed against a real server.

- a participant who submits a lightning talk must not hold the floor of a plenary;
- an organiser demoted while their socket is open loses organiser powers at once, and
  does not get them back by resuming the seat with the old resume token.
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from websockets.asyncio.client import ClientConnection, connect

from conference.app import create_app
from conference.settings import Settings
from conference.storage.engine import session
from conference.storage.tables import Conference, Person, Session
from tests.support.live import free_port, serving

from .test_rooms_web_live import sign_in_over_http

pytestmark = pytest.mark.integration


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


async def _next(ws: ClientConnection, type: str, within: float = 10) -> dict[str, Any]:
    async with asyncio.timeout(within):
        while True:
            message: dict[str, Any] = json.loads(await ws.recv())
            if message["type"] == type:
                return message


async def _error_about(ws: ClientConnection, about: str) -> str:
    async with asyncio.timeout(10):
        while True:
            message: dict[str, Any] = json.loads(await ws.recv())
            if message["type"] == "error" and message.get("about") == about:
                return str(message["code"])


def _room_id(http: httpx.Client, session_id: int) -> str:
    page = http.get(f"/rooms/session/{session_id}")
    assert page.status_code == 200, page.text
    return page.text.split('data-room-id="', 1)[1].split('"', 1)[0]


def _session_id(engine: Engine, title: str) -> int:
    with session(engine) as db:
        found = db.exec(select(Session).where(Session.title == title)).one()
        assert found.id is not None
        return found.id


def _seed(engine: Engine) -> None:
    """A lightning block (so talks can be submitted) and a second organiser, Bea."""
    with session(engine) as db:
        conference = db.exec(select(Conference)).one()
        assert conference.id is not None
        db.add(
            Session(
                conference_id=conference.id, title="Lightning talks", kind="lightning",
                start=datetime(2026, 12, 5, 16, 0, tzinfo=UTC),
                end=datetime(2026, 12, 5, 16, 30, tzinfo=UTC),
                floor_languages=["en"], interpretation_languages=["fr"],
            )
        )  # fmt: skip
        db.add(Person(name="Bea Organiser", email="bea@example.org", roles=["organiser"]))


async def _hello(ws: ClientConnection, resume_token: str | None = None) -> dict[str, Any]:
    hello: dict[str, Any] = {"type": "hello", "protocol": 1}
    if resume_token:
        hello["resume_token"] = resume_token
    await ws.send(json.dumps(hello))
    return await _next(ws, "welcome")


async def test_submitting_a_talk_gives_no_floor_in_a_plenary(engine: Engine) -> None:
    _seed(engine)
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    settings = Settings(
        database_url=str(engine.url), secret_key="live-auth-" + "s" * 32, site_url=site
    )
    app = create_app(settings, engine)
    mailer = app.state.services.mailer
    with serving(app, port), httpx.Client(base_url=site, follow_redirects=True) as http:
        await asyncio.to_thread(sign_in_over_http, http, mailer, "ada@example.org")
        form = await asyncio.to_thread(http.get, "/talks/new")
        talk = {
            "title": "Wikidata for small languages", "abstract": "Lexemes.", "language": "en",
            "duration_minutes": "4", "slides_url": "", "timezone": "UTC",
            "window_start": ["2026-12-05T16:00"], "window_end": ["2026-12-05T16:30"],
            "csrf_token": _csrf(form.text),
        }  # fmt: skip
        saved = await asyncio.to_thread(http.post, "/talks/new", data=talk)
        assert "Your talk is saved." in saved.text
        room_id = await asyncio.to_thread(_room_id, http, _session_id(engine, "Opening plenary"))

        headers = {"Cookie": f"session={http.cookies['session']}", "Origin": site}
        async with connect(f"ws://127.0.0.1:{port}/ws", additional_headers=headers) as ws:
            welcome = await _hello(ws)
            assert welcome["you"]["roles"] == ["participant"]
            await ws.send(json.dumps({"type": "join", "room_id": room_id}))
            snapshot = await _next(ws, "room_snapshot")
            assert (snapshot["room"]["kind"], snapshot["you"]["has_floor"]) == ("plenary", False)
            assert snapshot["you"]["may_publish"] is False
            await ws.send(json.dumps({"type": "mute_self", "muted": False}))
            assert await _error_about(ws, "mute_self") == "not_allowed"


async def test_a_demoted_organiser_loses_organiser_powers_on_an_open_socket(
    engine: Engine,
) -> None:
    _seed(engine)
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    settings = Settings(
        database_url=str(engine.url), secret_key="live-auth-" + "s" * 32, site_url=site
    )
    app = create_app(settings, engine)
    mailer = app.state.services.mailer
    with session(engine) as db:
        bea = db.exec(select(Person).where(Person.email == "bea@example.org")).one()
    with (
        serving(app, port),
        httpx.Client(base_url=site, follow_redirects=True) as olu_http,
        httpx.Client(base_url=site, follow_redirects=True) as bea_http,
        httpx.Client(base_url=site, follow_redirects=True) as ada_http,
    ):
        for http, email in ((olu_http, "organiser"), (bea_http, "bea"), (ada_http, "ada")):
            await asyncio.to_thread(sign_in_over_http, http, mailer, f"{email}@example.org")
        room_id = await asyncio.to_thread(
            _room_id, bea_http, _session_id(engine, "Opening plenary")
        )
        ws_url = f"ws://127.0.0.1:{port}/ws"

        def headers(http: httpx.Client) -> dict[str, str]:
            return {"Cookie": f"session={http.cookies['session']}", "Origin": site}

        async with (
            connect(ws_url, additional_headers=headers(bea_http)) as bea_ws,
            connect(ws_url, additional_headers=headers(ada_http)) as ada_ws,
        ):
            welcomes = []
            for ws in (bea_ws, ada_ws):
                welcomes.append(await _hello(ws))
                await ws.send(json.dumps({"type": "join", "room_id": room_id}))
                await _next(ws, "room_snapshot")
            ada_seat = (await _next(bea_ws, "presence_joined"))["participant"]["seat_id"]
            # Bea is an organiser: she may give the floor.
            await bea_ws.send(json.dumps({"type": "give_floor", "seat_id": ada_seat}))
            assert (await _next(ada_ws, "presence_updated"))["participant"]["has_floor"] is True

            # Olu takes the organiser role away from Bea while her socket is open.
            page = await asyncio.to_thread(olu_http.get, f"/organiser/people/{bea.id}")
            done = await asyncio.to_thread(
                olu_http.post,
                f"/organiser/people/{bea.id}",
                data={"roles": ["participant"], "csrf_token": _csrf(page.text)},
            )
            assert done.status_code == 200 and "changed" in str(done.url)
            # Everyone in the room sees her new roles; her next organiser message is refused.
            update = await _next(ada_ws, "presence_updated")
            assert update["participant"]["roles"] == ["participant"]
            for message in (
                {"type": "take_floor", "seat_id": ada_seat},
                {"type": "mute", "seat_id": ada_seat},
            ):
                await bea_ws.send(json.dumps(message))
                assert await _error_about(bea_ws, str(message["type"])) == "forbidden"
            # A demoted organiser no longer speaks in a plenary without the floor.
            await bea_ws.send(json.dumps({"type": "mute_self", "muted": False}))
            assert await _error_about(bea_ws, "mute_self") == "not_allowed"
            old_token = welcomes[0]["resume_token"]  # given while she was an organiser

        # She drops, signs in again (losing a role ended her old cookie), and resumes the
        # seat with the resume token she was given as an organiser.
        bea_http.cookies.clear()
        await asyncio.to_thread(sign_in_over_http, bea_http, mailer, "bea@example.org")
        async with connect(ws_url, additional_headers=headers(bea_http)) as again:
            welcome = await _hello(again, old_token)
            assert (welcome["resumed"], welcome["you"]["roles"]) == (True, ["participant"])
            await again.send(json.dumps({"type": "mute", "seat_id": ada_seat}))
            assert await _error_about(again, "mute") == "forbidden"

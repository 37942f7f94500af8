"""A signed-in browser's cookie opens the websocket, against a real server on loopback.

(Starlette's test client cancels an accepted websocket's task on exit, which the
connection's cleanup does not always survive, so accepted sockets are tested here.)
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from conference.app import create_app
from conference.settings import Settings
from rooms.signalling import Identity
from tests.support.live import free_port, serving

pytestmark = pytest.mark.integration


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def sign_in_over_http(http: httpx.Client, mailer: object, email: str) -> None:
    """The real flow: ask for a link, open it, confirm with its CSRF token."""
    form = http.get("/signin")
    http.post("/signin", data={"email": email, "next": "/", "csrf_token": _csrf(form.text)})
    body = mailer.sent[-1].get_content()  # type: ignore[attr-defined]
    match = re.search(r"/signin/[\w-]+\?next=\S*", body)
    assert match, "the mail holds no sign-in link"
    confirm = http.get(match.group(0))
    done = http.post(match.group(0), data={"csrf_token": _csrf(confirm.text), "next": "/"})
    assert done.status_code in (200, 303), done.text


async def test_a_signed_in_browser_is_seated_as_itself(engine: Engine, tmp_path: Path) -> None:
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    settings = Settings(
        database_url=str(engine.url), secret_key="rooms-live-" + "s" * 32, site_url=site
    )
    app = create_app(settings, engine)
    with serving(app, port), httpx.Client(base_url=site, follow_redirects=True) as http:
        mailer = app.state.services.mailer
        await asyncio.to_thread(sign_in_over_http, http, mailer, "ada@example.org")
        page = await asyncio.to_thread(http.get, "/rooms/session/2")
        room_id = page.text.split('data-room-id="', 1)[1].split('"', 1)[0]
        cookie = f"session={http.cookies['session']}"
        ws_url = f"ws://127.0.0.1:{port}/ws"

        with pytest.raises(InvalidStatus) as refused:
            await connect(
                ws_url, additional_headers={"Cookie": cookie, "Origin": "http://evil.example"}
            )
        assert refused.value.response.status_code == 403

        headers = {"Cookie": cookie, "Origin": site}
        async with connect(ws_url, additional_headers=headers, open_timeout=10) as ws:
            await ws.send(json.dumps({"type": "hello", "protocol": 1}))
            welcome = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert (welcome["type"], welcome["you"]["display_name"], welcome["you"]["roles"]) == (
                "welcome",
                "Ada <b>Lovelace</b>",
                ["participant"],
            )
            await ws.send(json.dumps({"type": "join", "room_id": room_id}))
            snapshot = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert (snapshot["type"], snapshot["room"]["kind"], snapshot["room"]["title"]) == (
                "room_snapshot",
                "breakout",
                "Safety and inclusion",
            )
            # The low-data extension, which the application installs on its registry.
            await ws.send(json.dumps({"type": "low_data", "enabled": True}))
            assert json.loads(await asyncio.wait_for(ws.recv(), 10)) == {
                "type": "low_data_set",
                "enabled": True,
                "bitrate": 9000,
                "megabytes_per_hour": 7.6,
            }

            # A client with a token needs no Origin and no cookie.
            token = app.state.services.extras["rooms"].tokens.issue(
                Identity.of("bot-1", "Bot", ["participant"])
            )
            async with connect(f"{ws_url}?token={token}", open_timeout=10) as bot:
                await bot.send(json.dumps({"type": "hello", "protocol": 1}))
                welcome = json.loads(await asyncio.wait_for(bot.recv(), 10))
                assert welcome["you"]["display_name"] == "Bot"

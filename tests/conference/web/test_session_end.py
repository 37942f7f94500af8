"""Signing out and losing a role end the old session cookies, copies included."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from conference.storage.engine import session
from conference.storage.tables import Person

from .conftest import csrf, sign_in

pytestmark = pytest.mark.integration
SITE = "http://127.0.0.1:8000"


def _copy(client: TestClient) -> TestClient:
    """A second browser holding a stolen copy of ``client``'s session cookie."""
    thief = TestClient(client.app, base_url=SITE)
    thief.cookies.set("session", client.cookies["session"])
    return thief


def _signed_in(client: TestClient) -> bool:
    return "Sign out" in client.get("/programme").text


def _socket_opens(via: TestClient, cookie: str) -> bool:
    """Whether a browser sending ``cookie`` gets a live-room socket (through ``via``'s portal)."""
    headers = {"origin": SITE, "cookie": f"session={cookie}"}
    try:
        with via.websocket_connect("/ws", headers=headers) as ws:
            ws.send_json({"type": "hello", "protocol": 1})
            assert ws.receive_json()["type"] == "welcome"
            ws.close()
            return True
    except WebSocketDisconnect as refused:
        assert refused.code == 1008
        return False


def test_a_copied_cookie_stops_working_after_sign_out(client: TestClient) -> None:
    sign_in(client, "organiser@example.org")
    thief = _copy(client)
    assert _signed_in(thief)
    assert thief.get("/organiser/registrants.csv").status_code == 200
    copied = thief.cookies["session"]
    assert _socket_opens(client, copied)

    client.post("/signout", data={"csrf_token": csrf(client.get("/programme").text)})

    assert not _signed_in(thief)
    stolen = thief.get("/organiser/registrants.csv", follow_redirects=False)
    assert stolen.status_code == 303 and stolen.headers["location"].startswith("/signin")
    assert not _socket_opens(client, copied)
    # Signing in again works, with a new cookie.
    sign_in(client, "organiser@example.org")
    assert _signed_in(client)


def test_losing_a_role_ends_the_old_cookies(client: TestClient, engine: Engine) -> None:
    with session(engine) as db:
        db.add(Person(name="Dana Demoted", email="dana@example.org", roles=["organiser"]))
    dana = TestClient(client.app, base_url=SITE)
    sign_in(dana, "dana@example.org")
    assert dana.get("/organiser").status_code == 200
    old = dana.cookies["session"]
    assert _socket_opens(client, old)

    sign_in(client, "organiser@example.org")
    with session(engine) as db:
        dana_id = db.exec(select(Person.id).where(Person.email == "dana@example.org")).one()
    page = client.get(f"/organiser/people/{dana_id}")
    client.post(
        f"/organiser/people/{dana_id}",
        data={"roles": ["participant"], "csrf_token": csrf(page.text)},
    )

    assert not _signed_in(dana)
    assert dana.get("/organiser", follow_redirects=False).status_code == 303
    assert not _socket_opens(client, old)


def test_gaining_a_role_keeps_the_session(client: TestClient, engine: Engine) -> None:
    with session(engine) as db:
        db.add(Person(name="Sam Speaker", email="sam@example.org", roles=["participant"]))
    sam = TestClient(client.app, base_url=SITE)
    sign_in(sam, "sam@example.org")
    sign_in(client, "organiser@example.org")
    page = client.get("/organiser/people/2")
    client.post(
        "/organiser/people/2",
        data={"roles": ["participant", "interpreter"], "csrf_token": csrf(page.text)},
    )
    assert _signed_in(sam)

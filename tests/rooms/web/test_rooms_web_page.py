"""The room page, the connect endpoints, and who the websocket lets in."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from sqlmodel import select
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from rooms.signalling import Identity
from rooms.web.live import EXTRAS_KEY, LiveRooms
from tests.conference.web.conftest import csrf, sign_in
from tests.rooms.web.conftest import NASTY_TITLE, SITE

pytestmark = pytest.mark.integration


class _Attributes(HTMLParser):
    """The attributes of the element with a given id."""

    def __init__(self, element_id: str) -> None:
        super().__init__()
        self.element_id = element_id
        self.found: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if dict(attrs).get("id") == self.element_id:
            self.found = dict(attrs)


def attributes(html: str, element_id: str) -> dict[str, str | None]:
    parser = _Attributes(element_id)
    parser.feed(html)
    assert parser.found is not None, f"no #{element_id}"
    return parser.found


def browser_headers(client: TestClient, origin: str = SITE) -> dict[str, str]:
    """What a browser sends on the upgrade: its Origin and the session cookie.

    The test client talks to ws://testserver, which its cookie jar does not match.
    """
    headers = {"origin": origin}
    if "session" in client.cookies:
        headers["cookie"] = f"session={client.cookies['session']}"
    return headers


def live(client: TestClient) -> LiveRooms:
    return client.app.state.services.extras[EXTRAS_KEY]  # type: ignore[attr-defined,no-any-return]


def test_the_room_page_asks_to_sign_in_first(client: TestClient) -> None:
    response = client.get("/rooms/session/1", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (
        303,
        "/signin?next=/rooms/session/1",
    )


def test_the_room_page_escapes_the_title_and_carries_what_the_scripts_need(
    client: TestClient,
) -> None:
    sign_in(client, "ada@example.org")
    response = client.get("/rooms/session/3")
    assert response.status_code == 200
    assert NASTY_TITLE not in response.text
    assert "<b>Lovelace</b>" not in response.text
    assert (
        "&lt;script&gt;alert(&#34;room&#34;)&lt;/script&gt; &amp; &#39;quotes&#39;" in response.text
    )

    room = attributes(response.text, "room")
    registry = live(client).registry
    room_id = registry.room_for_session("3")
    assert {
        "room_id": room["data-room-id"],
        "session_id": room["data-session-id"],
        "ws_url": room["data-ws-url"],
        "ice": json.loads(room["data-ice-servers"] or ""),
        "roles": json.loads(room["data-roles"] or ""),
        "name": room["data-display-name"],
        "slots": room["data-floor-slots"],
        "use": json.loads(room["data-data-use"] or ""),
    } == {
        "room_id": room_id,
        "session_id": "3",
        "ws_url": "ws://127.0.0.1:8000/ws",
        "ice": [],
        "roles": ["participant"],
        "name": "Ada <b>Lovelace</b>",
        "slots": "3",
        "use": {
            "normal": {"bitrate": 32000, "megabytes_per_hour": 24.9},
            "low": {"bitrate": 9000, "megabytes_per_hour": 7.6},
            "video": {"bitrate": 500000, "megabytes_per_hour": 225},
        },
    }
    assert "Raise hand" in json.loads(room["data-texts"] or "")["raise_hand"]
    # Opening the page told the registry the session's kind and title.
    assert (registry.rooms[room_id].kind.value, registry.rooms[room_id].title) == (
        "social",
        NASTY_TITLE,
    )
    assert '<script type="module" src="/static/js/ui/room.js"></script>' in response.text
    # Only organisers get the organiser's panel.
    assert 'id="organiser"' not in response.text


def test_an_unknown_session_has_no_room(client: TestClient) -> None:
    sign_in(client, "ada@example.org")
    assert client.get("/rooms/session/99").status_code == 404


def test_the_programme_offers_join_links_to_people_signed_in(client: TestClient) -> None:
    assert 'href="/rooms/session/1"' not in client.get("/programme").text
    sign_in(client, "organiser@example.org")
    page = client.get("/programme").text
    assert 'href="/rooms/session/1"' in page and 'href="/rooms/session/2"' in page


def test_a_signed_in_person_gets_a_token_for_non_browser_clients(client: TestClient) -> None:
    sign_in(client, "organiser@example.org")
    assert client.post("/rooms/token", data={"csrf_token": "wrong"}).status_code == 403
    token_page = client.get("/programme").text
    response = client.post("/rooms/token", data={"csrf_token": csrf(token_page)})
    assert response.status_code == 200
    body = response.json()
    assert body["expires_in"] == 300
    assert live(client).tokens.verify(body["token"]) == Identity.of(
        "1", "Olu Organiser", ["organiser"]
    )

    info = client.get(
        "/rooms/session/2/connect",
        headers={"authorization": f"Bearer {body['token']}"},
        cookies={},
    )
    assert info.json() == {
        "session_id": 2,
        "title": "Safety and inclusion",
        "room_id": live(client).registry.room_for_session("2"),
        "ws_url": "ws://127.0.0.1:8000/ws",
        "ice_servers": [],
        "listen_only": None,  # one process: everyone sits in the room
    }


def test_connect_info_needs_a_valid_token_or_a_session(client: TestClient) -> None:
    assert client.get("/rooms/session/2/connect").status_code == 401
    bad = client.get("/rooms/session/2/connect", headers={"authorization": "Bearer nonsense"})
    assert bad.status_code == 401
    token = live(client).tokens.issue(Identity.of("bot", "Bot", ["participant"]))
    missing = client.get("/rooms/session/99/connect", headers={"authorization": f"Bearer {token}"})
    assert missing.status_code == 404


def test_the_websocket_refuses_a_foreign_origin_even_with_a_session(client: TestClient) -> None:
    sign_in(client, "ada@example.org")
    assert "cookie" in browser_headers(client)
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        client.websocket_connect("/ws", headers=browser_headers(client, "http://evil.example")),
    ):
        pass
    assert refused.value.code == 1008


def test_the_websocket_refuses_an_anonymous_browser(client: TestClient) -> None:
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        client.websocket_connect("/ws", headers=browser_headers(client)),
    ):
        pass
    assert refused.value.code == 1008
    with pytest.raises(WebSocketDisconnect), client.websocket_connect("/ws"):
        pass  # no Origin and no token: not a browser, and not a client with a token


def test_the_organiser_page_carries_the_applied_breakout_plan(client: TestClient, engine) -> None:
    from conference.storage.engine import session
    from conference.storage.tables import BreakoutAssignment, BreakoutRoom, Person, Registration

    with session(engine) as db:
        ada = db.exec(select(Person).where(Person.email == "ada@example.org")).one()
        registration = Registration(
            conference_id=1, person_id=ada.id, languages=["en"], timezone="UTC", token="t" * 43
        )
        db.add(registration)
        room = BreakoutRoom(
            session_id=2,
            name="Room 1",
            topic="Safety <and> inclusion",
            capacity=8,
            languages=["en"],
        )
        db.add(room)
        db.flush()
        db.add(BreakoutAssignment(registration_id=registration.id, room_id=room.id))
        ada_id = ada.id

    sign_in(client, "organiser@example.org")
    html = client.get("/rooms/session/2").text
    planned = json.loads(attributes(html, "breakout-form")["data-planned"] or "")
    assert planned == [{"title": "Room 1: Safety <and> inclusion", "people": [str(ada_id)]}]
    assert "as planned by the breakout planner" in html

    # A participant's page carries no plan (and has no organiser form at all).
    client.cookies.clear()
    sign_in(client, "ada@example.org")
    assert 'id="breakout-form"' not in client.get("/rooms/session/2").text


def test_the_room_page_names_roles_in_the_viewer_s_language(client: TestClient) -> None:
    sign_in(client, "ada@example.org")
    client.cookies.set("lang", "zh-Hans")
    room = attributes(client.get("/rooms/session/3").text, "room")
    texts = json.loads(room["data-texts"] or "")
    assert [texts[f"role_{role}"] for role in ("participant", "speaker", "interpreter")] == [
        "参会者",
        "演讲者",
        "译员",
    ]

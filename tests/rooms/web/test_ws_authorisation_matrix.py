"""Every websocket message type × every role, with the outcome each must get (issue 10).

A message type the application's server speaks without a row here fails the test.

Roles, on the real application (``create_app``, uvicorn on loopback, ``seed_roles``): anonymous
(no session and no token), participant, an interpreter of another session's booth, a speaker
whose talk is not reviewed yet, a speaker, an organiser, an organiser demoted while their
socket is open (through the application's own role-change hook), and, so that the booth
messages have someone who may send them, an interpreter assigned to the plenary's booth.
Everyone sits in the plenary (session 1) and aims at a bystander's seat, or at the main
room of session 2 where they are not.

Outcomes:
- ``refused``: the socket is refused at the handshake (HTTP 403), so no message gets in;
- ``forbidden``: the ``forbidden`` error (the sender's roles do not allow the message);
- ``not_allowed``: the ``not_allowed`` error (allowed to send it, but not to do it here: to
  unmute in a plenary without the floor, for instance);
- ``passes``: the role check let it through (it was carried out, or refused for the state
  of things: ``invalid_state``, ``not_found``, ``malformed``, ``media_failed``...).
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from conference.app import create_app
from conference.domain.people import Role as PersonRole
from conference.settings import Settings
from conference.storage import people
from conference.storage.engine import make_engine, session
from conference.storage.tables import Booth, BoothMember, Person
from rooms.signalling import Identity, Limits
from rooms.web.auth import identity_of
from rooms.web.live import EXTRAS_KEY, LiveRooms
from tests.support.live import free_port, serving
from tests.support.roles import EMAILS, seed_roles

pytestmark = pytest.mark.integration

ROLES = [
    "anonymous",
    "participant",
    "other_interpreter",
    "unreviewed_speaker",
    "speaker",
    "booth_interpreter",
    "demoted_organiser",
    "organiser",  # last: what an organiser does (breakouts, mutes) changes the room
]
PLENARY = 1


def row(default: str, **by_role: str) -> dict[str, str]:
    """A row; anonymous never gets a socket, whatever the message."""
    return {
        role: by_role.get(role, "refused" if role == "anonymous" else default) for role in ROLES
    }


EVERYONE = row("passes")
ORGANISERS = row("forbidden", organiser="passes")
BOOTH = row("forbidden", booth_interpreter="passes")
# Speaking in a plenary: those who hold the floor (a speaker, on entering) and organisers.
# An interpreter's seat in the room is no exception: their voice goes to the booth's channel.
UNMUTE = row("not_allowed", speaker="passes", organiser="passes")

# Each message type: what is sent (``{room}``, ``{target}`` are filled in) and its row.
MATRIX: dict[str, tuple[dict[str, Any], dict[str, str]]] = {
    "hello": ({"protocol": 1}, EVERYONE),  # a second hello: hello_required
    "ping": ({"nonce": "x"}, EVERYONE),
    "pong": ({"nonce": "x"}, EVERYONE),
    "join": ({"room_id": "{room}"}, EVERYONE),
    "leave": ({}, EVERYONE),
    "raise_hand": ({}, EVERYONE),
    "lower_hand": ({"seat_id": "{target}"}, ORGANISERS),  # someone else's hand
    "chat": ({"text": "hello"}, EVERYONE),
    "mute_self": ({"muted": False}, UNMUTE),
    "mute": ({"seat_id": "{target}"}, ORGANISERS),
    "ask_unmute": ({}, EVERYONE),
    "allow_unmute": ({"seat_id": "{target}"}, ORGANISERS),
    "move": ({"seat_id": "{target}", "room_id": "{room}"}, ORGANISERS),
    "give_floor": ({"seat_id": "{target}"}, ORGANISERS),
    "take_floor": ({"seat_id": "{target}"}, ORGANISERS),
    "breakout_open": ({"mode": "random", "rooms": [{"title": "A"}]}, ORGANISERS),
    # Nobody chooses in the random breakout the organiser's own breakout_open just opened.
    "breakout_choose": ({"room_id": "{room}"}, row("passes", organiser="not_allowed")),
    "breakout_countdown": ({"seconds": 60}, ORGANISERS),
    "breakout_broadcast": ({"text": "Two minutes"}, ORGANISERS),
    "breakout_close": ({}, ORGANISERS),
    "help_request": ({"text": "help"}, EVERYONE),
    "help_list": ({}, ORGANISERS),
    "help_resolve": ({"request_id": "nope"}, ORGANISERS),
    # A camera or a screen share needs the right to publish, as unmuting does.
    "camera": ({"on": True}, UNMUTE),
    "share": ({"on": True}, UNMUTE),
    "stop_share": ({"seat_id": "{target}"}, ORGANISERS),
    "offer": ({"sdp": "v=0\r\n"}, EVERYONE),
    "low_data": ({"enabled": False}, EVERYONE),
    "list_channels": ({}, EVERYONE),
    "select_language": ({"language": "original", "balance": 0.5}, EVERYONE),
    "select_sign_language": ({"language": None}, EVERYONE),
    "booth_enter": ({"room_id": "{room}"}, BOOTH),
    "on_air": ({"on": False}, BOOTH),
    "handover": ({"action": "cancel"}, BOOTH),
    "take_over": ({}, BOOTH),
    "cough": ({"coughing": False}, BOOTH),
    "retour": ({}, BOOTH),
    "booth_source": ({"source": "floor"}, BOOTH),
    "booth_chat": ({"text": "numbers on slide 4"}, BOOTH),
    "slow_down": ({}, BOOTH),
    "feed_health": (
        {"state": "good", "reasons": [], "loss_pct": 0.0, "jitter_ms": 0.0, "delay_ms": 0.0},
        BOOTH,
    ),
    "booth_open": ({"room_id": "{room}", "languages": ["de"], "members": []}, ORGANISERS),
    "board_watch": ({"room_id": "{room}"}, ORGANISERS),
    "stage_start": ({}, ORGANISERS),
    "stage_advance": ({}, ORGANISERS),
    "stage_skip": ({}, ORGANISERS),
    "stage_extend": ({}, ORGANISERS),
    "stage_finish": ({}, ORGANISERS),
    "stage_sync": ({}, EVERYONE),
    # Notes live in breakout rooms (the plenary has none: not_found); only organisers open
    # the notes of a room they are not in. Rapporteur and summary rules: tests/rooms/test_notes*.
    "notes_open": ({"room_id": "{other_room}"}, row("not_allowed", organiser="passes")),
    "notes_edit": ({"update": "AA=="}, EVERYONE),
    "notes_rapporteur": ({"seat_id": "{target}"}, EVERYONE),
    "notes_summary": ({"room_id": "{other_room}", "text": "We agreed."}, EVERYONE),
    # Captions come only from the session's rostered captioners, whatever the role; nobody
    # here is rostered (tests/rooms/test_captions.py covers a captioner).
    "caption_send": ({"language": "en", "text": "Welcome."}, row("not_allowed")),
}


@dataclass
class Site:
    url: str
    site: str
    app: Any
    engine: Engine

    @property
    def live(self) -> LiveRooms:
        found = self.app.state.services.extras[EXTRAS_KEY]
        assert isinstance(found, LiveRooms)
        return found


@pytest.fixture
async def site(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[Site]:
    path = tmp_path / "matrix.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    seed_roles(engine)
    with session(engine) as db:
        ivo = Person(name="Ivo Interpreter", email="ivo@example.org", roles=["interpreter"])
        booth = Booth(session_id=PLENARY, language="es")
        db.add_all([ivo, booth])
        db.flush()
        assert ivo.id is not None and booth.id is not None
        db.add(BoothMember(booth_id=booth.id, person_id=ivo.id))
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    app = create_app(
        Settings(database_url=f"sqlite:///{path}", secret_key="matrix-" + "m" * 40, site_url=site),
        engine,
    )
    with serving(app, port):
        found = Site(f"ws://127.0.0.1:{port}/ws", site, app, engine)
        # The matrix sends 3 messages per probe; the rate limit is tested elsewhere.
        found.live.registry.limits = Limits(messages_per_second=1000, message_burst=1000)
        yield found
    engine.dispose()


def _person(engine: Engine, email: str) -> Person:
    with session(engine) as db:
        return db.exec(select(Person).where(Person.email == email)).one()


async def _open(site: Site, identity: Identity) -> ClientConnection:
    token = site.live.tokens.issue(identity)
    ws = await connect(f"{site.url}?token={token}", open_timeout=10, max_size=None)
    await ws.send(json.dumps({"type": "hello", "protocol": 1}))
    await _until(ws, lambda m: m["type"] == "welcome")
    return ws


async def _until(ws: ClientConnection, done: Any, within: float = 10) -> list[dict[str, Any]]:
    seen = []
    async with asyncio.timeout(within):
        while True:
            message = json.loads(await ws.recv())
            seen.append(message)
            if done(message):
                return seen


async def _probe(ws: ClientConnection, kind: str, fields: dict[str, Any]) -> str:
    """Send one message; the outcome, told by the errors that came before a ping's pong."""
    await ws.send(json.dumps({"type": kind, **fields}))
    nonce = f"after-{kind}"
    await ws.send(json.dumps({"type": "ping", "nonce": nonce}))
    seen = await _until(ws, lambda m: m == {"type": "pong", "nonce": nonce})
    codes = [m["code"] for m in seen if m["type"] == "error" and m.get("about") in (kind, None)]
    if "forbidden" in codes:
        return "forbidden"
    if "not_allowed" in codes:
        return "not_allowed"
    return "passes"


def _fill(fields: dict[str, Any], room: str, other: str, target: str) -> dict[str, Any]:
    text = json.dumps(fields).replace("{room}", room).replace("{target}", target)
    text = text.replace("{other_room}", other)
    filled: dict[str, Any] = json.loads(text)
    return filled


async def test_every_message_type_the_application_speaks_has_a_row(site: Site) -> None:
    # The running application's own catalog, with every extension it installs.
    assert sorted(site.live.registry.catalog.client) == sorted(MATRIX)


async def test_every_message_type_by_every_role(site: Site) -> None:
    live = site.live
    room = live.room_for_session(PLENARY, "plenary", "Opening plenary")
    other = live.room_for_session(2, "breakout", "Safety and inclusion")
    bystander = await _open(site, Identity.of("bystander", "Bea Bystander", ["participant"]))
    await bystander.send(json.dumps({"type": "join", "room_id": room}))
    welcome_target = next(
        s.seat_id for s in live.registry.seats.values() if s.person_id == "bystander"
    )
    emails = {**EMAILS, "booth_interpreter": "ivo@example.org"}
    outcomes: dict[str, dict[str, str]] = {kind: {} for kind in MATRIX}
    try:
        for role in ROLES:
            if role == "anonymous":
                with pytest.raises(InvalidStatus) as refused:
                    await connect(site.url, origin=site.site, open_timeout=10)  # type: ignore[arg-type]
                assert refused.value.response.status_code == 403
                for kind in MATRIX:
                    outcomes[kind][role] = "refused"
                continue
            person = _person(site.engine, emails[role])
            ws = await _open(site, identity_of(person))
            try:
                await ws.send(json.dumps({"type": "join", "room_id": room}))
                await _until(ws, lambda m: m["type"] == "room_snapshot")
                if role == "demoted_organiser":
                    with session(site.engine) as db:
                        dora = db.get(Person, person.id)
                        assert dora is not None
                        people.set_roles(db, dora, {PersonRole.PARTICIPANT})
                    for hook in site.app.state.services.on_roles_changed:
                        await hook([person.id])
                for kind, (fields, _) in MATRIX.items():
                    message = _fill(fields, room, other, welcome_target)
                    outcomes[kind][role] = await _probe(ws, kind, message)
                    # Back in the plenary for the next probe (leave, join, moves...).
                    await ws.send(json.dumps({"type": "join", "room_id": room}))
            finally:
                await ws.close()
    finally:
        await bystander.close()
    expected = {kind: want for kind, (_, want) in MATRIX.items()}
    wrong = {
        f"{kind} by {role}: {got} (expected {expected[kind][role]})"
        for kind, by_role in outcomes.items()
        for role, got in by_role.items()
        if got != expected[kind][role]
    }
    assert sorted(wrong) == []

"""Listen-only seats of a session larger than a node: where to listen, and the seat itself.

- ``GET /relay/listen?session=ID``: the node a new listener of the session goes to (its
  origin, or one of its edges once the origin holds its share), as ``{"node", "url",
  "ws_url"}``; asked again after that node stops answering, it names a live one.
- ``/relay/ws?session=ID&token=T`` (websocket, a connect token as for ``/ws``): one
  listen-only seat on this node. ``hello`` → ``welcome`` (``seat_id``, ``languages``,
  ``sign_languages``); ``offer`` → ``answer`` (the same slot layout as a room's seat: the
  floor slots carry the floor, the channel slot the chosen language, a pinned slot the
  signer of a chosen sign language); ``select_language`` (``language``, null for the floor
  only) → ``language`` (``language``, ``heard``: whether a voice, or for a sign language
  a signer, is on air in it now; ``sign``: whether it is a sign language); ``ping`` →
  ``pong`` (with ``languages``, ``sign_languages`` and ``listening`` as they are now).
  Nothing of it reaches the room but the node's count of listen-only seats
  (docs/protocol.md, "Listen-only seats").

:func:`listens_only` decides whether a person's room page sits down in such a seat rather
than in the room (rooms/web/views.py): a plain participant, once the origin holds its
share. The page cannot choose: organisers, speakers and interpreters always sit in the
room, and a listen-only seat never publishes.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from rooms.cluster.nodes import live
from rooms.cluster.relay_node import RelayNode
from rooms.domain.roles import Role
from rooms.media.errors import MediaError
from rooms.signalling import CloseCode, Identity
from rooms.signalling.errors import MediaFailed
from rooms.signalling.registry import Registry
from rooms.signalling.tokens import TOKEN_LIFETIME_S
from rooms.web.live import LiveRooms

__all__ = ["listen_routes", "listens_only", "seated_listeners", "where_to_listen"]

LISTEN_WS_PATH = "/relay/ws"
COUNT_FRESH_S = 5.0  # how old a session's count of listeners may be when a seat is told it


def listens_only(rooms: LiveRooms, session_id: str, room_id: str, identity: Identity) -> bool:
    """Whether this person's room page sits down as a listen-only seat (call it on the
    event loop, on the session's origin).

    Only a plain participant does, and only once the origin holds its share
    (``CONFERENCE_NODE_LISTENERS``): the plain participants seated in the room and the
    listen-only seats here together. Whoever may publish or hold the floor (organisers,
    speakers, interpreters) always sits in the room, and so does someone seated there
    already (a reload keeps their seat).
    """
    relay = rooms.relay
    if relay is None or relay.capacity <= 0 or not identity.roles <= {Role.PARTICIPANT}:
        return False
    seated = rooms.registry.seats_in([rooms.registry.room(room_id)])
    if any(seat.person_id == identity.person_id for seat in seated):
        return False
    plain = sum(1 for seat in seated if seat.roles <= {Role.PARTICIPANT})
    listening = sum(1 for seat in relay.seats.values() if seat.session_id == session_id)
    return plain + listening >= relay.capacity


def seated_listeners(registry: Registry) -> dict[str, int]:
    """Plain participants seated in each session's main room here (RelayNode.seated)."""
    core = registry.core
    found = {}
    for session_id, room_id in core.main_rooms.items():
        room = core.rooms.get(room_id)
        if room is not None:
            plain = sum(1 for seat in core.seats_in([room]) if seat.roles <= {Role.PARTICIPANT})
            if plain:
                found[session_id] = plain
    return found


async def where_to_listen(
    relay: RelayNode, session_id: str, unreachable: str = ""
) -> dict[str, str] | None:
    """``{"node", "url", "ws_url"}`` of the node a new listen-only seat of the session goes
    to; None when no live node serves it."""
    node_id = await relay.where_to_listen(session_id, unreachable)
    now = await relay.table.now()
    node = next((n for n in live(await relay.table.nodes(), now) if n.node_id == node_id), None)
    if node is None:
        return None
    return {
        "node": node.node_id,
        "url": node.public_url,
        "ws_url": _ws_url(node.public_url, session_id),
    }


def _ws_url(public_url: str, session_id: str) -> str:
    scheme, _, rest = public_url.partition("://")
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}{LISTEN_WS_PATH}?session={session_id}"


def listen_routes(find: Callable[[], LiveRooms | None]) -> list[BaseRoute]:
    counted: dict[str, tuple[float, int]] = {}  # session id -> (when, listeners on live nodes)

    async def listening(relay: RelayNode, session_id: str) -> int:
        """The session's listen-only seats on all live nodes, asked of Redis at most once
        every COUNT_FRESH_S per session (every seat pings)."""
        now = await relay.table.now()
        at, count = counted.get(session_id, (-COUNT_FRESH_S, 0))
        if now - at >= COUNT_FRESH_S:
            alive = {n.node_id for n in live(await relay.table.nodes(), now)}
            counts = await relay.listeners(session_id)
            count = sum(n for node, n in counts.items() if node in alive)
            counted[session_id] = (now, count)
        return count

    async def where(request: Request) -> JSONResponse:
        rooms = find()
        if rooms is None or rooms.relay is None:
            return JSONResponse({"error": "no listen-only seats here"}, status_code=404)
        session_id = request.query_params.get("session", "")
        if not session_id.isdigit():
            return JSONResponse(
                {"error": "session: give the session's number (?session=12)"}, status_code=400
            )
        unreachable = request.query_params.get("unreachable", "")
        if len(unreachable) > 64:
            return JSONResponse({"error": "unreachable: a node id, at most 64 characters"},
                                status_code=400)  # fmt: skip
        found = await where_to_listen(rooms.relay, session_id, unreachable)
        if found is None:
            return JSONResponse({"error": "no node serves this session now"}, status_code=503)
        return JSONResponse(found, headers={"Cache-Control": "no-store"})

    async def seat(websocket: WebSocket) -> None:
        rooms = find()
        session_id = websocket.query_params.get("session", "")
        identity = None
        if rooms is not None and rooms.relay is not None and session_id.isdigit():
            token = websocket.query_params.get("token", "")
            identity = rooms.tokens.redeem(token)
            if identity is not None and not await _spend_everywhere(rooms, token):
                identity = None  # already opened a seat on another node
        if rooms is None or rooms.relay is None or identity is None:
            await websocket.close(CloseCode.POLICY)
            return
        relay = rooms.relay
        await websocket.accept()
        seat = None
        try:
            while True:
                message: dict[str, Any] = json.loads(await websocket.receive_text())
                kind = message.get("type")
                if kind == "hello" and seat is None:
                    seat = await relay.listen(session_id)
                    seat.send_away = functools.partial(websocket.close, CloseCode.GOING_AWAY)
                    await _send(websocket, "welcome", seat_id=seat.seat_id,
                                languages=relay.languages(seat.seat_id), listen_only=True,
                                sign_languages=relay.sign_languages(seat.seat_id),
                                node=relay.node_id,
                                listening=await listening(relay, session_id))  # fmt: skip
                elif seat is None:
                    await _send(
                        websocket, "error", code="hello_required", message="Say hello first."
                    )
                elif kind == "offer":
                    try:
                        answer = await rooms.router.negotiate(seat.seat_id, str(message["sdp"]))
                    except MediaError as error:
                        await _send(websocket, "error", code=MediaFailed.code,
                                    message=f"your offer was refused: {error}")  # fmt: skip
                        continue
                    await _send(websocket, "answer", sdp=answer)
                elif kind == "select_language":
                    language = message.get("language")
                    sign = language in relay.sign_languages(seat.seat_id)
                    source = relay.choose_language(
                        seat.seat_id, None if language is None else str(language)
                    )
                    await _send(websocket, "language", language=language,
                                heard=source is not None, sign=sign)  # fmt: skip
                elif kind == "ping":
                    await _send(websocket, "pong", nonce=message.get("nonce"),
                                languages=relay.languages(seat.seat_id),
                                sign_languages=relay.sign_languages(seat.seat_id),
                                listening=await listening(relay, session_id))  # fmt: skip
        except (WebSocketDisconnect, ValueError, KeyError, TypeError):
            pass
        finally:
            if seat is not None:
                await relay.leave(seat.seat_id)
            with contextlib.suppress(Exception):
                await websocket.close()

    return [
        Route("/relay/listen", where, methods=["GET"], name="relay-listen"),
        WebSocketRoute(LISTEN_WS_PATH, seat, name="relay-seat"),
    ]


async def _spend_everywhere(rooms: LiveRooms, token: str) -> bool:
    """Spend a connect token in Redis too: each node keeps its own spent tokens, and a
    copied token would otherwise open one seat on every node. False if it was spent."""
    assert rooms.relay is not None
    table = rooms.relay.table
    digest = hashlib.sha256(token.encode()).hexdigest()
    spent = await table.client.set(
        table.key(f"relay:token:{digest}"), 1, nx=True, ex=TOKEN_LIFETIME_S + 1
    )
    return bool(spent)


async def _send(websocket: WebSocket, type: str, **fields: Any) -> None:
    await websocket.send_text(json.dumps({"type": type, **fields}))

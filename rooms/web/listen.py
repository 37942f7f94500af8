"""Listen-only seats of a session larger than a node: where to listen, and the seat itself.

- ``GET /relay/listen?session=ID``: the node a new listener of the session goes to (its
  origin, or one of its edges once the origin holds its share), as ``{"node", "url",
  "ws_url"}``; asked again after that node stops answering, it names a live one.
- ``/relay/ws?session=ID&token=T`` (websocket, a connect token as for ``/ws``): one
  listen-only seat on this node. ``hello`` → ``welcome`` (``seat_id``, ``languages``);
  ``offer`` → ``answer`` (the same slot layout as a room's seat: the floor slots carry the
  floor, the channel slot the chosen language); ``select_language`` (``language``, null
  for the floor only) → ``language`` (``language``, ``heard``: whether a voice is on air in
  it now); ``ping`` → ``pong``. Nothing of it reaches the room but the node's count of
  listen-only seats (docs/protocol.md, "Listen-only seats").
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from rooms.cluster.nodes import live
from rooms.media.errors import MediaError
from rooms.signalling import CloseCode
from rooms.signalling.errors import MediaFailed
from rooms.web.live import LiveRooms

__all__ = ["listen_routes"]

LISTEN_WS_PATH = "/relay/ws"


def _ws_url(public_url: str, session_id: str) -> str:
    scheme, _, rest = public_url.partition("://")
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}{LISTEN_WS_PATH}?session={session_id}"


def listen_routes(find: Callable[[], LiveRooms | None]) -> list[BaseRoute]:
    async def where(request: Request) -> JSONResponse:
        rooms = find()
        session_id = request.query_params.get("session", "")
        if rooms is None or rooms.relay is None or not session_id.isdigit():
            return JSONResponse({"error": "no listen-only seats here"}, status_code=404)
        relay = rooms.relay
        node_id = await relay.where_to_listen(
            session_id, request.query_params.get("unreachable", "")
        )
        now = await relay.table.now()
        node = next((n for n in live(await relay.table.nodes(), now) if n.node_id == node_id), None)
        if node is None:
            return JSONResponse({"error": "no node serves this session now"}, status_code=503)
        return JSONResponse(
            {
                "node": node.node_id,
                "url": node.public_url,
                "ws_url": _ws_url(node.public_url, session_id),
            }
        )

    async def seat(websocket: WebSocket) -> None:
        rooms = find()
        session_id = websocket.query_params.get("session", "")
        identity = None
        if rooms is not None and rooms.relay is not None and session_id.isdigit():
            identity = rooms.tokens.redeem(websocket.query_params.get("token", ""))
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
                                languages=relay.languages(seat.seat_id), listen_only=True)  # fmt: skip
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
                    source = relay.choose_language(
                        seat.seat_id, None if language is None else str(language)
                    )
                    await _send(websocket, "language", language=language, heard=source is not None)
                elif kind == "ping":
                    await _send(websocket, "pong", nonce=message.get("nonce"))
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


async def _send(websocket: WebSocket, type: str, **fields: Any) -> None:
    await websocket.send_text(json.dumps({"type": type, **fields}))

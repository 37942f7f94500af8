"""The websocket endpoint: origin and identity checks before accepting, then a Connection."""

from __future__ import annotations

import inspect
import logging
from typing import TYPE_CHECKING

from starlette.websockets import WebSocket

from rooms.signalling.connection import Connection
from rooms.signalling.errors import CloseCode
from rooms.signalling.identity import Authenticate, Identity

if TYPE_CHECKING:
    from rooms.signalling.registry import Registry
    from rooms.signalling.tokens import ConnectTokens

logger = logging.getLogger(__name__)


def _same_origin(origin: str, allowed: str | tuple[str, ...]) -> bool:
    """``allowed``: the site's origin, or several (a node also serves its own public URL)."""
    options = (allowed,) if isinstance(allowed, str) else allowed
    return origin.rstrip("/").lower() in {o.rstrip("/").lower() for o in options}


async def identify(
    websocket: WebSocket,
    authenticate: Authenticate,
    allowed_origin: str | tuple[str, ...],
    tokens: ConnectTokens | None,
) -> Identity | None:
    """Who is connecting, or None to refuse.

    A browser always sends Origin, and it must be the site's. Only a client holding a
    signed token (``?token=``) may connect without an Origin header.
    """
    origin = websocket.headers.get("origin")
    if origin is not None and not _same_origin(origin, allowed_origin):
        # Worth a line: a wrong CONFERENCE_SITE_URL refuses every browser.
        logger.warning(
            "refused a websocket from origin %r; this site is %r", origin[:200], allowed_origin
        )
        return None
    token = websocket.query_params.get("token")
    if token is not None:
        return tokens.redeem(token) if tokens is not None else None
    if origin is None:
        return None
    try:
        identity = authenticate(websocket)
        if inspect.isawaitable(identity):
            identity = await identity
    except Exception:  # a failing lookup refuses this connection, not the server
        logger.exception("authenticating a websocket failed")
        return None
    return identity


async def serve_websocket(
    websocket: WebSocket,
    registry: Registry,
    authenticate: Authenticate,
    allowed_origin: str | tuple[str, ...],
    tokens: ConnectTokens | None = None,
) -> None:
    identity = await identify(websocket, authenticate, allowed_origin, tokens)
    if identity is None:
        # Closing before accepting makes the server answer the handshake with HTTP 403.
        await websocket.close(CloseCode.POLICY)
        return
    await websocket.accept()
    await Connection(websocket, registry, identity).run()

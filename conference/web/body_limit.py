"""The request body cap, enforced while the body streams in (chunked bodies have no length)."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .messages import N_

MAX_BODY_BYTES = 6 * 1024 * 1024
TOO_LARGE = N_("This upload is too large (at most 6 MB).")


class BodyLimit:
    """Refuse a body past ``limit`` bytes as soon as it passes, whatever Content-Length says."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Raised from inside the view's read of the body, so the app's handler answers it.
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise HTTPException(413, TOO_LARGE)
            return message

        await self.app(scope, counted, send)

"""The composition root: builds the Starlette app from every package's routes, owns the lifespan.

This module and ``cli.py`` are the only places in ``conference`` that may import ``rooms``
and ``interpretation``.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .settings import Settings
from .storage.engine import make_engine
from .web import accounts, home, interpreter, organiser, programme, registration
from .web.mail import Mailer
from .web.page import Services
from .web.templating import environment

STATIC = Path(__file__).resolve().parent.parent / "static"
log = logging.getLogger("conference")

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        b"connect-src 'self' ws: wss:; media-src 'self' blob:; frame-ancestors 'none'",
    ),
]


class SecurityHeaders:
    """Headers that keep pages from being framed, sniffed or fed foreign scripts."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + SECURITY_HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> Starlette:
    settings = settings or Settings.from_env()
    engine = engine or make_engine(settings.database_url)
    services = Services(
        settings=settings,
        engine=engine,
        templates=environment(),
        mailer=Mailer(settings),
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.services = services
        try:
            yield
        finally:
            engine.dispose()

    routes: list[BaseRoute] = [
        *home.routes,
        *accounts.routes,
        *registration.routes,
        *programme.routes,
        *organiser.routes,
        *interpreter.routes,
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(
                SessionMiddleware,
                secret_key=settings.secret_key,
                session_cookie="session",
                max_age=14 * 24 * 3600,
                same_site="lax",
                https_only=settings.secure_cookies,
            ),
        ],
        exception_handlers={HTTPException: home.http_error, Exception: home.server_error},
        lifespan=lifespan,
    )
    app.state.services = services
    return app

"""The composition root: builds the Starlette app from every package's routes, owns the lifespan.

This module and ``cli.py`` are the only places in ``conference`` that may import ``rooms``
and ``interpretation``.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from prometheus_client import Histogram
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket

from interpretation.metrics import InterpretationCollector
from interpretation.signalling.service import Interpretation
from interpretation.web import views as interpretation_views
from interpretation.web.store import DatabaseBooths
from rooms import stage
from rooms.autocaptions import model as caption_model
from rooms.autocaptions.extension import AutoCaptions
from rooms.captions import Captions
from rooms.keeper import RedisSnapshotStore, SnapshotStore, conference_key
from rooms.metrics import RoomsCollector
from rooms.notes import Notes
from rooms.web import views as room_views
from rooms.web.auth import person_identities, session_authenticator
from rooms.web.captions_store import DatabaseAutoCaptions, DatabaseCaptioners
from rooms.web.listen import listen_routes
from rooms.web.live import EXTRAS_KEY, IcePlan, LiveRooms, signalling_route
from rooms.web.notes_store import DatabaseNotes

from . import cluster
from .settings import Settings
from .storage import live_snapshots
from .storage.engine import make_engine
from .web import (
    accounts,
    health,
    home,
    interpreter,
    lightning,
    log_redaction,
    organiser,
    polls,
    programme,
    registration,
    results,
    talks,
)
from .web.body_limit import BodyLimit
from .web.mail import Mailer
from .web.organiser.captioners import CAPTIONS_MODEL_KEY
from .web.page import Services
from .web.ratelimit import MailLimits
from .web.templating import environment

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "static"
# Template folders of the layers above conference, searched after conference's own.
EXTRA_TEMPLATES = [
    ROOT / "rooms" / "web" / "templates",
    ROOT / "interpretation" / "web" / "templates",
]
log = logging.getLogger("conference")

# The planners of docs/planning.md, by kind, for the organiser's planning pages.
# Each module is imported when first used: OR-Tools is slow to load, and a process that
# only carries live rooms never plans.
PLANNERS = {
    "roster": "interpretation.planning.roster",
    "lightning": "conference.planning.lightning",
    "breakouts": "rooms.planning.breakouts",
    "support": "conference.planning.support",
}


def _planner(kind: str, module: str, solve_seconds: Histogram) -> Callable[..., dict[str, Any]]:
    def plan(document: dict[str, Any], time_limit: float | None = None) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            result: dict[str, Any] = importlib.import_module(module).plan(document, time_limit)
        finally:
            solve_seconds.labels(kind).observe(time.perf_counter() - started)
        return result

    return plan


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


class DatabaseSnapshots:
    """The live snapshot in the database, for a deployment without Redis (``make run``)."""

    def __init__(self, engine: Engine, key: str) -> None:
        self.engine = engine
        self.key = key

    async def load(self) -> str | None:
        return await asyncio.to_thread(live_snapshots.load, self.engine, self.key)

    async def save(self, text: str) -> None:
        await asyncio.to_thread(live_snapshots.save, self.engine, self.key, text)

    async def aclose(self) -> None:
        return None  # the engine belongs to the app


def _caption_model_problem(spec: caption_model.ModelSpec) -> str | None:
    """Why automatic captions cannot run (None: the model is there and intact)."""
    try:
        caption_model.check(spec)
    except caption_model.CaptionModelError as exc:
        return str(exc)
    return None


def _snapshot_store(settings: Settings, engine: Engine) -> SnapshotStore:
    """Redis when the bus is Redis (shared by every process), else the database."""
    key = conference_key(settings.secret_key)
    if settings.node_id:
        # Several nodes: each keeps its own sessions' snapshot, never another node's.
        key = cluster.snapshot_key(settings, settings.node_id)
    if settings.bus_url.startswith(("redis:", "rediss:", "unix:")):
        return RedisSnapshotStore(settings.bus_url, key)
    return DatabaseSnapshots(engine, key)


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> Starlette:
    settings = settings or Settings.from_env()
    engine = engine or make_engine(settings.database_url)
    # One metrics registry per app (not prometheus_client's global one), so that two apps
    # in one process (the tests) keep their numbers apart.
    health_state = health.Health(engine, metrics_token=settings.metrics_token)
    solve_seconds = Histogram(
        "conference_planner_solve_seconds",
        "Time a planner took, by kind (roster, lightning, breakouts, support).",
        ["kind"],
        buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
        registry=health_state.metrics,
    )
    services = Services(
        settings=settings,
        engine=engine,
        templates=environment([d for d in EXTRA_TEMPLATES if d.is_dir()]),
        mailer=Mailer(settings),
        mail_limits=MailLimits.from_settings(settings),
        extras={
            "planners": {
                kind: _planner(kind, module, solve_seconds) for kind, module in PLANNERS.items()
            },
            "health": health_state,
        },
    )
    ice_plan = IcePlan.parse(settings.ice_servers, settings.turn_secret)
    interpretation = Interpretation(DatabaseBooths(engine))
    notes = Notes(DatabaseNotes(engine))
    captions = Captions(DatabaseCaptioners(engine))
    caption_spec = caption_model.ModelSpec(
        settings.captions_model,
        settings.captions_model_sha256 or caption_model.WHISPER_BASE_SHA256,
    )
    auto_captions = AutoCaptions(DatabaseAutoCaptions(engine), caption_spec, captions)
    interpretation.voice_watchers.append(auto_captions.booth_voices)  # a booth's output captioned
    services.extras[CAPTIONS_MODEL_KEY] = lambda: _caption_model_problem(caption_spec)
    services.extras[interpretation_views.EXTRAS_KEY] = interpretation
    health_state.metrics.register(RoomsCollector(lambda: services.extras.get(EXTRAS_KEY)))
    health_state.metrics.register(InterpretationCollector(interpretation))

    async def programme_sessions() -> set[str]:
        return await asyncio.to_thread(live_snapshots.programme_sessions, engine)

    # A node restarts with its own sessions only: others moved on while it was down.
    known_sessions = (
        cluster.placed_here(settings, programme_sessions)
        if settings.node_id
        else programme_sessions
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.services = services
        log_redaction.install()
        try:
            # The live rooms: one media router and one registry for this process.
            async with LiveRooms.open(
                bus_url=settings.bus_url,
                secret_key=settings.secret_key,
                allowed_origin=cluster.allowed_origins(settings),
                authenticate=session_authenticator(engine),
                ice_plan=ice_plan,
                loopback=settings.loopback_media,
                fast_send=settings.media_fast_send,
                recovery=settings.media_recovery,
                video_fast_send=settings.media_video_fast_send,
                extensions=[
                    interpretation.install,
                    stage.install,
                    notes.install,
                    captions.install,
                    auto_captions.install,
                ],
                snapshots=_snapshot_store(settings, engine),
                conference=conference_key(settings.secret_key),
                known_sessions=known_sessions,
            ) as live:
                services.extras[EXTRAS_KEY] = live
                if not settings.bus_url.startswith("memory:"):
                    health_state.checks["redis"] = live.registry.bus.ping
                node = None
                departure = None
                forgetting: asyncio.Task[None] | None = None
                if settings.node_id:
                    # One node of several: announced in Redis every second with its seats;
                    # `conference drain NODE` makes its readiness fail (conference/cluster.py).
                    async def on_draining(draining: bool) -> None:
                        health_state.draining = draining
                        if draining:  # the sessions move on: their people follow them
                            sent = await live.send_away()
                            log.info("draining: sent %d connections to other nodes", sent)
                            if live.relay is not None:  # listen-only seats ask again
                                sent = await live.relay.send_away()
                                log.info("draining: sent %d listen-only seats away", sent)

                    node = cluster.heartbeat(
                        settings, lambda: len(live.registry.seats), on_draining
                    )
                    await node.start()
                    # A session placed here after its node died is taken over from that
                    # node's snapshot, once, before anyone is served (rooms/keeper.py).
                    live.routing = cluster.routing(
                        settings, node, cluster.adopter(settings, live.registry)
                    )
                    # Sessions taken over elsewhere are dropped here (no stale copy).
                    forgetting = asyncio.create_task(cluster.forget_moved(live))
                    # Origin and edges of sessions larger than a node: the relay socket.
                    live.relay = await cluster.relay_node(settings, node, live)
                    interpretation.voice_watchers.append(live.relay.booth_voices)
                    interpretation.sign_watchers.append(live.relay.booth_signers)
                    # SIGTERM drains first (conference/serving.py NodeServer).
                    departure = cluster.Departure(node, live)
                    app.state.before_exit = departure
                try:
                    yield
                finally:
                    app.state.before_exit = None
                    if forgetting is not None:
                        forgetting.cancel()
                        with contextlib.suppress(asyncio.CancelledError):
                            await forgetting
                    if live.relay is not None:
                        interpretation.voice_watchers.remove(live.relay.booth_voices)
                        interpretation.sign_watchers.remove(live.relay.booth_signers)
                        await live.relay.stop()
                    if node is not None:
                        await node.stop()
                    if departure is not None:
                        await departure.done()
                    # Draining: readiness fails from here, so a balancer sends no one new.
                    health_state.draining = True
                    health_state.checks.pop("redis", None)
                    services.extras.pop(EXTRAS_KEY, None)
                    await notes.board.save()
        finally:
            services.mailer.close()
            engine.dispose()

    def live_rooms(websocket: WebSocket) -> LiveRooms | None:
        return services.extras.get(EXTRAS_KEY)

    identities = person_identities(engine)

    async def roles_changed(person_ids: list[int]) -> None:
        """Seats of these people take their new roles at once (resume re-reads them too)."""
        live: LiveRooms | None = services.extras.get(EXTRAS_KEY)
        if live is None:
            return
        for identity in await identities(person_ids):
            await live.registry.update_person(identity)

    services.on_roles_changed.append(roles_changed)

    routes: list[BaseRoute] = [
        *health.routes(health_state),
        *home.routes,
        *accounts.routes,
        *registration.routes,
        *programme.routes,
        *organiser.routes,
        *interpreter.routes,
        *talks.routes,
        *lightning.routes,
        *polls.routes,
        *results.routes,
        *room_views.routes,
        *interpretation_views.routes,
        signalling_route(live_rooms),
        *listen_routes(lambda: services.extras.get(EXTRAS_KEY)),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(BodyLimit),
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

"""The live-room services one server process owns: the registry, the media router, tokens.

The application's lifespan opens them (``async with LiveRooms.open(...)``) and keeps
them on ``Services.extras["rooms"]``; the websocket endpoint and the room pages find
them there, so a route list built before the lifespan still reaches them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from aiortc import RTCIceServer
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from rooms import lowdata
from rooms.cluster.relay_node import RelayNode
from rooms.cluster.routing import NodeRouting
from rooms.domain.errors import Conflict
from rooms.domain.room import RoomKind
from rooms.keeper import SnapshotKeeper, SnapshotStore
from rooms.media import ice
from rooms.media.router import MediaRouter
from rooms.signalling import Authenticate, CloseCode, ConnectTokens, Extension, Registry
from rooms.signalling.endpoint import serve_websocket
from rooms.signalling.messages import Redirect

__all__ = ["EXTRAS_KEY", "IcePlan", "LiveRooms", "room_kind", "signalling_route"]

log = logging.getLogger(__name__)

EXTRAS_KEY = "rooms"
SIGNALLING_PATH = "/ws"
# How long a drain waits for the connections it closed to let go of their seats (and a
# reconnection for the drain to finish) before going on regardless.
SETTLE_WITHIN_S = 3.0

# Programme session kinds (conference.domain.sessions) to live room kinds.
_ROOM_KINDS = {
    "plenary": RoomKind.PLENARY,
    "lightning": RoomKind.PLENARY,
    "breakout": RoomKind.BREAKOUT,
    "social": RoomKind.SOCIAL,
}


def room_kind(session_kind: str) -> RoomKind:
    """The live room kind for a programme session kind (unknown kinds: a workshop)."""
    return _ROOM_KINDS.get(session_kind, RoomKind.WORKSHOP)


@dataclass(frozen=True)
class IcePlan:
    """The deployment's STUN and TURN URLs; TURN gets fresh REST credentials per user."""

    stun_urls: tuple[str, ...] = ()
    turn_urls: tuple[str, ...] = ()
    turn_secret: str = field(default="", repr=False)

    @classmethod
    def parse(cls, urls: str, turn_secret: str = "") -> IcePlan:
        """From ``CONFERENCE_ICE_SERVERS`` (comma-separated ``stun:``/``turn:`` URLs)."""
        listed = [u.strip() for u in urls.split(",") if u.strip()]
        turn = tuple(u for u in listed if u.startswith(("turn:", "turns:")))
        stun = tuple(u for u in listed if u not in turn)
        if turn and not turn_secret:
            raise ValueError("TURN URLs in CONFERENCE_ICE_SERVERS need CONFERENCE_TURN_SECRET")
        return cls(stun, turn, turn_secret)

    def stun_servers(self) -> list[RTCIceServer]:
        return ice.ice_servers(list(self.stun_urls))

    def servers(self, user: str) -> list[RTCIceServer]:
        return ice.ice_servers(
            list(self.stun_urls), list(self.turn_urls), self.turn_secret or None, user=user
        )

    def for_browser(self, user: str) -> list[dict[str, object]]:
        return ice.browser_ice_servers(self.servers(user))


@dataclass
class LiveRooms:
    registry: Registry
    router: MediaRouter
    tokens: ConnectTokens
    authenticate: Authenticate
    allowed_origin: str | tuple[str, ...]
    ice_plan: IcePlan
    # One node of several: which node owns each session (rooms/cluster/routing.py).
    routing: NodeRouting | None = None
    keeper: SnapshotKeeper | None = None
    # Origin and edge of sessions larger than a node (rooms/cluster/relay_node.py).
    relay: RelayNode | None = None
    # Each open websocket, with what is set once its seat has let go of it.
    _sockets: dict[WebSocket, asyncio.Event] = field(default_factory=dict, init=False, repr=False)
    # Cleared while a drain sends people away: their reconnections wait here, so that no
    # session moves on before its last change is in this node's snapshot.
    _settled: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)
    _arriving: int = field(default=0, init=False, repr=False)  # waiting, or being sent on

    def __post_init__(self) -> None:
        self._settled.set()

    @classmethod
    @contextlib.asynccontextmanager
    async def open(
        cls,
        *,
        bus_url: str,
        secret_key: str,
        allowed_origin: str | tuple[str, ...],
        authenticate: Authenticate,
        ice_plan: IcePlan,
        loopback: bool,
        fast_send: bool = True,
        recovery: bool = True,
        video_fast_send: bool = True,
        extensions: Sequence[Extension] = (),
        snapshots: SnapshotStore | None = None,
        conference: str = "",
        known_sessions: Callable[[], Awaitable[set[str]]] | None = None,
    ) -> AsyncIterator[LiveRooms]:
        """``snapshots``: where the live state is kept across restarts (rooms/keeper.py)."""
        # The server only needs STUN: browsers behind strict firewalls relay through
        # TURN themselves, and fixed TURN credentials would expire under a long run.
        router = MediaRouter(
            ice_plan.stun_servers(),
            loopback=loopback,
            fast_send=fast_send,
            recovery=recovery,
            video_fast_send=video_fast_send,
        )
        try:
            registry = Registry.from_url(
                bus_url, media=router, extensions=[lowdata.install, *extensions]
            )
            async with registry:
                keeper = None
                if snapshots is not None:
                    keeper = SnapshotKeeper(
                        registry, snapshots, conference, known_sessions=known_sessions
                    )
                    await keeper.restore()  # before the first connection
                    keeper.start()
                try:
                    yield cls(
                        registry,
                        router,
                        ConnectTokens(secret_key),
                        authenticate,
                        allowed_origin,
                        ice_plan,
                        keeper=keeper,
                    )
                finally:
                    if keeper is not None:
                        await keeper.stop()
        finally:
            await router.aclose()

    def room_for_session(self, session_id: int | str, kind: str, title: str) -> str:
        """The session's main room id, telling the registry its kind and title first.

        Call it on the event loop: the registry is not shared with worker threads.
        """
        key = str(session_id)
        try:
            self.registry.describe_session(key, room_kind(kind), title)
        except Conflict:
            # The organiser changed the kind while people are in the room: keep the
            # old kind until it empties rather than change the rules under them.
            log.info("session %s keeps its room kind until its room is empty", key)
        return self.registry.room_for_session(key)

    @property
    def connections(self) -> int:
        """Open signalling websockets."""
        return len(self._sockets)

    async def serve(self, websocket: WebSocket) -> None:
        if self.routing is not None:
            self._arriving += 1
            try:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(SETTLE_WITHIN_S):
                        await self._settled.wait()
                if await self._redirected(websocket, self.routing):
                    return
            finally:
                self._arriving -= 1
        ended = self._sockets[websocket] = asyncio.Event()
        try:
            await serve_websocket(
                websocket, self.registry, self.authenticate, self.allowed_origin, self.tokens
            )
        finally:
            del self._sockets[websocket]
            ended.set()

    async def send_away(self, session_id: str | None = None) -> int:
        """Close every websocket with 1001 (a draining node), or those of one session:
        clients reconnect, and are redirected to their session's new node. How many were
        closed.

        Their seats go away here first, and the snapshot is saved with that, before any of
        them is sent on: the new node takes each session over from this snapshot, so what
        was acknowledged here is there (a reconnection waits meanwhile).
        """
        self._settled.clear()
        try:
            sockets = {
                websocket: ended
                for websocket, ended in self._sockets.items()
                if session_id is None or websocket.query_params.get("session") == session_id
            }
            for websocket in sockets:
                with contextlib.suppress(Exception):  # already closing: nothing to send away
                    await websocket.close(CloseCode.GOING_AWAY)
            if sockets:
                waits = [asyncio.ensure_future(ended.wait()) for ended in sockets.values()]
                _, late = await asyncio.wait(waits, timeout=SETTLE_WITHIN_S)
                for wait in late:
                    wait.cancel()
            if self.keeper is not None:
                await self.keeper.save_if_changed()
        finally:
            self._settled.set()
        return len(sockets)

    async def forget_moved(self) -> list[str]:
        """Drop the sessions that moved to another node once it has taken them over: a
        drained node that takes sessions again, or one that came back after it was thought
        dead, must not serve or save its old copy. Those dropped."""
        if self.routing is None:
            return []
        routing = self.routing
        here = list(self.registry.core.main_rooms)
        gone = []
        for session_id, node_id in (
            await routing.table.taken_elsewhere(routing.node_id, here)
        ).items():
            try:
                seats = await self.registry.forget_session(session_id)
            except Conflict:
                # People still connected here (this node was thought dead, and was not):
                # sent away, they come back and are sent on; the next sweep forgets it.
                sent = await self.send_away(session_id)
                if sent:
                    log.warning("session %s is on node %s now: sent %d connections there",
                                session_id, node_id, sent)  # fmt: skip
                continue
            log.info("session %s moved to node %s: forgot its copy here (%d seats)",
                     session_id, node_id, seats)  # fmt: skip
            gone.append(session_id)
        return gone

    async def quiet(self, for_s: float) -> None:
        """Return once no websocket has been open here (served, or being sent on) for
        ``for_s`` seconds."""
        loop = asyncio.get_running_loop()
        since = loop.time()
        while loop.time() - since < for_s:
            if self._sockets or self._arriving:
                since = loop.time()
            await asyncio.sleep(0.05)

    async def _redirected(self, websocket: WebSocket, routing: NodeRouting) -> bool:
        """Another node owns the session named in ``?session=``: say which, and close."""
        session_id = websocket.query_params.get("session", "")
        if not session_id.isdigit():
            return False
        owner = await routing.elsewhere(session_id)
        if owner is None:
            return False
        await websocket.accept()
        redirect = Redirect(url=owner.public_url, ws_url=websocket_url(owner.public_url))
        await websocket.send_text(json.dumps(redirect.to_dict()))
        await websocket.close(CloseCode.REDIRECTED)
        return True


def websocket_url(base_url: str) -> str:
    """The signalling websocket of the site (or node) at ``base_url``."""
    scheme, _, rest = base_url.partition("://")
    host = rest.split("/", 1)[0]
    return f"{'wss' if scheme == 'https' else 'ws'}://{host}{SIGNALLING_PATH}"


def signalling_route(
    find: Callable[[WebSocket], LiveRooms | None], path: str = SIGNALLING_PATH
) -> WebSocketRoute:
    """The ``/ws`` endpoint, looking the live services up on each connection."""

    async def endpoint(websocket: WebSocket) -> None:
        live = find(websocket)
        if live is None:  # the lifespan has not run (or has ended): nothing to talk to
            await websocket.close(CloseCode.GOING_AWAY)
            return
        await live.serve(websocket)

    return WebSocketRoute(path, endpoint, name="rooms-signalling")

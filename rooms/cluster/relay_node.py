"""One node's part in sessions larger than a node: origin of its own, edge of others'.

The lifespan owns one :class:`RelayNode` per ``conference serve --node-id`` process. Every
``UPKEEP_S`` (:meth:`RelayNode.upkeep`):

- as an origin (the session's owner), for each of its sessions that has edges
  (``relay:edges``): an :class:`~rooms.media.relay_feed.OriginRelay` taps the session's
  floor, its booths' voices on air (told by interpretation's voice watchers) and its
  sign-language booths' signers' cameras (its sign watchers), a fresh
  key is offered to each new edge (rooms.cluster.relays), and the session's relayed media
  (``relay:media:<session>``: the floor's source ids, the cameras shown and the screen
  shared there, the source of each language, the signer of each sign language) is written
  when it changes; its edges' keyframe
  requests are accepted on its relay socket and passed to the stream's publisher;
- as an edge: the origins' keys addressed to it are allowed on its relay socket, the floor
  sources are placed on the floor of its copy of the room (cameras on, the share), and each
  listen-only seat's channel follows the source of its language (a language switch is that,
  here, alone), or, for a sign language, its pinned video slot the signer's relayed camera
  (and it hears the floor alone); its keyframe requests go back to the origin a stream
  came from;
- everywhere: its listen-only seats per session go to ``relay:listeners:<session>`` (one
  count per node per upkeep, not an event per listener).

Listen-only seats (:meth:`listen`) come through ``/relay/ws`` (rooms/web/listen.py), sent
there by :meth:`where_to_listen`: the origin until it holds ``capacity`` listeners (its
listen-only seats and the plain participants seated in the room, ``relay:seated``), then
the edges (rooms.cluster.edges), which are chosen again whenever one is dead or draining.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

import redis.asyncio as redis

from rooms.cluster.edges import choose_edges, edge_for, edges_needed
from rooms.cluster.nodes import live
from rooms.cluster.placement import Placement
from rooms.cluster.relays import RelayDirectory, RelayPeer
from rooms.cluster.table import ClusterTable
from rooms.media.relay import (
    Address,
    KeyframeRequest,
    RelayChunk,
    RelayControlOut,
    RelayCounts,
    RelayPacket,
)
from rooms.media.relay_feed import EdgeIngest, OriginRelay
from rooms.media.relay_socket import RelaySocket
from rooms.media.router import MediaRouter

__all__ = ["UPKEEP_S", "ListenSeat", "RelayNode", "SessionMedia"]

log = logging.getLogger(__name__)

UPKEEP_S = 0.5


def listen_room(session_id: str) -> str:
    """The room an edge's copy of a session's floor and listeners are placed in."""
    return f"relay:{session_id}"


@dataclass(frozen=True)
class SessionMedia:
    """What the origin relays of a session: its floor's sources, each language's voice, the
    cameras its room shows (floor speakers') and the screen shared there, and each sign
    language's signer on air (a camera, seen in a pinned slot)."""

    floor: tuple[str, ...] = ()
    voices: Mapping[str, str] = field(default_factory=dict)
    cameras: tuple[str, ...] = ()
    share: str | None = None
    signers: Mapping[str, str] = field(default_factory=dict)

    def encode(self) -> str:
        return json.dumps({"floor": list(self.floor), "voices": dict(self.voices),
                           "cameras": list(self.cameras), "share": self.share,
                           "signers": dict(self.signers)})  # fmt: skip

    @classmethod
    def decode(cls, text: str | bytes | None) -> SessionMedia:
        if text is None:
            return cls()
        try:
            raw = json.loads(text)
            share = raw.get("share")
            return cls(
                tuple(str(s) for s in raw["floor"]),
                {str(k): str(v) for k, v in raw["voices"].items()},
                tuple(str(s) for s in raw.get("cameras", [])),
                None if share is None else str(share),
                {str(k): str(v) for k, v in raw.get("signers", {}).items()},
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return cls()

    @property
    def placed(self) -> tuple[str, ...]:
        """The sources an edge places on its copy of the floor: speakers heard or seen."""
        return (*self.floor, *(c for c in self.cameras if c not in self.floor))

    @property
    def sources(self) -> set[str]:
        shared = set() if self.share is None else {self.share}
        return {*self.floor, *self.cameras, *self.voices.values(), *self.signers.values(), *shared}

    @property
    def shown(self) -> set[str]:
        """The cameras an edge shows: floor speakers' and signers'."""
        return {*self.cameras, *self.signers.values()}


@dataclass
class ListenSeat:
    seat_id: str
    session_id: str
    room_id: str  # the session's room on its origin, or the edge's copy (listen_room)
    language: str | None = None
    pinned: str | None = None  # the signer its pinned video slot shows (a sign language)
    # Sends the listener away (its websocket closed with 1001): it asks where to go again.
    send_away: Callable[[], Awaitable[None]] | None = field(default=None, repr=False)

    @property
    def on_edge(self) -> bool:
        return self.room_id == listen_room(self.session_id)


@dataclass
class _Origin:
    relay: OriginRelay
    room_id: str
    edges: dict[str, RelayPeer] = field(default_factory=dict)
    voices: dict[str, str] = field(default_factory=dict)  # language -> seat tapped
    signers: dict[str, str] = field(default_factory=dict)  # sign language -> seat tapped
    written: SessionMedia | None = None


class RelayNode:
    def __init__(
        self,
        table: ClusterTable,
        node_id: str,
        instance: str,
        router: MediaRouter,
        room_for_session: Callable[[str], str],
        capacity: int,
        announce: Callable[[str, int], Awaitable[None]] | None = None,
        take_over: Callable[[Placement], Awaitable[None]] | None = None,
    ) -> None:
        """``announce(room_id, count)``: tell a session's main room its listen-only seats on
        every node (the origin calls it when the count changes). ``take_over(placement)``:
        restore a session newly placed here from its previous node's snapshot, as the
        routing does before anyone is served (rooms.cluster.routing); awaited before this
        node acts as the session's origin."""
        self.table = table
        self.directory = RelayDirectory(table)
        self.node_id = node_id
        self.instance = instance
        self.router = router
        self.room_for_session = room_for_session
        self.capacity = capacity
        self.ingest = EdgeIngest(router, ask=self._ask_keyframe)
        self.socket: RelaySocket | None = None
        self.seats: dict[str, ListenSeat] = {}
        self._origins: dict[str, _Origin] = {}
        self._voices: dict[str, dict[str, str | None]] = {}  # room id -> language -> seat
        self._signers: dict[str, dict[str, str | None]] = {}  # room id -> sign language -> seat
        self._media: dict[str, SessionMedia] = {}  # sessions this node is an edge of
        self._allowed: dict[str, RelayPeer] = {}
        self._control: dict[str, tuple[bytes, RelayControlOut]] = {}  # origin -> its key, sealer
        self._edges_heard: dict[str, RelayPeer] = {}  # edges whose keyframe requests we open
        self._announce = announce
        self._take_over = take_over
        # The origins of the sessions this node is an edge of: a packet from another peer
        # (an origin whose session moved on, for the moment before it stops) is dropped.
        self._feeding: set[str] = set()
        self.not_feeding = 0
        self._announced: dict[str, int] = {}  # session id -> count the room was told
        # Plain participants seated in each session's room here (the app sets it): as an
        # origin, they count with its listen-only seats towards its share.
        self.seated: Callable[[], Mapping[str, int]] = dict
        self._seated_written: dict[str, int] = {}
        self._task: asyncio.Task[None] | None = None

    # Life.

    async def start(self, host: str, port: int = 0) -> None:
        self.socket = await RelaySocket.open(host, port, on_packet=self._ingest)
        await self.directory.announce(self.node_id, self.instance, self.socket.address)
        self._task = asyncio.create_task(self._upkeep_forever(), name="relay upkeep")
        log.info("relay socket at %s:%d", *self.socket.address)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for origin in self._origins.values():
            self._untap(origin)
        self._origins.clear()
        if self.socket is not None:
            self.socket.close()

    async def _upkeep_forever(self) -> None:
        while True:
            await asyncio.sleep(UPKEEP_S)
            try:
                await self.upkeep()
            except (redis.RedisError, OSError) as exc:
                log.info("relay upkeep could not reach Redis: %s", exc)
            except Exception:
                log.exception("relay upkeep failed")

    # What interpretation says (a voice watcher): each booth's voice on air, per room.

    def booth_voices(self, room_id: str, voices: Mapping[str, str | None]) -> None:
        self._voices[room_id] = dict(voices)
        for origin in self._origins.values():
            if origin.room_id == room_id:
                self._tap_voices(origin)
        for seat in self.seats.values():  # listen-only seats here on the origin: a handover
            if seat.room_id == room_id and seat.language is not None:
                self.router.set_channel(seat.seat_id, voices.get(seat.language))

    # And its sign watcher: each sign-language booth's signer on air, per room.

    def booth_signers(self, room_id: str, signers: Mapping[str, str | None]) -> None:
        self._signers[room_id] = dict(signers)
        for origin in self._origins.values():
            if origin.room_id == room_id:
                self._tap_signers(origin)
        for seat in self.seats.values():  # listen-only seats here on the origin: a handover
            if seat.room_id == room_id and seat.language is not None and seat.language in signers:
                self._pin(seat, signers[seat.language])

    def _pin(self, seat: ListenSeat, signer: str | None) -> None:
        """Its pinned video slot shows ``signer``'s camera (None: nothing); the router is
        told only of a change (each call reconciles every seat)."""
        if seat.pinned != signer:
            seat.pinned = signer
            self.router.set_pinned(seat.seat_id, [signer])

    # Listen-only seats.

    async def listen(self, session_id: str) -> ListenSeat:
        """A listen-only seat here: in the session's room on its origin, else in this edge's
        copy of its floor."""
        here = await self._owns(session_id)
        room = self.room_for_session(session_id) if here else listen_room(session_id)
        seat = ListenSeat(f"listen-{secrets.token_hex(8)}", session_id, room)
        self.seats[seat.seat_id] = seat
        self.router.place(seat.seat_id, room, may_publish=False)
        return seat

    def choose_language(self, seat_id: str, language: str | None) -> str | None:
        """Its channel carries ``language``'s voice; the source id, None while none. A sign
        language: its pinned video slot shows the signer on air (the source id), and the
        channel is empty (the floor alone is heard)."""
        seat = self.seats[seat_id]
        seat.language = language
        signer = self._signers_of(seat).get(language or "")
        self._pin(seat, signer)
        if signer is not None:
            self.router.set_channel(seat_id, None)
            return signer
        source = self._voices_of(seat).get(language or "")
        self.router.set_channel(seat_id, source)
        return source

    def languages(self, seat_id: str) -> list[str]:
        return sorted(self._voices_of(self.seats[seat_id]))

    def sign_languages(self, seat_id: str) -> list[str]:
        """The sign languages a signer is on air in, for this seat's session."""
        return sorted(self._signers_of(self.seats[seat_id]))

    def _ingest(self, peer_id: str, packet: RelayPacket | RelayChunk | KeyframeRequest) -> None:
        if isinstance(packet, KeyframeRequest):
            # For whichever of its sessions relays that stream (none: it just stopped).
            for origin in [o for o in self._origins.values() if peer_id in o.edges]:
                origin.relay.keyframe_requested(peer_id, packet.ssrc)
        elif peer_id in self._feeding:
            self.ingest(peer_id, packet)
        else:
            self.not_feeding += 1

    def _ask_keyframe(self, origin_id: str, ssrc: int) -> None:
        """A keyframe request for the stream ``ssrc`` to the origin it came from (an edge)."""
        peer = self._allowed.get(origin_id)
        if peer is None or self.socket is None:
            return
        known = self._control.get(origin_id)
        if known is None or known[0] != peer.key:
            known = self._control[origin_id] = (peer.key, RelayControlOut(peer.key))
        self.socket.send(known[1].keyframe_request(ssrc), peer.address)

    async def send_away(self) -> int:
        """Close every listen-only seat's websocket (a draining node): each listener asks
        ``/relay/listen`` again, which no longer names this node. How many."""
        seats = [s for s in self.seats.values() if s.send_away is not None]
        for seat in seats:
            assert seat.send_away is not None
            with contextlib.suppress(Exception):
                await seat.send_away()
        return len(seats)

    async def leave(self, seat_id: str) -> None:
        if self.seats.pop(seat_id, None) is not None:
            await self.router.close(seat_id)

    def _voices_of(self, seat: ListenSeat) -> Mapping[str, str]:
        if seat.on_edge:
            return self._media.get(seat.session_id, SessionMedia()).voices
        return {k: v for k, v in self._voices.get(seat.room_id, {}).items() if v is not None}

    def _signers_of(self, seat: ListenSeat) -> Mapping[str, str]:
        if seat.on_edge:
            return self._media.get(seat.session_id, SessionMedia()).signers
        return {k: v for k, v in self._signers.get(seat.room_id, {}).items() if v is not None}

    # Where a listener goes.

    async def where_to_listen(self, session_id: str, unreachable: str = "") -> str | None:
        """The node id a new listen-only seat of ``session_id`` goes to (None: no node).

        ``unreachable``: the node the listener could not reach (an edge that died and whose
        heartbeat is not stale yet): not chosen for this listener. Only the heartbeat takes
        it out of the session's edges, so a client's word moves no one else.
        """
        placement = await self.table.place(session_id)
        if placement is None:
            return None
        origin = placement.node_id
        async with self.table.lock(f"edges:{session_id}"):
            counts = await self.listeners(session_id)
            nodes, now = await self.table.nodes(), await self.table.now()
            alive = {n.node_id for n in live(nodes, now)}
            counts = {node: n for node, n in counts.items() if node in alive}
            seated = await self.table.client.hget(
                self.table.key(f"relay:seated:{session_id}"), origin
            )
            counts[origin] = counts.get(origin, 0) + int(seated or 0)
            total = sum(counts.values()) + 1
            listed = await self.directory.edges(session_id)
            # An edge that still holds listeners stays one while it lives, however many
            # have left elsewhere: dropping it would cut them off.
            holding = [e for e in listed if counts.get(e, 0) > 0]
            current = holding + [e for e in listed if e not in holding]
            wanted = max(edges_needed(total, self.capacity), len(holding))
            edges = choose_edges(origin, current, wanted, nodes, now) if wanted else []
            if edges != listed:
                await self.directory.set_edges(session_id, edges)
                log.info("session %s: edges %s (%d listeners)", session_id, edges, total)
        reachable = [e for e in edges if e != unreachable]
        if not reachable or (counts.get(origin, 0) < self.capacity and origin != unreachable):
            return origin
        return edge_for(reachable, counts)

    async def listeners(self, session_id: str) -> dict[str, int]:
        raw = await self.table.client.hgetall(self.table.key(f"relay:listeners:{session_id}"))
        return {(k.decode() if isinstance(k, bytes) else str(k)): int(v) for k, v in raw.items()}

    # Upkeep.

    async def upkeep(self) -> None:
        edges_of = await self._all_edges()
        mine = await self._as_origin(edges_of)
        # A session this node owns now is not one it is an edge of (it may have been one
        # before a failover moved the session here).
        await self._as_edge({s: e for s, e in edges_of.items() if s not in mine}, mine)
        await self._rehome()
        await self._count_listeners()
        owned = mine | {s.session_id for s in self.seats.values() if not s.on_edge}
        await self._tell_rooms(owned)

    async def _rehome(self) -> None:
        """Listen-only seats follow their session's origin. On a node that has become the
        origin (a failover, a drain), its edge seats move to the session's room and its
        booths' voices; on a node that is no longer the origin, its seats are sent away
        (they ask where to listen again)."""
        for session_id in {seat.session_id for seat in self.seats.values()}:
            placement = await self.table.placement(session_id)
            if placement is None:
                continue
            here = await self._owns(session_id, placement)
            for seat in [s for s in self.seats.values() if s.session_id == session_id]:
                if here and seat.on_edge:
                    seat.room_id = self.room_for_session(session_id)
                    self.router.place(seat.seat_id, seat.room_id, may_publish=False)
                    self.choose_language(seat.seat_id, seat.language)
                    log.info("session %s is here now: listen-only seat moved to its room",
                             session_id)  # fmt: skip
                elif not here and not seat.on_edge and seat.send_away is not None:
                    await seat.send_away()

    async def _owns(self, session_id: str, placement: Placement | None = None) -> bool:
        """Whether the session is placed here, taken over first when it was just placed here
        (a failover): its room opened here before that would be a fresh one, which the
        take-over replaces, taps and seats with it."""
        if placement is None:
            placement = await self.table.placement(session_id)
        if placement is None or placement.node_id != self.node_id:
            return False
        if self._take_over is not None:
            await self._take_over(placement)
        return True

    async def _all_edges(self) -> dict[str, list[str]]:
        raw = await self.table.client.hgetall(self.table.key("relay:edges"))
        out: dict[str, list[str]] = {}
        for session, text in raw.items():
            key = session.decode() if isinstance(session, bytes) else str(session)
            with contextlib.suppress(ValueError, TypeError):
                out[key] = [str(e) for e in json.loads(text)]
        return out

    async def _as_origin(self, edges_of: dict[str, list[str]]) -> set[str]:
        """Relay the sessions placed here that have edges; those sessions."""
        mine = set()
        for session_id, listed in edges_of.items():
            if not await self._owns(session_id):
                continue
            mine.add(session_id)
            edges = [edge for edge in listed if edge != self.node_id]
            if not edges:
                continue
            origin = self._origins.get(session_id)
            if origin is None:
                origin = self._origins[session_id] = self._tap(session_id)
            await self._update_edges(origin, edges)
            shown = origin.relay.following_video("floor")
            media = SessionMedia(
                tuple(origin.relay.following("floor")),
                dict(origin.voices),
                tuple(source for source, kind in shown if kind == "camera"),
                next((source for source, kind in shown if kind == "screen"), None),
                dict(origin.signers),
            )
            if media != origin.written:
                key = self.table.key(f"relay:media:{session_id}")
                await self.table.client.set(key, media.encode())
                origin.written = media
        for session_id in [s for s in self._origins if s not in mine or not edges_of.get(s)]:
            self._untap(self._origins.pop(session_id))
        self._hear_edges()
        return mine

    def _hear_edges(self) -> None:
        """Open keyframe requests from the edges this node sends to (their key, address)."""
        assert self.socket is not None
        edges = {e: peer for o in self._origins.values() for e, peer in o.edges.items()}
        for edge in [e for e in self._edges_heard if e not in edges]:
            self.socket.inbound.forget_control(edge)
            del self._edges_heard[edge]
        for edge, peer in edges.items():
            if self._edges_heard.get(edge) != peer:
                self.socket.inbound.allow_control(edge, peer.address, peer.key)
                self._edges_heard[edge] = peer

    def _tap(self, session_id: str) -> _Origin:
        assert self.socket is not None
        room_id = self.room_for_session(session_id)
        origin = _Origin(OriginRelay(self.socket), room_id)
        self.router.set_floor_tap(room_id, origin.relay.tap("floor"), name="relay")
        self._tap_voices(origin)
        self._tap_signers(origin)
        log.info("session %s: relaying its floor and booths to edges", session_id)
        return origin

    def _tap_voices(self, origin: _Origin) -> None:
        voices = {k: v for k, v in self._voices.get(origin.room_id, {}).items() if v}
        for language in [k for k in origin.voices if k not in voices]:
            self.router.set_voice_tap(_voice_key(origin.room_id, language), None, None)
        for language, seat in voices.items():
            key = _voice_key(origin.room_id, language)
            self.router.set_voice_tap(key, seat, origin.relay.tap(key))
        origin.voices = voices
        origin.written = None  # rewritten at the next upkeep

    def _tap_signers(self, origin: _Origin) -> None:
        """Each sign language's signer on air: its camera relayed once per edge."""
        signers = {k: v for k, v in self._signers.get(origin.room_id, {}).items() if v}
        for language in [k for k in origin.signers if k not in signers]:
            self.router.set_camera_tap(_signer_key(origin.room_id, language), None, None)
        for language, seat in signers.items():
            key = _signer_key(origin.room_id, language)
            self.router.set_camera_tap(key, seat, origin.relay.tap(key))
        origin.signers = signers
        origin.written = None  # rewritten at the next upkeep

    def _untap(self, origin: _Origin) -> None:
        self.router.set_floor_tap(origin.room_id, None, name="relay")
        for language in origin.voices:
            self.router.set_voice_tap(_voice_key(origin.room_id, language), None, None)
        for language in origin.signers:
            self.router.set_camera_tap(_signer_key(origin.room_id, language), None, None)
        origin.relay.close()

    async def _update_edges(self, origin: _Origin, edges: list[str]) -> None:
        endpoints = await self.directory.endpoints()
        for edge in [e for e in origin.edges if e not in edges or e not in endpoints]:
            del origin.edges[edge]
            origin.relay.remove_edge(edge)
        for edge in edges:
            known = origin.edges.get(edge)
            if known is not None and known.address == endpoints.get(edge):
                continue
            offered = await self.directory.offer(self.node_id, self.instance, edge)
            if offered is not None:
                origin.edges[edge] = offered
                origin.relay.add_edge(edge, offered.address, offered.key)

    async def _as_edge(self, edges_of: dict[str, list[str]], mine: set[str]) -> None:
        assert self.socket is not None
        peers = {p.node_id: p for p in await self.directory.accepted(self.node_id)}
        for node_id in [n for n in self._allowed if n not in peers]:
            self.socket.inbound.forget(node_id)
            del self._allowed[node_id]
            self._control.pop(node_id, None)
        for node_id, peer in peers.items():
            known = self._allowed.get(node_id)
            if known is None or (known.address, known.key) != (peer.address, peer.key):
                self.socket.inbound.allow(node_id, peer.address, peer.key)
                self._allowed[node_id] = peer
        sessions = {s for s, edges in edges_of.items() if self.node_id in edges}
        feeding = set()
        for session_id in sessions:
            placement = await self.table.placement(session_id)
            if placement is not None:
                feeding.add(placement.node_id)
            key = self.table.key(f"relay:media:{session_id}")
            media = SessionMedia.decode(await self.table.client.get(key))
            before = self._media.get(session_id, SessionMedia())
            self._media[session_id] = media
            if media != before:
                await self._follow(session_id, before, media)
        self._feeding = feeding
        for session_id in [s for s in self._media if s not in sessions]:
            media = self._media.pop(session_id)
            if session_id in mine:
                # Its origin now: the same seats publish here, through the registry (a
                # participant closed now would be a speaker who just reconnected here).
                for source in media.sources:
                    self.router.end_relay(source)
                    self.ingest.forget(source)
            else:
                await self._follow(session_id, media, SessionMedia())

    async def _follow(self, session_id: str, before: SessionMedia, now: SessionMedia) -> None:
        room = listen_room(session_id)
        relayed = now.sources
        for source in before.sources - relayed:
            await self.router.close(source)  # off the floor and off air: no longer relayed
            self.ingest.forget(source)
        for source in before.placed:
            if source in relayed and source not in now.placed:  # still a voice, or sharing
                self.router.place(source, None, may_publish=False)
        for source in now.placed:
            self.router.relayed(source)
            self.router.place(source, room, may_publish=True)
        for source in before.shown - now.shown:
            if source in relayed:
                self.router.set_camera(source, False)
        for source in now.shown:  # floor speakers' and signers' (these not placed: not heard)
            self.router.set_camera(source, True)  # shown once its frames come (relayed_video)
        if before.share is not None and before.share != now.share and before.share in relayed:
            self.router.set_sharing(before.share, False)
        if now.share is not None:
            if now.share not in now.placed:
                self.router.relayed(now.share)
                self.router.place(now.share, room, may_publish=False)  # in the room, not heard
            self.router.set_sharing(now.share, True)
        for seat in self.seats.values():
            if seat.session_id == session_id and seat.on_edge:
                self.choose_language(seat.seat_id, seat.language)

    async def _count_listeners(self) -> None:
        counts: dict[str, int] = {}
        for seat in self.seats.values():
            counts[seat.session_id] = counts.get(seat.session_id, 0) + 1
        known = set(self._origins) | set(self._media) | set(counts)
        for session_id in known:
            key = self.table.key(f"relay:listeners:{session_id}")
            await self.table.client.hset(key, self.node_id, counts.get(session_id, 0))
        seated = self.seated()
        for session_id in set(seated) | set(self._seated_written):
            n = seated.get(session_id, 0)
            if self._seated_written.get(session_id) != n:
                key = self.table.key(f"relay:seated:{session_id}")
                await self.table.client.hset(key, self.node_id, n)
                self._seated_written[session_id] = n
            if n == 0:
                del self._seated_written[session_id]

    async def _tell_rooms(self, owned: set[str]) -> None:
        """Each owned session's main room learns its listen-only seats on all nodes, one
        count when it changes (at most once an upkeep), never an event per listener."""
        if self._announce is None:
            return
        nodes, now = await self.table.nodes(), await self.table.now()
        alive = {n.node_id for n in live(nodes, now)}
        for session_id in owned:
            counts = await self.listeners(session_id)
            total = sum(n for node, n in counts.items() if node in alive)
            if self._announced.get(session_id, 0) != total:
                self._announced[session_id] = total
                await self._announce(self.room_for_session(session_id), total)
        for session_id in [s for s in self._announced if s not in owned]:
            del self._announced[session_id]

    # For /metrics.

    def sent(self) -> dict[tuple[str, str], int]:
        """Datagrams sent per (session, edge) by this node as origin."""
        return {
            (session, edge): n
            for session, origin in self._origins.items()
            for edge, n in origin.relay.sent.items()
        }

    def taken(self) -> dict[str, int]:
        """Packets taken from the sources of each session this node relays."""
        return {s: sum(o.relay.packets_in.values()) for s, o in self._origins.items()}

    def frames_taken(self) -> dict[str, int]:
        """Video frames taken from the cameras and screens of each session this node relays."""
        return {s: sum(o.relay.frames_in.values()) for s, o in self._origins.items()}

    def frames_sent(self) -> dict[tuple[str, str], int]:
        """Video frames sent per (session, edge) by this node as origin."""
        return {
            (session, edge): n
            for session, origin in self._origins.items()
            for edge, n in origin.relay.frames_sent.items()
        }

    def keyframes_asked(self) -> dict[tuple[str, str], int]:
        """Edges' keyframe requests per (session, edge) this node answered as origin."""
        return {
            (session, edge): n
            for session, origin in self._origins.items()
            for edge, n in origin.relay.keyframes_asked.items()
        }

    def received(self) -> RelayCounts:
        assert self.socket is not None
        return self.socket.counts

    @property
    def address(self) -> Address:
        assert self.socket is not None
        return self.socket.address


def _voice_key(room_id: str, language: str) -> str:
    return f"relay:{room_id}:{language}"


def _signer_key(room_id: str, language: str) -> str:
    return f"relay:{room_id}:signer:{language}"

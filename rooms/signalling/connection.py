"""One websocket connection: a reader, a writer fed by a bounded queue, a heartbeat,
and a listener for the seat's bus topics, with all cleanup in ``finally``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from rooms.bus import BusError, Delivered, SubscriberOverflow, Subscription, encode
from rooms.domain.errors import RoomsError
from rooms.domain.participant import Participant
from rooms.signalling.codec import ClientMessage, Encoded, ServerMessage
from rooms.signalling.dispatch import Context
from rooms.signalling.errors import (
    CloseCode,
    HelloRequired,
    MalformedMessage,
    RateLimited,
    UnsupportedVersion,
    describe,
)
from rooms.signalling.identity import Identity
from rooms.signalling.limits import TokenBucket
from rooms.signalling.messages import (
    PROTOCOL_VERSION,
    ClientPing,
    ClientPong,
    Error,
    Hello,
    RoomLeft,
    ServerPing,
    ServerPong,
    Welcome,
)
from rooms.signalling.topics import CLOSE, MOVED, room_topic, seat_topic

if TYPE_CHECKING:
    from rooms.signalling.registry import Registry

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Close:
    code: int
    reason: str


class Connection:
    """The life of one accepted websocket, from hello to the seat's detachment."""

    def __init__(self, websocket: WebSocket, registry: Registry, identity: Identity) -> None:
        self.connection_id = secrets.token_hex(8)
        self.seat: Participant | None = None
        self._ws = websocket
        self._registry = registry
        self._identity = identity
        self._limits = registry.limits
        self._outbox: asyncio.Queue[str | _Close] = asyncio.Queue(self._limits.send_queue)
        self._rate = TokenBucket(
            self._limits.messages_per_second, self._limits.message_burst, registry.clock
        )
        self._strikes = TokenBucket(
            self._limits.strikes_per_second, self._limits.strike_burst, registry.clock
        )
        self._subscription: Subscription | None = None
        self._room_topic: str | None = None
        self._listening = False  # the listener waits for the next event (see _take)
        self._tasks: list[asyncio.Task[None]] = []
        self._stopped = asyncio.Event()
        self._abort: _Close | None = None  # close without flushing the outbox
        self._closing = False
        self._closed_by: str | None = None  # "server" or "client", for the close-code metric
        self._last_heard = 0.0

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        self._last_heard = loop.time()
        self._spawn(self._read(), "reader")
        self._spawn(self._write(), "writer")
        self._spawn(self._heartbeat(), "heartbeat")
        stats = self._registry.stats
        stats.connections += 1
        try:
            await self._stopped.wait()
        finally:
            stats.connections -= 1
            if self._abort is not None and self._closed_by is None:
                stats.closed(self._abort.code, "server")
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            if self._subscription is not None:
                with contextlib.suppress(BusError):
                    await self._subscription.aclose()
            if self.seat is not None:
                try:
                    await self._registry.detach(self.seat, self.connection_id)
                except RoomsError:
                    logger.exception("detaching seat %s failed", self.seat.seat_id)
            if self._abort is not None:
                # The socket may already be gone; nothing more to tell the client then.
                with contextlib.suppress(Exception):
                    await self._ws.close(self._abort.code, self._abort.reason)

    def _spawn(self, work: Coroutine[Any, Any, None], name: str, final: bool = True) -> None:
        """Run a part of the connection; when a ``final`` part ends, the connection ends."""
        task = asyncio.create_task(work, name=f"ws-{self.connection_id}-{name}")
        task.add_done_callback(lambda done: self._task_done(done, final))
        self._tasks.append(task)

    def _task_done(self, task: asyncio.Task[None], final: bool) -> None:
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            logger.error("connection task %s failed", task.get_name(), exc_info=error)
            self.abort(CloseCode.INTERNAL, "internal error")
        elif final:
            self._stopped.set()

    # Sending and closing.

    def send(self, message: ServerMessage | Encoded | dict[str, Any]) -> None:
        if self._closing:
            return
        if isinstance(message, Delivered):
            text = message.json  # encoded once by the bus for every recipient
        elif isinstance(message, Encoded):
            text = message.text
        else:
            text = encode(message.to_dict() if isinstance(message, ServerMessage) else message)
        try:
            self._outbox.put_nowait(text)
        except asyncio.QueueFull:
            self.abort(CloseCode.TRY_AGAIN_LATER, "client too slow; reconnect to resume")

    def close(self, code: int, reason: str) -> None:
        """Close after the messages already queued have been sent."""
        if self._closing:
            return
        self._closing = True
        try:
            self._outbox.put_nowait(_Close(code, reason))
        except asyncio.QueueFull:
            self.abort(code, reason)

    def abort(self, code: int, reason: str) -> None:
        """Close now, dropping whatever is still queued."""
        self._closing = True
        self._abort = self._abort or _Close(code, reason)
        self._stopped.set()

    async def _write(self) -> None:
        try:
            while True:
                item = await self._outbox.get()
                if isinstance(item, _Close):
                    self._closed_by = "server"
                    self._registry.stats.closed(item.code, "server")
                    await self._ws.close(item.code, item.reason)
                    return
                await self._ws.send_text(item)
        except (WebSocketDisconnect, OSError):
            return  # the client went away while we wrote: an ordinary end, not an error

    # Reading.

    async def _read(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            frame = await self._ws.receive()
            if frame["type"] == "websocket.disconnect":
                if self._closed_by is None:
                    self._closed_by = "client"
                    self._registry.stats.closed(frame.get("code", 1005), "client")
                return
            if self._closing:
                continue  # closing: wait for the client's close, ignore anything else
            self._last_heard = loop.time()
            text: str | None = frame.get("text")
            data: bytes | None = frame.get("bytes")
            size = (
                len(text.encode(errors="surrogatepass")) if text is not None else len(data or b"")
            )
            if size > self._limits.max_message_bytes:
                limit_kib = self._limits.max_message_bytes // 1024
                self.abort(CloseCode.TOO_BIG, f"messages are limited to {limit_kib} KiB")
                return
            if not self._rate.take():
                if not self._strikes.take():
                    self.close(CloseCode.POLICY, "too many messages")
                    return
                self._send_error(RateLimited("you are sending messages too fast; slow down"))
                continue
            if text is None:
                self._send_error(MalformedMessage("messages are JSON text frames"))
                continue
            await self._handle(text)

    async def _handle(self, text: str) -> None:
        message: ClientMessage | None = None
        try:
            message = self._registry.catalog.decode(text)
            await self._route(message)
        except RoomsError as exc:
            self._send_error(exc, message)
            if isinstance(exc, UnsupportedVersion):
                self.close(CloseCode.UNSUPPORTED_VERSION, "unsupported protocol version")
        except Exception as exc:  # a bug in one handler must not end the connection
            logger.exception("handling %s failed", message.type if message else "a message")
            self._send_error(exc, message)

    def _send_error(self, error: Exception, message: ClientMessage | None = None) -> None:
        code, sentence = describe(error)
        self.send(Error(code=code, message=sentence, about=message.type if message else None))

    async def _route(self, message: ClientMessage) -> None:
        if isinstance(message, ClientPing):
            self.send(ServerPong(nonce=message.nonce))
        elif isinstance(message, ClientPong):
            return  # reading it already counted as a sign of life
        elif isinstance(message, Hello):
            await self._hello(message)
        elif self.seat is None:
            raise HelloRequired("send hello first")
        else:
            context = Context(self._registry, self.seat, self.connection_id, self.send)
            await self._registry.dispatcher.dispatch(context, message)

    async def _hello(self, hello: Hello) -> None:
        if self.seat is not None:
            raise HelloRequired("hello is sent once per connection")
        if hello.protocol != PROTOCOL_VERSION:
            raise UnsupportedVersion(
                f"this server speaks protocol {PROTOCOL_VERSION}, not {hello.protocol}"
            )
        registry = self._registry
        seat, token, resumed = await registry.attach(
            self._identity, hello.resume_token, self.connection_id
        )
        self.seat = seat
        self._subscription = await registry.bus.subscribe(seat_topic(seat.seat_id))
        self._spawn(self._listen(self._subscription), "listener", final=False)
        await self._follow_room()
        self.send(
            Welcome(
                protocol=PROTOCOL_VERSION,
                seat_id=seat.seat_id,
                resume_token=token,
                resumed=resumed,
                heartbeat_interval_s=self._limits.heartbeat_interval,
                reconnect_grace_s=self._limits.reconnect_grace,
                max_message_bytes=self._limits.max_message_bytes,
                you=registry.participant_view(seat),
                media_resumed=resumed and registry.has_media(seat),
            )
        )
        if seat.room_id is not None:
            self.send(registry.room_state_encoded(seat, "resumed"))

    # Events from the bus.

    def _take(self, topic: str, event: dict[str, Any]) -> bool:
        """A room event, published while the listener waits with nothing queued: it goes
        to the outbox at once, in the order it would have had through the listener."""
        if not self._listening or topic != self._room_topic:
            return False
        self.send(event)
        return True

    async def _listen(self, subscription: Subscription) -> None:
        subscription.hand_over(self._take)
        try:
            while True:
                self._listening = True
                try:
                    _topic, event = await anext(subscription)
                except StopAsyncIteration:
                    break
                finally:
                    self._listening = False
                kind = event.get("type")
                if kind == MOVED:
                    await self._follow_room()
                    self.send(self._moved_state(event))
                elif kind == CLOSE:
                    if event.get("connection_id") == self.connection_id:
                        self.close(int(event["code"]), str(event["reason"]))
                        return
                else:
                    self.send(event)
        except SubscriberOverflow:
            self.abort(CloseCode.TRY_AGAIN_LATER, "client too slow; reconnect to resume")
            return
        except BusError:
            self.abort(CloseCode.GOING_AWAY, "the server lost its event bus")
            return
        self.close(CloseCode.GOING_AWAY, "the server is shutting down")

    async def _follow_room(self) -> None:
        """Listen to the seat's current room, and to no other."""
        assert self.seat is not None and self._subscription is not None
        topic = room_topic(self.seat.room_id) if self.seat.room_id is not None else None
        if topic == self._room_topic:
            return
        if self._room_topic is not None:
            await self._subscription.remove(self._room_topic)
        if topic is not None:
            await self._subscription.add(topic)
        self._room_topic = topic

    def _moved_state(self, event: dict[str, Any]) -> ServerMessage | Encoded:
        assert self.seat is not None
        if self.seat.room_id is None:
            return RoomLeft(room_id=event.get("from_room_id"), reason=str(event["reason"]))
        # A snapshot taken after subscribing: nothing published in between is missed.
        return self._registry.room_state_encoded(self.seat, str(event["reason"]))

    # Heartbeat.

    async def _heartbeat(self) -> None:
        """Ping a client silent for an interval; close once it has been silent for the timeout.

        A client that talks (a browser pings on the same interval) needs no ping from us.

        Silence counts only while the server listens: when this task wakes up late, the event
        loop was busy (a join storm, a long collection), the client's pong may be waiting
        unread in the socket, and the lateness is added to its deadline. A server stalled
        past the timeout then closes nobody for its own stall.
        """
        loop = asyncio.get_running_loop()
        interval, timeout = self._limits.heartbeat_interval, self._limits.heartbeat_timeout
        beats = 0
        pinged = loop.time()
        heard, deaf = self._last_heard, 0.0  # deaf: the loop's lateness since last heard
        wake = woke = pinged  # the last sleep: when it should have ended, when it did
        while True:
            now = loop.time()
            if self._last_heard != heard:  # heard again: only a stall since then counts
                heard = self._last_heard
                deaf = max(0.0, woke - max(wake, heard))
            deadline = heard + timeout + deaf
            if now >= deadline:
                self.abort(CloseCode.HEARTBEAT_TIMEOUT, "no message or pong within the timeout")
                return
            due = max(pinged, heard) + interval
            if now >= due:
                beats += 1
                self.send(ServerPing(nonce=str(beats)))
                pinged = now
                due = now + interval
            wake = min(due, deadline)
            await asyncio.sleep(wake - now)
            woke = loop.time()
            deaf += max(0.0, woke - wake)

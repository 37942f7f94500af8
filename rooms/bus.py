"""The event bus every live state change goes through.

Two implementations behind one protocol, chosen by URL (``open_bus``):

- ``memory://``: in-process fan-out, the default for a single server process;
- ``redis://host:port/db``: Redis pub/sub, so several server processes can fan out
  the same events.

A subscription is one bounded queue for any number of topics, so a connection sees
events in the order they were published. Its reader may take events as they are
published while nothing is queued (``hand_over``): a connection writes a room event
straight to its outbox instead of through a queue and a task of its own. A subscriber that falls ``max_pending``
events behind is dropped: its iterator raises ``SubscriberOverflow`` rather than
letting one slow client hold memory or delay everybody else. Events are JSON objects;
the in-memory bus round-trips them through JSON too, so both buses accept the same
events.

When Redis stops answering, the Redis bus keeps the process going on its own: a publish
that Redis refuses is delivered to this process's subscribers directly, new topics are
subscribed when Redis is back, and the reader reconnects with backoff and subscribes
again. Events between processes are lost during the outage; nothing else is.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import redis.asyncio as redis

from rooms.domain.errors import RoomsError

Event = dict[str, Any]

logger = logging.getLogger(__name__)


@dataclass
class BusStats:
    """Counters for /metrics: plain numbers, read when scraped."""

    published: int = 0
    publish_seconds: float = 0.0  # total time spent in publish (Redis: the round trip)
    publish_failures: int = 0  # publishes Redis refused (delivered in this process only)
    overflows: int = 0  # subscribers dropped for falling behind
    reconnects: int = 0  # times the Redis reader subscribed again after losing Redis


class Delivered(dict[str, Any]):
    """An event as subscribers receive it, with the compact JSON text it came as.

    Every subscriber of a topic gets the same object, so a connection can forward
    ``json`` to its client instead of encoding the event again for each recipient.
    """

    __slots__ = ("json",)

    def __init__(self, text: str) -> None:
        super().__init__(json.loads(text))
        self.json = text


def encode(event: Event) -> str:
    """The wire form of an event: compact JSON, as clients receive it."""
    return json.dumps(event, separators=(",", ":"))


DEFAULT_MAX_PENDING = 1024


class BusError(RoomsError):
    """The event bus failed."""


class BusClosed(BusError):
    """The bus was closed."""


class SubscriberOverflow(BusError):
    """A subscriber fell too far behind and was dropped."""


class Subscription(Protocol):
    """Events of some topics, as ``(topic, event)`` pairs in publish order."""

    async def add(self, topic: str) -> None: ...

    async def remove(self, topic: str) -> None: ...

    def hand_over(self, take: Callable[[str, Event], bool] | None) -> None:
        """While nothing is queued, offer each event to ``take`` first: when it returns
        True, the event is delivered and never queued (None: always queue)."""
        ...

    def __aiter__(self) -> AsyncIterator[tuple[str, Event]]: ...

    async def __anext__(self) -> tuple[str, Event]: ...

    async def aclose(self) -> None: ...


class EventBus(Protocol):
    async def publish(self, topic: str, event: Event) -> None: ...

    async def subscribe(self, *topics: str) -> Subscription:
        """Subscribe; once this returns, every later publish to the topics is delivered."""
        ...

    async def close(self) -> None: ...

    async def ping(self) -> bool:
        """Whether the bus answers now (readiness)."""
        ...

    @property
    def stats(self) -> BusStats: ...


_END = object()


class _Hub(Protocol):
    stats: BusStats

    async def _attach(self, sub: _QueueSubscription, topic: str) -> None: ...

    async def _detach(self, sub: _QueueSubscription, topic: str) -> None: ...


class _QueueSubscription:
    def __init__(self, hub: _Hub, max_pending: int) -> None:
        self._hub = hub
        self._queue: asyncio.Queue[tuple[str, Event] | object] = asyncio.Queue(max_pending + 1)
        self._max_pending = max_pending
        self.topics: set[str] = set()
        self._failure: BusError | None = None
        self._closed = False
        self._take: Callable[[str, Event], bool] | None = None

    def hand_over(self, take: Callable[[str, Event], bool] | None) -> None:
        self._take = take

    async def add(self, topic: str) -> None:
        if self._closed:
            raise BusClosed("subscription is closed")
        if topic not in self.topics:
            self.topics.add(topic)
            await self._hub._attach(self, topic)

    async def remove(self, topic: str) -> None:
        if topic in self.topics:
            self.topics.discard(topic)
            await self._hub._detach(self, topic)

    def deliver(self, topic: str, event: Event) -> bool:
        """Queue an event; False when the subscriber is too far behind and must go."""
        if self._failure is not None or self._closed:
            return True
        # Only while nothing waits in the queue, so that events keep their order.
        if self._take is not None and not self._queue.qsize() and self._take(topic, event):
            return True
        if self._queue.qsize() >= self._max_pending:
            self._hub.stats.overflows += 1
            self.fail(SubscriberOverflow(f"more than {self._max_pending} events pending"))
            return False
        self._queue.put_nowait((topic, event))
        return True

    def fail(self, error: BusError) -> None:
        if self._failure is None:
            self._failure = error
            # The queue keeps one slot beyond max_pending for this wake-up.
            with contextlib.suppress(asyncio.QueueFull):
                self._queue.put_nowait(_END)

    def __aiter__(self) -> AsyncIterator[tuple[str, Event]]:
        return self

    async def __anext__(self) -> tuple[str, Event]:
        if self._failure is not None:
            raise self._failure
        item = await self._queue.get()
        if item is _END:
            if self._failure is not None:
                raise self._failure
            raise StopAsyncIteration
        assert isinstance(item, tuple)
        return item

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        for topic in list(self.topics):
            await self.remove(topic)
        # Wake a reader blocked in __anext__.
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(_END)


async def _deliver(subs: set[_QueueSubscription] | tuple[()], topic: str, event: Event) -> None:
    for sub in list(subs):
        if not sub.deliver(topic, event):
            await sub.aclose()


class MemoryBus:
    """In-process event bus."""

    def __init__(self, max_pending: int = DEFAULT_MAX_PENDING) -> None:
        self._topics: dict[str, set[_QueueSubscription]] = {}
        self._max_pending = max_pending
        self._closed = False
        self.stats = BusStats()

    async def ping(self) -> bool:
        return not self._closed

    async def publish(self, topic: str, event: Event) -> None:
        if self._closed:
            raise BusClosed("the bus is closed")
        started = time.perf_counter()
        await _deliver(self._topics.get(topic, ()), topic, Delivered(encode(event)))
        self.stats.published += 1
        self.stats.publish_seconds += time.perf_counter() - started

    async def subscribe(self, *topics: str) -> Subscription:
        if self._closed:
            raise BusClosed("the bus is closed")
        sub = _QueueSubscription(self, self._max_pending)
        for topic in topics:
            await sub.add(topic)
        return sub

    async def _attach(self, sub: _QueueSubscription, topic: str) -> None:
        self._topics.setdefault(topic, set()).add(sub)

    async def _detach(self, sub: _QueueSubscription, topic: str) -> None:
        subs = self._topics.get(topic)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._topics[topic]

    async def close(self) -> None:
        self._closed = True
        for subs in list(self._topics.values()):
            for sub in list(subs):
                await sub.aclose()
        self._topics.clear()


class RedisBus:
    """Redis pub/sub event bus: one Redis subscriber connection per process."""

    # Seconds between attempts to subscribe again after Redis went away (doubling).
    RETRY_FIRST = 0.25
    RETRY_MAX = 2.0

    def __init__(
        self, url: str, prefix: str = "rooms:", max_pending: int = DEFAULT_MAX_PENDING
    ) -> None:
        # Short timeouts: a Redis that stops answering must not hold up a publish (and
        # with it a client's message) for long; the process carries on by itself.
        self._client = redis.Redis.from_url(
            url, decode_responses=True, socket_connect_timeout=1.0, socket_timeout=2.0
        )
        self._pubsub = self._client.pubsub()
        self._prefix = prefix
        self._max_pending = max_pending
        self._local: dict[str, set[_QueueSubscription]] = {}
        self._confirmed: dict[str, asyncio.Future[None]] = {}
        self._keepalive = f"{self._prefix}_keepalive:{secrets.token_hex(8)}"
        self._reader: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._closed = False
        self.connected = True  # False while Redis is out of reach
        self.stats = BusStats()

    async def ping(self) -> bool:
        try:
            return bool(await asyncio.wait_for(self._client.ping(), 1.0))
        except (redis.RedisError, OSError, TimeoutError):
            return False

    async def publish(self, topic: str, event: Event) -> None:
        if self._closed:
            raise BusClosed("the bus is closed")
        text = encode(event)
        started = time.perf_counter()
        try:
            await self._client.publish(self._prefix + topic, text)
        except (redis.RedisError, OSError) as exc:
            # Redis is out of reach: this process's subscribers still get the event.
            self.stats.publish_failures += 1
            self._lost(exc)
            await _deliver(self._local.get(topic, set()), topic, Delivered(text))
        self.stats.published += 1
        self.stats.publish_seconds += time.perf_counter() - started

    async def subscribe(self, *topics: str) -> Subscription:
        if self._closed:
            raise BusClosed("the bus is closed")
        await self._start()
        sub = _QueueSubscription(self, self._max_pending)
        for topic in topics:
            await sub.add(topic)
        return sub

    def _lost(self, exc: BaseException) -> None:
        if self.connected:
            logger.warning("lost Redis (%s); carrying on in this process until it is back", exc)
        self.connected = False
        # Nobody waits for a confirmation Redis cannot give; resubscribing restores them.
        for future in self._confirmed.values():
            if not future.done():
                future.set_result(None)

    async def _start(self) -> None:
        async with self._lock:
            if self._reader is None:
                # A private channel keeps the pub/sub connection subscribed, so the
                # reader never sees "not subscribed" between topics.
                await self._subscribe_channel(self._keepalive)
                self._reader = asyncio.create_task(self._read(), name="redis-bus-reader")

    async def _subscribe_channel(self, channel: str) -> None:
        future = self._confirmed.get(channel)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._confirmed[channel] = future
            if not self.connected:
                future.set_result(None)  # subscribed when Redis is back
                return
            try:
                await self._pubsub.subscribe(channel)
                if self._reader is None:
                    await self._await_first_confirmation(channel)
            except (redis.RedisError, OSError) as exc:
                self._lost(exc)
                return
        await asyncio.shield(future)

    async def _await_first_confirmation(self, channel: str) -> None:
        while not self._confirmed[channel].done():
            message = await self._pubsub.get_message(timeout=5.0)
            if message is None:
                raise BusError("Redis did not confirm the subscription")
            self._handle(message)

    async def _attach(self, sub: _QueueSubscription, topic: str) -> None:
        subs = self._local.setdefault(topic, set())
        subs.add(sub)
        # Wait for Redis to confirm, so that a publish made after subscribe() returns
        # reaches this subscriber.
        await self._subscribe_channel(self._prefix + topic)

    async def _detach(self, sub: _QueueSubscription, topic: str) -> None:
        subs = self._local.get(topic)
        if subs is None:
            return
        subs.discard(sub)
        if not subs:
            del self._local[topic]
            self._confirmed.pop(self._prefix + topic, None)
            if not self._closed and self.connected:
                try:
                    await self._pubsub.unsubscribe(self._prefix + topic)
                except (redis.RedisError, OSError) as exc:
                    self._lost(exc)

    async def _read(self) -> None:
        delay = self.RETRY_FIRST
        while True:
            try:
                if not self.connected:
                    await self._resubscribe()
                    delay = self.RETRY_FIRST
                message = await self._pubsub.get_message(timeout=None)
                if message is not None:
                    await self._dispatch(message)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis went away: carry on locally, and try again
                self._lost(exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.RETRY_MAX)

    async def _resubscribe(self) -> None:
        """A fresh pub/sub connection subscribed to every channel this process follows."""
        old, self._pubsub = self._pubsub, self._client.pubsub()
        with contextlib.suppress(Exception):
            await old.aclose()
        channels = [self._keepalive, *(self._prefix + topic for topic in self._local)]
        await self._pubsub.subscribe(*channels)
        self.connected = True
        self.stats.reconnects += 1
        logger.warning("Redis is back; subscribed again to %d channels", len(channels))

    def _handle(self, message: dict[str, Any]) -> None:
        if message["type"] == "subscribe":
            future = self._confirmed.get(message["channel"])
            if future is not None and not future.done():
                future.set_result(None)

    async def _dispatch(self, message: dict[str, Any]) -> None:
        if message["type"] != "message":
            self._handle(message)
            return
        topic = message["channel"][len(self._prefix) :]
        data = message["data"]
        event = Delivered(data.decode() if isinstance(data, bytes) else data)
        await _deliver(self._local.get(topic, set()), topic, event)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for subs in list(self._local.values()):
            for sub in list(subs):
                await sub.aclose()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        for future in self._confirmed.values():
            future.cancel()
        with contextlib.suppress(Exception):
            await self._pubsub.aclose()
        with contextlib.suppress(Exception):
            await self._client.aclose()


def open_bus(url: str, max_pending: int = DEFAULT_MAX_PENDING) -> EventBus:
    """The bus a URL names: ``memory://`` or ``redis://...`` (also ``rediss://``, ``unix://``)."""
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme == "memory":
        return MemoryBus(max_pending)
    if scheme in {"redis", "rediss", "unix"}:
        return RedisBus(url, max_pending=max_pending)
    raise ValueError(f"unknown event bus URL {url!r}: use memory:// or redis://host:port/db")

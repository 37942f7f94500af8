"""The event bus: the same contract for the in-memory bus and for Redis pub/sub."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as redis

from rooms.bus import BusClosed, EventBus, MemoryBus, RedisBus, SubscriberOverflow, open_bus

REDIS_URL = "redis://127.0.0.1:6379/0"


async def _redis_reachable() -> bool:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5)
    try:
        return bool(await client.ping())
    except (OSError, redis.RedisError):
        return False
    finally:
        await client.aclose()


@pytest.fixture(
    params=[
        pytest.param("memory", marks=pytest.mark.unit),
        pytest.param("redis", marks=pytest.mark.integration),
    ]
)
async def bus(request: pytest.FixtureRequest) -> AsyncIterator[EventBus]:
    if request.param == "memory":
        made: EventBus = MemoryBus(max_pending=8)
    else:
        if not await _redis_reachable():
            pytest.skip(f"Redis is not reachable at {REDIS_URL}; start it to test the Redis bus")
        # A prefix per test keeps parallel runs and leftovers apart.
        made = RedisBus(REDIS_URL, prefix=f"test-{secrets.token_hex(4)}:", max_pending=8)
    yield made
    await made.close()


async def _next(sub: AsyncIterator[tuple[str, dict[str, object]]]) -> tuple[str, object]:
    return await asyncio.wait_for(anext(sub), 2.0)


async def test_events_arrive_in_publish_order_across_topics(bus: EventBus) -> None:
    sub = await bus.subscribe("room:a", "seat:1")
    await bus.publish("room:a", {"type": "x", "n": 1})
    await bus.publish("seat:1", {"type": "y", "n": 2})
    await bus.publish("room:other", {"type": "z"})
    await bus.publish("room:a", {"type": "x", "n": 3})
    got = [await _next(sub) for _ in range(3)]
    assert got == [
        ("room:a", {"type": "x", "n": 1}),
        ("seat:1", {"type": "y", "n": 2}),
        ("room:a", {"type": "x", "n": 3}),
    ]


async def test_add_and_remove_topics(bus: EventBus) -> None:
    sub = await bus.subscribe("seat:1")
    other = await bus.subscribe("room:a")
    await sub.add("room:a")
    await bus.publish("room:a", {"n": 1})
    assert await _next(sub) == ("room:a", {"n": 1})
    await sub.remove("room:a")
    await bus.publish("room:a", {"n": 2})
    await bus.publish("seat:1", {"n": 3})
    assert await _next(sub) == ("seat:1", {"n": 3})
    assert [await _next(other), await _next(other)] == [("room:a", {"n": 1}), ("room:a", {"n": 2})]


async def test_a_subscriber_too_far_behind_is_dropped(bus: EventBus) -> None:
    slow = await bus.subscribe("room:a")
    fast = await bus.subscribe("room:a")
    for n in range(10):
        await bus.publish("room:a", {"n": n})
        assert await _next(fast) == ("room:a", {"n": n})
    with pytest.raises(SubscriberOverflow):
        await _next(slow)


async def test_closing_ends_iteration_and_refuses_more(bus: EventBus) -> None:
    sub = await bus.subscribe("room:a")
    waiting = asyncio.create_task(anext(sub))
    await asyncio.sleep(0.05)
    await bus.close()
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(waiting, 2.0)
    with pytest.raises(BusClosed):
        await bus.publish("room:a", {})


@pytest.mark.unit
async def test_open_bus_by_url() -> None:
    assert isinstance(open_bus("memory://"), MemoryBus)
    redis_bus = open_bus("redis://127.0.0.1:6379/0")
    assert isinstance(redis_bus, RedisBus)
    await redis_bus.close()
    with pytest.raises(ValueError, match="memory:// or redis://"):
        open_bus("kafka://somewhere")


@pytest.mark.unit
async def test_events_must_be_json() -> None:
    bus = MemoryBus()
    with pytest.raises(TypeError):
        await bus.publish("room:a", {"at": object()})


async def test_every_subscriber_gets_one_event_encoded_once() -> None:
    """Connections forward ``Delivered.json`` as is, instead of encoding per recipient."""
    from rooms.bus import Delivered, MemoryBus, encode

    bus = MemoryBus()
    first, second = await bus.subscribe("room:a"), await bus.subscribe("room:a")
    await bus.publish("room:a", {"type": "chat_message", "text": "héllo", "n": 1})
    (_, one), (_, two) = await anext(aiter(first)), await anext(aiter(second))
    assert one is two and isinstance(one, Delivered)
    assert one == {"type": "chat_message", "text": "héllo", "n": 1}
    assert one.json == encode(one) == '{"type":"chat_message","text":"h\\u00e9llo","n":1}'
    await bus.close()


@pytest.mark.unit
async def test_a_reader_takes_events_as_published_only_while_nothing_is_queued() -> None:
    """Both buses deliver through the same subscription; the memory bus delivers in publish."""
    bus = MemoryBus()
    sub = await bus.subscribe("room:a", "seat:1")
    taken: list[tuple[str, object]] = []

    def take(topic: str, event: dict[str, object]) -> bool:
        if topic != "room:a":
            return False  # refused: queued as without a hand-over
        taken.append((topic, event["n"]))
        return True

    sub.hand_over(take)
    await bus.publish("room:a", {"n": 1})
    await bus.publish("seat:1", {"n": 2})
    await bus.publish("room:a", {"n": 3})  # behind a queued event: queued too
    assert await _next(sub) == ("seat:1", {"n": 2})
    assert await _next(sub) == ("room:a", {"n": 3})
    await bus.publish("room:a", {"n": 4})
    sub.hand_over(None)
    await bus.publish("room:a", {"n": 5})
    assert await _next(sub) == ("room:a", {"n": 5})
    assert taken == [("room:a", 1), ("room:a", 4)]
    await sub.aclose()

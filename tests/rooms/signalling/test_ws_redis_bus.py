"""The signalling server with Redis pub/sub as its bus."""

from __future__ import annotations

import secrets

import pytest
import redis.asyncio as redis
from rooms_ws_harness import serve

from rooms.bus import RedisBus

pytestmark = pytest.mark.integration

REDIS_URL = "redis://127.0.0.1:6379/0"


async def test_presence_and_chat_travel_through_redis() -> None:
    probe = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5)
    try:
        await probe.ping()
    except (OSError, redis.RedisError):
        pytest.skip(f"Redis is not reachable at {REDIS_URL}; start it to test the Redis bus")
    finally:
        await probe.aclose()
    bus = RedisBus(REDIS_URL, prefix=f"test-{secrets.token_hex(4)}:")
    async with serve(bus=bus) as harness:
        room_id = harness.registry.room_for_session("s-1")
        ada = await harness.seated("ada", "organiser", room_id)
        bob = await harness.seated("bob", "participant", room_id)
        assert (await ada.expect("presence_joined"))["participant"]["seat_id"] == bob.seat_id
        await bob.send("chat", text="via redis")
        assert (await ada.expect("chat_message"))["text"] == "via redis"

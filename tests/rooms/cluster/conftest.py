"""A cluster of its own on the machine's real Redis for each test (keys removed after)."""

import secrets
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as redis

from rooms.cluster.table import ClusterTable

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
async def table() -> AsyncIterator[ClusterTable]:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        await client.ping()
    except (OSError, redis.RedisError):
        pytest.skip("no Redis on 127.0.0.1:6379")
    found = ClusterTable(client, f"test-{secrets.token_hex(6)}")
    try:
        yield found
    finally:
        keys = [k async for k in client.scan_iter(match=found.prefix + "*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()

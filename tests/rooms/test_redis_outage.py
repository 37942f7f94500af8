"""A 15-second Redis outage: the process stays healthy, clients keep their audio and chat,
readiness says Redis is gone, and everything comes back without a restart.

The test runs its own redis-server on a free port (the shared one stays up for others).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis.asyncio as redis

from conference.app import create_app
from conference.settings import Settings
from conference.storage.engine import make_engine
from rooms.bus import RedisBus
from rooms.client import RoomClient, connect_info
from rooms.signalling import ConnectTokens, Identity
from tests.support.live import free_port, serving
from tests.support.seed import small_conference

pytestmark = pytest.mark.integration

SECRET = "redis-outage-" + "k" * 32
BREAKOUT_SESSION = 2  # everyone may speak
OUTAGE_SECONDS = 15.0
REDIS_SERVER = shutil.which("redis-server")


def _start_redis(port: int) -> subprocess.Popen[bytes]:
    assert REDIS_SERVER is not None
    process = subprocess.Popen(
        [
            REDIS_SERVER,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("redis-server did not start")


@pytest.fixture
def redis_port() -> Iterator[int]:
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed")
    yield free_port()


async def _ready(site: str) -> tuple[int, int]:
    async with httpx.AsyncClient(timeout=5) as http:
        health = await http.get(f"{site}/healthz")
        ready = await http.get(f"{site}/readyz")
    return health.status_code, ready.status_code


async def test_a_redis_outage_keeps_audio_and_chat_and_recovers_without_a_restart(
    tmp_path: Path, sqlite_template: Path, redis_port: int
) -> None:
    path = tmp_path / "outage.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    small_conference(engine)
    engine.dispose()
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    server = _start_redis(redis_port)
    app = create_app(
        Settings(
            database_url=f"sqlite:///{path}", secret_key=SECRET, site_url=site, bus_url=redis_url
        )
    )
    tokens = ConnectTokens(SECRET)
    ada_token = tokens.issue(Identity.of("ada", "Ada", ["participant"]))
    bruno_token = tokens.issue(Identity.of("bruno", "Bruno", ["speaker"]))
    try:
        with serving(app, port):
            info = await connect_info(site, BREAKOUT_SESSION, ada_token)
            ada = RoomClient(info["ws_url"], token=ada_token, tone=440)
            bruno = RoomClient(info["ws_url"], token=bruno_token, tone=660)
            try:
                async with asyncio.timeout(40):
                    await ada.connect()
                    await bruno.connect()
                    await ada.join(info["room_id"])
                    await bruno.join(info["room_id"])
                    await asyncio.gather(ada.start_media(), bruno.start_media())
                    assert await ada.wait_for_tone(660) == "floor-0"
                assert await _ready(site) == (200, 200)

                server.terminate()
                server.wait(timeout=10)
                outage_ends = time.monotonic() + OUTAGE_SECONDS
                before = ada.report()[0].packets
                seen: set[tuple[int, int]] = set()
                chats = 0
                while time.monotonic() < outage_ends:
                    seen.add(await _ready(site))
                    await bruno.send("chat", text=f"during the outage {chats}")
                    assert (await ada.expect("chat_message", within=5))["text"] == (
                        f"during the outage {chats}"
                    )
                    chats += 1
                    await asyncio.sleep(1.0)
                # The process answered, said it was not ready, and the audio went on.
                assert seen == {(200, 503)}
                heard = ada.report()[0]
                assert heard.packets - before > 40 * (OUTAGE_SECONDS - 2)
                assert abs((ada.frequency("floor-0") or 0) - 660) < 10

                server = _start_redis(redis_port)
                async with asyncio.timeout(20):
                    while await _ready(site) != (200, 200):  # noqa: ASYNC110 - polling a server
                        await asyncio.sleep(0.25)
                # Redis carries events again: one published by another process arrives.
                live = app.state.services.extras["rooms"]
                assert isinstance(live.registry.bus, RedisBus)
                other = redis.Redis.from_url(redis_url)
                try:
                    async with asyncio.timeout(20):
                        while not live.registry.bus.connected:  # noqa: ASYNC110
                            await asyncio.sleep(0.1)
                        event = {"type": "chat_message", "text": "from another process"}
                        # The bus prefixes its topics; deliver like a second server would.
                        await other.publish(f"rooms:room:{info['room_id']}", json.dumps(event))
                        got = await ada.expect("chat_message", within=10)
                    assert got["text"] == "from another process"
                finally:
                    await other.aclose()
                await bruno.send("chat", text="after the outage")
                assert (await ada.expect("chat_message", within=5))["text"] == "after the outage"
                assert ada.report()[0].packets > heard.packets
            finally:
                await asyncio.gather(ada.close(), bruno.close())
    finally:
        server.terminate()
        server.wait(timeout=10)

"""Issue 10, hostile frames: each is an ordinary protocol outcome, never a traceback.

- a frame over 64 KiB is refused by the server itself (close 1009), before it is buffered;
- a 20,000-deep JSON message is a `malformed` error, and the connection stays open;
- a text message that is not UTF-8 closes the connection with 1007.
"""

from __future__ import annotations

import contextlib
import logging

import pytest
from rooms_ws_harness import Harness
from websockets.exceptions import ConnectionClosed

from rooms.signalling import CloseCode
from rooms.signalling.server import uvicorn_ws_options

pytestmark = pytest.mark.integration


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.exc_info is not None]


def test_every_server_gets_the_protocols_frame_limit() -> None:
    assert uvicorn_ws_options()["ws_max_size"] == 64 * 1024


async def test_a_frame_over_64_kib_is_refused_by_the_server(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    client = await harness.connect("ada")
    await client.hello()
    with contextlib.suppress(ConnectionClosed):  # closed while the frame is still going out
        await client.ws.send("x" * (15 * 1024 * 1024))
    assert await client.closed_with() == CloseCode.TOO_BIG
    assert tracebacks(caplog) == []
    other = await harness.seated("bob")  # the server carries on
    await other.alive()


async def test_a_message_just_under_the_limit_still_reaches_the_protocol(
    harness: Harness,
) -> None:
    client = await harness.connect("ada")
    await client.hello()
    await client.send("chat", text="x" * (60 * 1024))  # a frame the server takes
    error = await client.expect("error")
    assert error["code"] == "malformed" and "2000" in error["message"]  # over 2,000 characters
    await client.alive()


async def test_deeply_nested_json_is_a_malformed_message(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    client = await harness.connect("ada")
    await client.hello()
    # 20,000 deep fits in 64 KiB as arrays; objects take more bytes per level.
    for deep in ("[" * 20_000 + "]" * 20_000, '{"":' * 10_000 + "1" + "}" * 10_000):
        await client.ws.send(deep)
        error = await client.expect("error")
        assert error["code"] == "malformed"
    await client.ws.send('{"type": "chat", "text": ' + "[" * 20_000 + "]" * 20_000 + "}")
    assert (await client.expect("error"))["code"] == "malformed"
    await client.alive()
    assert tracebacks(caplog) == []


async def test_invalid_utf8_closes_1007_without_a_traceback(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    client = await harness.connect("ada")
    await client.hello()
    await client.ws.send(b'{"type": "chat", "text": "\xff\xfe"}', text=True)
    assert await client.closed_with() == 1007
    assert tracebacks(caplog) == []
    other = await harness.seated("bob")  # the server carries on
    await other.alive()

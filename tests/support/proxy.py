"""A TCP proxy on loopback that can go silent, like a network that drops without a word."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class SilentDrop:
    """Forwards bytes both ways until :meth:`drop`; then forwards nothing and closes nothing."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self._dropped = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: list[asyncio.StreamWriter] = []

    def drop(self) -> None:
        """From now on the other side hears nothing, and no FIN or RST is sent either."""
        self._dropped.set()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            while not self._dropped.is_set():
                data = await reader.read(65536)
                if not data or self._dropped.is_set():
                    break
                writer.write(data)
                await writer.drain()
            await asyncio.Event().wait()  # hold the socket open, silent, until the test ends

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(
            "127.0.0.1", self.target_port
        )
        self._writers += [writer, upstream_writer]
        for task in (
            asyncio.create_task(self._pipe(reader, upstream_writer)),
            asyncio.create_task(self._pipe(upstream_reader, writer)),
        ):
            self._tasks.add(task)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[SilentDrop]:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        try:
            yield self
        finally:
            self._server.close()
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            for writer in self._writers:
                writer.close()

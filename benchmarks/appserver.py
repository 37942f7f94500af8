"""The real application under uvicorn, as a process of its own: ``python -m benchmarks.appserver``.

It logs at WARNING to stdout, so the sign-in link the development mailer logs can be read
back by the pages benchmark (the real sign-in flow, without an SMTP server).
``--stall-every S --stall-ms MS`` blocks the event loop for MS milliseconds every S seconds,
as a full garbage collection or a long page render does (the latency benchmark's stall run).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from typing import Any

import uvicorn

from benchmarks.procs import raise_fd_limit
from conference.app import create_app
from conference.serving import NodeServer
from conference.settings import Settings
from conference.storage.engine import make_engine
from rooms.signalling.server import uvicorn_ws_options


class Stalls:
    """An ASGI wrapper that blocks the event loop for ``seconds`` every ``every`` seconds."""

    def __init__(self, app: Any, every: float, seconds: float) -> None:
        self.app, self.every, self.seconds = app, every, seconds
        self._task: asyncio.Task[None] | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan" and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._stall())
        await self.app(scope, receive, send)

    async def _stall(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            time.sleep(self.seconds)  # noqa: ASYNC251 (blocking the loop is the point)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True, help="database URL")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--stall-every", type=float, default=0.0, help="seconds (0: never)")
    parser.add_argument("--stall-ms", type=float, default=300.0)
    parser.add_argument("--no-fast-send", action="store_true", help="aiortc's sender loop")
    args = parser.parse_args()
    raise_fd_limit()
    logging.basicConfig(level=logging.WARNING, format="%(name)s %(message)s", force=True)
    site = f"http://127.0.0.1:{args.port}"
    settings = Settings(
        database_url=args.db,
        secret_key=args.secret,
        site_url=site,
        media_fast_send=not args.no_fast_send,
    )
    app: Any = create_app(settings, make_engine(args.db))
    if args.stall_every > 0:
        app = Stalls(app, args.stall_every, args.stall_ms / 1000)
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        **uvicorn_ws_options(),
        backlog=4096,
        access_log=False,
    )
    # The product's server class (`conference serve`), for what it does once started; not
    # its per-IP connection cap, which the benchmarks' many loopback clients would hit.
    NodeServer(config, lambda: None).run()


if __name__ == "__main__":
    main()

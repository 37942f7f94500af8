"""The real application under uvicorn, as a process of its own: ``python -m benchmarks.appserver``.

It logs at WARNING to stdout, so the sign-in link the development mailer logs can be read
back by the pages benchmark (the real sign-in flow, without an SMTP server).
"""

from __future__ import annotations

import argparse
import logging

import uvicorn

from benchmarks.procs import raise_fd_limit
from conference.app import create_app
from conference.settings import Settings
from conference.storage.engine import make_engine
from rooms.signalling.server import uvicorn_ws_options


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True, help="database URL")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", required=True)
    args = parser.parse_args()
    raise_fd_limit()
    logging.basicConfig(level=logging.WARNING, format="%(name)s %(message)s", force=True)
    site = f"http://127.0.0.1:{args.port}"
    settings = Settings(database_url=args.db, secret_key=args.secret, site_url=site)
    app = create_app(settings, make_engine(args.db))
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        **uvicorn_ws_options(),
        backlog=4096,
        access_log=False,
    )


if __name__ == "__main__":
    main()

"""Real Chromium (Debian's /usr/bin/chromium, driven by Playwright) against a real server.

The server runs in a thread on a free loopback port with its own SQLite database.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, Playwright, sync_playwright
from starlette.applications import Starlette

from conference.app import create_app
from conference.settings import Settings
from conference.storage.engine import make_engine
from rooms.signalling.server import uvicorn_ws_options

CHROMIUM = "/usr/bin/chromium"
# Flags from shared/notes/chromium.md: headless as root with no network.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# For WebRTC pages: fake devices, autoplay, loopback candidates.
MEDIA_FLAGS = [
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
    "--allow-loopback-in-peer-connection",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    app: Starlette
    database_url: str

    def sent_mail(self) -> list[str]:
        return [m.get_content() for m in self.app.state.services.mailer.sent]


def start_server(app: Starlette, port: int) -> tuple[uvicorn.Server, threading.Thread]:
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", **uvicorn_ws_options()
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    return server, thread


@pytest.fixture
def live_server_factory(
    tmp_path: Path, sqlite_template: Path
) -> Iterator[Callable[..., LiveServer]]:
    """Start a server; ``seed(engine)`` fills its fresh database first."""
    running: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(seed: Callable[..., object] | None = None, **settings: Any) -> LiveServer:
        path = tmp_path / f"live{len(running)}.db"
        shutil.copy(sqlite_template, path)
        database_url = f"sqlite:///{path}"
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        engine = make_engine(database_url)
        if seed is not None:
            seed(engine)
        app = create_app(
            Settings(
                database_url=database_url, secret_key="e2e-" + "k" * 40, site_url=url, **settings
            ),
            engine,
        )
        running.append(start_server(app, port))
        return LiveServer(url, app, database_url)

    yield start
    for server, thread in running:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
    yield browser
    browser.close()


@pytest.fixture
def media_browser(playwright: Playwright) -> Iterator[Browser]:
    """One Chromium with the default fake microphone and camera, for several pages."""
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_FLAGS, *MEDIA_FLAGS]
    )
    yield browser
    browser.close()

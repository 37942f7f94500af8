"""A real ``conference serve`` subprocess on loopback, its output kept in a file."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from playwright.sync_api import Page

from .browser import settle
from .live import free_port

SECRET = "serve-test-" + "k" * 40


@dataclass
class Served:
    site: str
    port: int
    output: Path  # stdout and stderr of the server process

    def log(self) -> str:
        return self.output.read_text(errors="replace")


@contextmanager
def conference_serve(
    database_url: str, var_dir: Path, **settings: str | int | float
) -> Iterator[Served]:
    """Run ``conference serve`` with ``CONFERENCE_<NAME>=value`` for each of ``settings``."""
    process = ServeProcess(
        var_dir / "server-output.log",
        **{"secret_key": SECRET, **{k: str(v) for k, v in settings.items()}},
        database_url=database_url,
        var_dir=str(var_dir),
    )
    try:
        process.start()
        yield Served(process.site, process.port, process.log)
    finally:
        process.stop()


class ServeProcess:
    """``conference serve`` as a child process that a test can start, ``kill -9`` and stop.

    ``settings`` become ``CONFERENCE_<NAME>`` variables; the site URL is the process's own.
    Sign-in links are read from its log (development mode), as an operator would.
    """

    def __init__(self, log: Path, port: int | None = None, **settings: str) -> None:
        self.port = port or free_port()
        self.log = log
        self.settings = settings
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def site(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> float:
        """Start, and wait until ``/readyz`` answers 200; how many seconds that took."""
        started = time.monotonic()
        env = {
            **os.environ,
            "CONFERENCE_SITE_URL": self.site,
            "CONFERENCE_LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            **{f"CONFERENCE_{k.upper()}": v for k, v in self.settings.items()},
        }
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "conference.cli", "serve", "--port", str(self.port)],
                env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"conference serve ended: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.site}/readyz", timeout=1).status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("conference serve did not become ready")
            time.sleep(0.2)

    def kill9(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def sign_in(self, page: Page, email: str) -> None:
        """The real flow in ``page``; the link comes from this process's log."""
        seen = len(self.log.read_text(errors="replace"))
        page.goto(f"{self.site}/signin")
        page.fill("#email", email)
        page.click("main button[type=submit]")
        deadline = time.monotonic() + 15
        while (link := self._sign_in_link(seen)) is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"no sign-in link for {email} in the server log")
            time.sleep(0.1)
        page.goto(link)
        page.click("main button[type=submit]")
        settle(page)

    def _sign_in_link(self, since: int) -> str | None:
        found = re.search(
            r"Sign-in link for person #\d+: (\S+)\n", self.log.read_text(errors="replace")[since:]
        )
        return found.group(1) if found else None


@contextmanager
def cluster(
    names: str, tmp_path: Path, database_url: str, bus_url: str, secret: str, **settings: str
) -> Iterator[dict[str, ServeProcess]]:
    """Nodes ``names`` (a letter each) of one cluster: one database, one Redis, ``secret``
    (a cluster of its own in Redis), each node its own public URL; all stopped on exit."""
    started: dict[str, ServeProcess] = {}
    try:
        for name in names:
            node = ServeProcess(
                tmp_path / f"node-{name}.log",
                database_url=database_url, bus_url=bus_url, secret_key=secret,
                var_dir=str(tmp_path / name), node_id=name, **settings,
            )  # fmt: skip
            node.settings["public_url"] = node.site
            node.start()
            started[name] = node
        yield started
    finally:
        for node in started.values():
            node.stop()

"""A real ``conference serve`` subprocess on loopback, its output kept in a file."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

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
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "CONFERENCE_DATABASE_URL": database_url,
        "CONFERENCE_VAR_DIR": str(var_dir),
        "CONFERENCE_SECRET_KEY": SECRET,
        "CONFERENCE_SITE_URL": site,
        **{f"CONFERENCE_{k.upper()}": str(v) for k, v in settings.items()},
    }
    output = var_dir / "server-output.log"
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "conference.cli", "serve", "--port", str(port)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"conference serve ended: {output.read_text()[-2000:]}")
            try:
                if httpx.get(f"{site}/programme", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("conference serve did not start")
            time.sleep(0.2)
        yield Served(site, port, output)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

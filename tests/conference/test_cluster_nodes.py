"""Several ``conference serve --node-id`` processes on PostgreSQL and the machine's Redis.

Each node announces itself in Redis; a second process with a live node's id is refused at
start with a message naming the setting; ``conference drain`` makes a node's readiness fail
(and ``--undo`` brings it back), while the other node stays ready.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from conference.storage.engine import make_engine
from tests.support.live import free_port
from tests.support.seed import small_conference
from tests.support.server import conference_serve

pytestmark = pytest.mark.integration

REDIS_URL = "redis://127.0.0.1:6379/0"


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conference.cli", *args],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def wait_for(check: Callable[[], bool], what: str, within: float = 15.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out: {what}")
        time.sleep(0.2)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # nodes share it
def test_nodes_announce_themselves_refuse_a_duplicate_and_drain(
    database_url: str, tmp_path: Path
) -> None:
    postgres_url = database_url
    engine = make_engine(postgres_url)
    small_conference(engine)
    engine.dispose()
    secret = "cluster-test-" + secrets.token_hex(20)  # a cluster of its own in Redis
    common = {"bus_url": REDIS_URL, "secret_key": secret}
    env = {
        "CONFERENCE_DATABASE_URL": postgres_url,
        "CONFERENCE_BUS_URL": REDIS_URL,
        "CONFERENCE_SECRET_KEY": secret,
        "CONFERENCE_VAR_DIR": str(tmp_path),
    }
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    port_a, port_b = free_port(), free_port()
    url_a, url_b = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
    with (
        conference_serve(
            postgres_url, tmp_path / "a", node_id="a", public_url=url_a, **common
        ) as a,
        conference_serve(
            postgres_url, tmp_path / "b", node_id="b", public_url=url_b, **common
        ) as b,
    ):
        listed = run_cli(env, "nodes")
        assert listed.returncode == 0, listed.stderr
        lines = sorted(listed.stdout.splitlines())
        assert lines[0].startswith(f"a  {url_a}  serving")
        assert lines[1].startswith(f"b  {url_b}  serving")

        # A second process named "a" while a lives: refused before it serves anything.
        twin = run_cli(
            {**env, "CONFERENCE_NODE_ID": "a", "CONFERENCE_PUBLIC_URL": "http://127.0.0.1:1"},
            "serve", "--port", str(free_port()),
        )  # fmt: skip
        assert twin.returncode != 0
        assert "node_id: 'a' is already served by a live node at " + url_a in twin.stderr
        assert "Traceback" not in twin.stderr + twin.stdout

        drained = run_cli(env, "drain", "b")
        assert drained.returncode == 0 and "node b is draining" in drained.stdout
        wait_for(lambda: httpx.get(f"{b.site}/readyz").status_code == 503, "b is not ready")
        assert "draining" in httpx.get(f"{b.site}/readyz").text
        assert httpx.get(f"{a.site}/readyz").status_code == 200
        assert "b  " + url_b + "  draining" in run_cli(env, "nodes").stdout

        run_cli(env, "drain", "b", "--undo")
        wait_for(lambda: httpx.get(f"{b.site}/readyz").status_code == 200, "b is ready again")

    # Both exited cleanly: their records are gone, so their ids are free at once.
    assert run_cli(env, "nodes").stdout.strip() == "No node has announced itself."


def test_a_node_needs_the_redis_bus(tmp_path: Path) -> None:
    refused = run_cli(
        {"CONFERENCE_VAR_DIR": str(tmp_path), "CONFERENCE_BUS_URL": "memory://"},
        "serve", "--node-id", "a", "--public-url", "http://127.0.0.1:1", "--port", "1",
    )  # fmt: skip
    assert refused.returncode != 0
    assert "node_id: several nodes share their state in Redis" in refused.stderr

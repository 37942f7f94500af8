"""/healthz, /readyz and /metrics as a load balancer and Prometheus see them."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from conference.app import create_app
from conference.settings import Settings
from conference.storage.engine import make_engine
from tests.support.live import free_port, serving

pytestmark = pytest.mark.integration

SECRET = "health-" + "k" * 40


def _settings(path: Path, **overrides: object) -> Settings:
    return Settings(database_url=f"sqlite:///{path}", secret_key=SECRET, **overrides)  # type: ignore[arg-type]


@pytest.fixture
def db_path(tmp_path: Path, sqlite_template: Path) -> Path:
    path = tmp_path / "health.db"
    shutil.copy(sqlite_template, path)
    return path


def test_a_running_process_is_healthy_and_ready(db_path: Path) -> None:
    with TestClient(create_app(_settings(db_path))) as client:
        assert (client.get("/healthz").status_code, client.get("/healthz").text) == (200, "ok\n")
        ready = client.get("/readyz")
        assert (ready.status_code, ready.json()) == (200, {"ready": True, "failing": []})


def test_readiness_names_a_database_that_does_not_answer(db_path: Path) -> None:
    # Nothing listens on port 1: the database never answers, the process still runs.
    engine = make_engine("postgresql://nobody@127.0.0.1:1/none")
    with TestClient(create_app(_settings(db_path), engine=engine)) as client:
        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")
        assert (ready.status_code, ready.json()) == (503, {"ready": False, "failing": ["database"]})


def test_readiness_names_a_redis_that_does_not_answer(db_path: Path) -> None:
    settings = _settings(db_path, bus_url=f"redis://127.0.0.1:{free_port()}/0")
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")
        assert (ready.status_code, ready.json()) == (503, {"ready": False, "failing": ["redis"]})


def test_metrics_need_loopback_or_the_token(db_path: Path) -> None:
    settings = _settings(db_path, metrics_token="scrape-" + "t" * 30)
    with TestClient(create_app(settings)) as client:  # the test client is not loopback
        assert client.get("/metrics").status_code == 404
        wrong = {"Authorization": "Bearer not-the-token"}
        assert client.get("/metrics", headers=wrong).status_code == 404
        right = {"Authorization": "Bearer scrape-" + "t" * 30}
        page = client.get("/metrics", headers=right)
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/plain")
    with TestClient(create_app(_settings(db_path))) as client:  # no token set: loopback only
        assert client.get("/metrics", headers=right).status_code == 404


def test_metrics_from_loopback_show_the_live_rooms_without_personal_data(db_path: Path) -> None:
    port = free_port()
    app = create_app(_settings(db_path, site_url=f"http://127.0.0.1:{port}"))
    with serving(app, port):
        live = app.state.services.extras["rooms"]
        room_id = live.registry.room_for_session("7", "plenary", "Opening")
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    families = {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE")}
    assert {
        "rooms_websocket_connections",
        "rooms_seats",
        "rooms_websocket_closes_total",
        "rooms_packets_forwarded_total",
        "rooms_packets_dropped_total",
        "rooms_red_dropped_total",
        "rooms_red_recovered_total",
        "rooms_nacks_total",
        "rooms_bus_publish_seconds",
        "rooms_bus_publish_failures_total",
        "rooms_bus_subscriber_overflows_total",
        "rooms_bus_reconnects_total",
        "interpretation_listeners",
        "conference_planner_solve_seconds",
    } <= families
    assert f'rooms_seats{{kind="plenary",room="{room_id}",session="7"}} 0.0' in text
    assert "rooms_websocket_connections 0.0" in text

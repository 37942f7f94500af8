"""Signalling: 2,000 websocket clients in one room (quick: 200), the real app against a bare server.

The real app is ``create_app`` on a temp SQLite database under uvicorn in its own process;
clients authenticate with ConnectTokens (``?token=``) and find the room through
``GET /rooms/session/{id}/connect``. Clients run in separate processes (500 per process).

- Join storm: every client connects, says hello and joins at the same instant; the figure
  is the time until the last one has its room snapshot (every join is also announced to
  everyone already in the room, so the storm is quadratic in messages).
- Chat fan-out: once the room is quiet, one client sends chat messages; each carries its
  send time, and every client records when it arrived (p50/p99 over clients × messages).

Baseline, same run and same clients: benchmarks.bareserver, a bare ``websockets``
broadcast server with the same message flow and none of the product's machinery.
"""

from __future__ import annotations

import json
import math
import secrets
import time
import urllib.request
from pathlib import Path
from typing import Any

from benchmarks import data, harness, procs
from benchmarks.harness import Record
from rooms.signalling import ConnectTokens, Identity

CLIENTS = 2000
QUICK_CLIENTS = 200
PER_WORKER = 500
CHATS = 10
QUICK_CHATS = 5
CLIENT = "benchmarks.wsclient.SignallingClients"


def run(quick: bool, workdir: Path) -> Record:
    record = Record("signalling", quick)
    clients = QUICK_CLIENTS if quick else CLIENTS
    chats = QUICK_CHATS if quick else CHATS
    workers = max(2, math.ceil(clients / PER_WORKER))
    procs.raise_fd_limit()

    url, engine = data.fresh(workdir / "signalling.db")
    conference_id = data.conference(engine)
    session_id = data.programme(engine, conference_id, 1)[0]
    engine.dispose()
    secret = secrets.token_urlsafe(32)

    port = procs.free_port()
    app_args = ["--db", url, "--port", str(port), "--secret=" + secret]
    with procs.server("benchmarks.appserver", app_args, port, workdir / "signalling-app.log"):
        room_id, ws_url = _room(port, secret, session_id)
        ours = _load(ws_url, secret, room_id, clients, workers, chats)
    port = procs.free_port()
    with procs.server(
        "benchmarks.bareserver", ["--port", str(port)], port, workdir / "signalling-bare.log"
    ):
        bare = _load(f"ws://127.0.0.1:{port}/", None, "room-1", clients, workers, chats)
    _report(record, clients, ours, bare)
    return record


def _room(port: int, secret: str, session_id: int) -> tuple[str, str]:
    token = ConnectTokens(secret).issue(Identity.of("bench-probe", "Probe", ["participant"]))
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/rooms/session/{session_id}/connect",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        info = json.load(response)
    return str(info["room_id"]), str(info["ws_url"])


def _load(
    url: str, secret: str | None, room_id: str, clients: int, workers: int, chats: int
) -> dict[str, Any]:
    with procs.Workers(CLIENT, workers) as pool:
        pool.call_all("counts", [()] * workers, within=120)  # every worker is up
        start_ns = time.monotonic_ns() + 500_000_000
        ids = [[f"p{i}" for i in range(clients) if i % workers == w] for w in range(workers)]
        storms = pool.call_all(
            "storm", [(url, secret, each, room_id, start_ns) for each in ids], within=600
        )
        done = [s for each in storms for s in each["done_s"]]
        errors = [e for each in storms for e in each["errors"]]
        settle = _quiet(pool, workers)
        pool.call(0, "chat", chats, 0.5, within=120)
        time.sleep(2.0)
        latencies = pool.call_all("chat_latencies", [()] * workers, within=120)
        counts = pool.call_all("counts", [()] * workers, within=60)
    return {
        "storm_s": max(done) if done else None,
        "join_p50_s": harness.percentile(done, 50) if done else None,
        "joined": len(done),
        "errors": errors,
        "settle_s": settle,
        "chat_ms": [ms for each in latencies for ms in each["ms"]],
        "expected_chats": chats * sum(each["clients"] for each in latencies),
        "open": sum(each["open"] for each in counts),
        "close_codes": sorted({c for each in counts for c in each["close_codes"]}),
    }


def _quiet(pool: procs.Workers, workers: int, within: float = 300) -> float:
    """Wait until no client has received anything for a second; returns how long it took."""
    started = time.monotonic()
    last = -1
    while time.monotonic() - started < within:
        total = sum(c["messages"] for c in pool.call_all("counts", [()] * workers))
        if total == last:
            break
        last = total
        time.sleep(1.0)
    return time.monotonic() - started


def _report(record: Record, clients: int, ours: dict[str, Any], bare: dict[str, Any]) -> None:
    base = "bare websockets broadcast"
    record.figure("join storm: all joined", ours["storm_s"], "s", baseline=bare["storm_s"],
                  baseline_name=base, detail=f"{ours['joined']}/{clients} joined "
                  f"(bare {bare['joined']}/{clients})")  # fmt: skip
    record.figure("join storm: median client joined", ours["join_p50_s"], "s",
                  baseline=bare["join_p50_s"], baseline_name=base)  # fmt: skip
    record.figure("presence traffic drained", ours["settle_s"], "s", baseline=bare["settle_s"],
                  baseline_name=base, detail="after the last join")  # fmt: skip
    drained = _sum(ours["storm_s"], ours["settle_s"])
    bare_drained = _sum(bare["storm_s"], bare["settle_s"])
    record.figure("join storm drained: last join + presence quiet", drained, "s",
                  baseline=bare_drained, baseline_name=base,
                  detail="presence coalesced per room (rooms/signalling/coalesce.py)")  # fmt: skip
    storm_ratio = harness.ratio(drained, bare_drained)
    record.goal("join storm drains in ≤ 2× the bare server's time, every client joined",
                None if storm_ratio is None else storm_ratio <= 2 and ours["joined"] == clients,
                "–" if storm_ratio is None
                else f"{storm_ratio:.2f}×, {ours['joined']}/{clients} joined")  # fmt: skip
    p50, p99 = _pcts(ours["chat_ms"])
    b50, b99 = _pcts(bare["chat_ms"])
    record.figure("chat fan-out p50", p50, "ms", baseline=b50, baseline_name=base)
    record.figure("chat fan-out p99", p99, "ms", baseline=b99, baseline_name=base,
                  detail=f"{len(ours['chat_ms'])}/{ours['expected_chats']} deliveries "
                  f"(bare {len(bare['chat_ms'])}/{bare['expected_chats']})")  # fmt: skip
    within = harness.ratio(p99, b99)
    record.goal("chat p99 ≤ 2× the bare server's", None if within is None else within <= 2,
                "–" if within is None else f"{within:.2f}×")  # fmt: skip
    for name, result in (("app", ours), ("bare", bare)):
        if result["errors"]:
            record.notes.append(
                f"{name}: {len(result['errors'])} clients failed to join, e.g. {result['errors'][0]}"
            )
        if result["open"] < result["joined"]:
            record.notes.append(
                f"{name}: {result['joined'] - result['open']} connections were closed by the "
                f"server (close codes {result['close_codes']})"
            )


def _sum(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a + b


def _pcts(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    return harness.percentile(values, 50), harness.percentile(values, 99)

"""Interpretation fan-out: one interpreter channel (Opus, 20 ms frames) to N listener peers.

The server (benchmarks.mediaserver, the product's MediaRouter) runs in its own process;
the interpreter and the listeners run in separate client processes that never decode.
Listeners are added in steps (N = 50, 100, 200, 400; quick: 20, 50); at each step the
server's CPU time and RSS are read from /proc over a fixed window, and every listener's
packets are matched to the interpreter's send times by the marker in the payload.

Baseline, same run: aiortc's MediaRelay, where each listener's sender re-encodes the
decoded audio (N = 5, 10, 20; quick: 5, 10).

The product's server sends listeners' packets by rooms.media.fast_send, its default;
``FANOUT_FAST_SEND=0`` in the environment runs it with ``MediaRouter(fast_send=False)``
(aiortc's sender loop per listener) instead.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path
from typing import Any

from benchmarks import harness, procs
from benchmarks.harness import Record

LEVELS = (50, 100, 200, 400)
QUICK_LEVELS = (20, 50)
BASELINE_LEVELS = (5, 10, 20)
QUICK_BASELINE_LEVELS = (5, 10)
PER_WORKER = 100
CLIENT = "benchmarks.mediaclient.MediaClients"


def run(quick: bool, workdir: Path) -> Record:
    record = Record("fanout", quick)
    levels = QUICK_LEVELS if quick else LEVELS
    window = 4.0 if quick else 10.0
    listener_workers = max(2, math.ceil(max(levels) / PER_WORKER))
    with procs.Workers(CLIENT, 1 + listener_workers) as workers:
        ours = _measure(workers, "forward", levels, window, workdir, marker=True)
        workers.call_all("drop", [()] * len(workers))
        base_levels = QUICK_BASELINE_LEVELS if quick else BASELINE_LEVELS
        base = _measure(workers, "relay", base_levels, window, workdir, marker=False)
    _report(record, ours, base)
    return record


def _measure(
    workers: procs.Workers,
    mode: str,
    levels: tuple[int, ...],
    window: float,
    workdir: Path,
    marker: bool,
) -> list[dict[str, Any]]:
    port = procs.free_port()
    url = f"ws://127.0.0.1:{port}"
    args = ["--mode", mode, "--port", str(port)]
    if mode == "forward":
        args.append("--fast-send" if _fast_send() else "--no-fast-send")
    points: list[dict[str, Any]] = []
    with procs.server("benchmarks.mediaserver", args, port, workdir / f"fanout-{mode}.log") as srv:
        workers.call(0, "publish", url, "interpreter", 0, marker, within=60)
        time.sleep(1.0)
        points.append(_window(workers, srv.pid, 0, window, marker))
        have = 0
        listener_workers = len(workers) - 1
        for level in levels:
            calls = []
            for w in range(listener_workers):
                ids = [f"{mode}-l{i}" for i in range(have, level) if i % listener_workers == w]
                calls.append((url, ids, "interpreter"))
            started = time.monotonic()
            for w, each in enumerate(calls, start=1):
                workers.send(w, "listen", *each)
            for w in range(1, len(workers)):
                workers.receive(w, 60 + level)
            have = level
            connect_s = time.monotonic() - started
            point = _window(workers, srv.pid, level, window, marker)
            point["connect_s"] = connect_s
            points.append(point)
        workers.call_all("drop", [()] * len(workers))
    return points


def _window(
    workers: procs.Workers, pid: int, level: int, window: float, marker: bool
) -> dict[str, Any]:
    time.sleep(1.5)  # let connection set-up settle
    workers.call_all("reset", [()] * len(workers))
    cpu0 = procs.cpu_seconds(pid)
    clients0 = sum(procs.cpu_seconds(p) for p in workers.pids)
    t0 = time.monotonic_ns()
    time.sleep(window)
    t1 = time.monotonic_ns()
    cpu1 = procs.cpu_seconds(pid)
    clients1 = sum(procs.cpu_seconds(p) for p in workers.pids)
    rss = procs.rss_mb(pid)
    time.sleep(0.5)  # late packets of the window
    seconds = (t1 - t0) / 1e9
    sent = workers.call(0, "sent", t0, t1)[0] if marker else round(seconds * 50)
    # Worker 0 publishes; the others listen.
    for w in range(1, len(workers)):
        workers.send(w, "collect", t0, t1)
    collected = [workers.receive(w, 60) for w in range(1, len(workers))]
    received = [n for each in collected for n in each["received"]]
    latencies = [ms for each in collected for ms in each["latencies_ms"]]
    expected = sent * level
    loss = None if expected == 0 else max(0.0, 1 - sum(received) / expected)
    return {
        "listeners": level,
        "connected": len(received),
        "cpu_per_s": (cpu1 - cpu0) / seconds,
        "clients_cpu_per_s": (clients1 - clients0) / seconds,
        "rss_mb": rss,
        "loss": loss,
        "p50_ms": harness.percentile(latencies, 50) if latencies else None,
        "p99_ms": harness.percentile(latencies, 99) if latencies else None,
        "sent": sent,
    }


def _report(record: Record, ours: list[dict[str, Any]], base: list[dict[str, Any]]) -> None:
    line = harness.least_squares([p["listeners"] for p in ours], [p["cpu_per_s"] for p in ours])
    base_line = harness.least_squares(
        [p["listeners"] for p in base], [p["cpu_per_s"] for p in base]
    )
    memory = harness.least_squares([p["listeners"] for p in ours], [p["rss_mb"] for p in ours])
    per_listener_ms = line.slope * 1000
    base_ms = base_line.slope * 1000
    record.figure(
        "server CPU per listener-second",
        per_listener_ms,
        "ms",
        baseline=base_ms,
        baseline_name="MediaRelay, re-encode per listener",
        detail=f"slope over N, r²={line.r2:.3f} (baseline r²={base_line.r2:.3f})",
    )
    record.figure(
        "server CPU, fixed part",
        line.intercept * 1000,
        "ms/s",
        baseline=base_line.intercept * 1000,
        baseline_name="MediaRelay",
        detail="intercept of the same fit",
    )
    record.figure("server memory per 1,000 listeners", memory.slope * 1000, "MB",
                  detail=f"RSS slope, r²={memory.r2:.3f}")  # fmt: skip
    for p in ours[1:]:
        n = p["listeners"]
        record.figure(f"N={n} server CPU", p["cpu_per_s"] * 1000, "ms/s",
                      detail=f"{p['connected']} connected in {p['connect_s']:.0f} s")  # fmt: skip
        record.figure(f"N={n} client processes' CPU", p["clients_cpu_per_s"] * 1000, "ms/s",
                      detail="all listener and interpreter processes")  # fmt: skip
        record.figure(f"N={n} packet loss", _pct(p["loss"]), "%")
        record.figure(
            f"N={n} latency p50", p["p50_ms"], "ms", detail="interpreter send → listener arrival"
        )
        record.figure(
            f"N={n} latency p99", p["p99_ms"], "ms", detail="interpreter send → listener arrival"
        )
    for p in base[1:]:
        n = p["listeners"]
        record.figure(f"baseline N={n} server CPU", p["cpu_per_s"] * 1000, "ms/s",
                      detail="MediaRelay")  # fmt: skip
        record.figure(f"baseline N={n} packet loss", _pct(p["loss"]), "%", detail="MediaRelay")

    cheaper = harness.ratio(base_ms, per_listener_ms)
    worst_loss = max((p["loss"] or 0.0) for p in ours[1:])
    worst_p99 = max((p["p99_ms"] or math.inf) for p in ours[1:])
    record.goal("≤ 0.5 ms server CPU per listener-second", per_listener_ms <= 0.5,
                f"{per_listener_ms:.3f} ms")  # fmt: skip
    record.goal("≥ 50× cheaper than MediaRelay", None if cheaper is None else cheaper >= 50,
                "–" if cheaper is None else f"{cheaper:.1f}×")  # fmt: skip
    record.goal(
        "< 0.1% packet loss (every N)", worst_loss < 0.001, f"worst {worst_loss * 100:.3f}%"
    )
    record.goal("p99 added latency ≤ 20 ms (every N)", worst_p99 <= 20, f"worst {worst_p99:.1f} ms")
    record.goal("≤ 200 MB per 1,000 listeners", memory.slope * 1000 <= 200,
                f"{memory.slope * 1000:.0f} MB")  # fmt: skip
    cores = os.cpu_count() or 1
    for p in ours:
        busy = p["cpu_per_s"] + p["clients_cpu_per_s"]
        if busy >= 0.85 * cores:
            record.notes.append(
                f"N={p['listeners']}: server and clients used {busy:.2f} of {cores} cores, so "
                "the machine, not only the server, limits loss and latency at this N"
            )
        if p["listeners"] and p["connected"] < p["listeners"]:
            record.notes.append(f"N={p['listeners']}: only {p['connected']} listeners connected")
    record.notes.append(
        "Server: MediaRouter(fast_send=True), rooms.media.fast_send"
        if _fast_send()
        else "Server: MediaRouter(fast_send=False), aiortc's RTCRtpSender loop per listener"
    )
    record.notes.append(
        "Latency is end to end on loopback (the interpreter's send time in the payload to the "
        "listener's packet handler), so it bounds the server's added latency from above."
    )


def _fast_send() -> bool:
    return os.environ.get("FANOUT_FAST_SEND", "") != "0"


def _pct(value: float | None) -> float | None:
    return None if value is None else value * 100

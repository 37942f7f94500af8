"""Mouth-to-ear latency under load: the floor to one real Chromium listener while synthetic
listeners fill the same room, against a direct call in the same run.

The app and the pages are those of ``benchmarks/latency.py`` (the floor speaker, the direct
call in her browser, one listener on the original). Synthetic listeners join the plenary's
room through the app's own signalling from worker processes (``MediaClients.join_room``:
one floor slot and the channel slot each, packets counted, never decoded). At each step
(N listeners in the room), after a pause to settle, ``PIPS`` pips are recorded; the step
breaks the goal when the listener's p95 exceeds ``GOAL``× the direct call's. The run stops
at the first step that breaks it or after the last step.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from benchmarks import data, latency, pips, procs
from benchmarks.harness import Record
from rooms.signalling import ConnectTokens, Identity

STEPS, QUICK_STEPS = (0, 50, 100, 200, 300), (0, 20)
PIPS, QUICK_PIPS = 16, 4
SETTLE_S, QUICK_SETTLE_S = 6.0, 2.0
WORKERS = 4
GOAL = 1.5
PAGES = ("flora", "direct", "leo")
FLOOR = latency.PATHS[0]  # floor → listener


def run(quick: bool, workdir: Path) -> Record:
    record = Record("latencyload", quick)
    steps, count = (QUICK_STEPS, QUICK_PIPS) if quick else (STEPS, PIPS)
    settle = QUICK_SETTLE_S if quick else SETTLE_S
    url, engine = data.fresh(workdir / "latencyload.db")
    latency.seed(engine)
    engine.dispose()
    port = procs.free_port()
    secret = secrets.token_urlsafe(32)
    args = ["--db", url, "--port", str(port), "--secret=" + secret]
    tokens = ConnectTokens(secret)
    site = f"http://127.0.0.1:{port}"
    plan = {k: latency.PAGES[k] for k in PAGES}
    broke_at: int | None = None
    with (
        procs.server("benchmarks.appserver", args, port, workdir / "latencyload-app.log") as srv,
        procs.Workers("benchmarks.mediaclient.MediaClients", WORKERS) as workers,
        sync_playwright() as pw,
        latency.opened(pw, site, srv, workdir, plan) as pages,
    ):
        seated = 0
        for n in steps:
            joined = time.monotonic()
            chunks: list[list[str]] = [[] for _ in range(WORKERS)]
            for i in range(seated, n):
                identity = Identity.of(f"load-{i}", f"Listener {i}", ["participant"])
                chunks[i % WORKERS].append(tokens.issue(identity))
            busy = [(w, c) for w, c in enumerate(chunks) if c]
            for w, chunk in busy:
                workers.send(w, "join_room", site, latency.PLENARY, chunk)
            for w, _ in busy:
                workers.receive(w, 300)
            join_s = time.monotonic() - joined
            seated = n
            time.sleep(settle)
            workers.call_all("received", [()] * WORKERS)
            buffers: dict[str, list[str]] = {}  # the receivers' jitter buffers, in words
            onsets, window, server_cpu = latency.record_pips(pages, srv, count, buffers)
            seconds = (window[1] - window[0]) / 1000
            received = [c for each in workers.call_all("received", [()] * WORKERS) for c in each]
            each_pip = latency.path_latencies(onsets, window, FLOOR)
            record.notes.append(
                f"N={n}: floor → listener, each pip (ms): {[round(v) for v in each_pip]}"
            )
            for key in sorted(buffers):
                record.notes.append(f"N={n}: {key}: " + "; ".join(buffers[key]))
            floor = pips.summarise(each_pip)
            direct = pips.summarise(latency.path_latencies(onsets, window, latency.DIRECT))
            _figures(record, n, floor, direct, server_cpu, received, seconds, join_s)
            if floor is None or direct is None or floor.p95 > GOAL * direct.p95:
                broke_at = n
                break
    held = [n for n in steps if broke_at is None or n < broke_at]
    record.goal(
        f"floor → listener p95 ≤ {GOAL}× the direct call's with 200 synthetic listeners",
        None if 200 not in steps else (broke_at is None or broke_at > 200),
        f"held up to {max(held) if held else 'none'} listeners"
        + (f"; broke at {broke_at}" if broke_at is not None else f"; held at every step {steps}"),
    )
    record.notes.append(
        f"{count} pips per step from {settle:.0f} s after the step's listeners joined; "
        f"synthetic listeners in {WORKERS} worker processes; load average "
        f"{' '.join(Path('/proc/loadavg').read_text().split()[:3])} at the end"
    )
    return record


def _figures(
    record: Record,
    n: int,
    floor: pips.Summary | None,
    direct: pips.Summary | None,
    server_cpu: float,
    received: list[int],
    seconds: float,
    join_s: float,
) -> None:
    if floor is None or direct is None:
        record.notes.append(f"N={n}: no pips measured (floor {floor}, direct {direct})")
        return
    for stat in ("p50", "p95"):
        record.figure(
            f"N={n} floor → listener {stat}", getattr(floor, stat), "ms",
            baseline=getattr(direct, stat), baseline_name="direct call",
            detail=f"{floor.count} pips",
        )  # fmt: skip
    record.figure(
        f"N={n} server CPU", server_cpu * 1000, "ms/s", detail=f"joined in {join_s:.0f} s"
    )
    if received:
        expected = seconds * 50  # 20 ms packets
        worst = min(received) / expected
        record.figure(
            f"N={n} synthetic listeners' packets received, worst of {len(received)}",
            100 * min(1.0, worst), "%", detail=f"over {seconds:.0f} s",
        )  # fmt: skip

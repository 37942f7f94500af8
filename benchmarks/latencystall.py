"""Mouth-to-ear latency while the server's event loop stalls, on both send paths.

The latency benchmark's set-up (``benchmarks/latency.py``: real Chromium, tone pips, a
direct call in the same run as the baseline) with the floor speaker, a listener on the
original and the Spanish interpreter's console, while the app server blocks its event loop
for 300 ms every 10 s (``benchmarks/appserver.py --stall-every``), as a full garbage
collection or a long page render does. After each stall the publisher's packets come out
of the socket back to back; a listener's browser that receives such a burst raises its
jitter buffer's delay for seconds. The burst rules (``rooms/media/forwarding.py``) send
only what is within 40 ms of the newest packet: the queued path looks into each listener's
queue, the fast send path asks each source's ``Punctuality``. Two runs in a row, each with
its own direct call: the fast send path (the default) and aiortc's sender loop
(``--no-fast-send``). On request only: ``python -m benchmarks --only latencystall``.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from benchmarks import data, pips, procs
from benchmarks.harness import Record
from benchmarks.latency import DIRECT, PAGES, PATHS, measure, path_latencies, seed

STALL_EVERY_S, STALL_MS = 10.0, 300
PIPS, QUICK_PIPS = 24, 8
SETTLE_S = 8.0
PAGE_KEYS = ("flora", "direct", "leo", "ivan")
PATH_NAMES = ("floor → listener", "floor → interpreter's console")
GOAL = 1.25  # as on a quiet machine: the stalls should not show


def run(quick: bool, workdir: Path) -> Record:
    record = Record("latencystall", quick)
    count = QUICK_PIPS if quick else PIPS
    plan = {k: PAGES[k] for k in PAGE_KEYS}
    paths = [p for p in PATHS if p.name in PATH_NAMES]
    for label, flags in (("fast send", []), ("sender loop", ["--no-fast-send"])):
        url, engine = data.fresh(workdir / f"stall-{len(flags)}.db")
        seed(engine)
        engine.dispose()
        port = procs.free_port()
        args = ["--db", url, "--port", str(port), "--secret=" + secrets.token_urlsafe(32),
                "--stall-every", str(STALL_EVERY_S), "--stall-ms", str(STALL_MS), *flags]  # fmt: skip
        log = workdir / f"stall-app-{len(flags)}.log"
        with procs.server("benchmarks.appserver", args, port, log) as srv:
            site = f"http://127.0.0.1:{port}"
            onsets, window, _cpu = measure(site, srv, workdir, plan, count, SETTLE_S)
        base = pips.summarise(path_latencies(onsets, window, DIRECT))
        for path in paths:
            found = path_latencies(onsets, window, path)
            record.notes.append(f"{label}, {path.name}, each pip (ms): {[round(v) for v in found]}")
            summary = pips.summarise(found)
            if summary is None or base is None:
                record.goal(
                    f"{label}: {path.name} p95 ≤ {GOAL}× the direct call's", None, "no pips"
                )
                continue
            record.figure(f"{label}: {path.name} p50", summary.p50, "ms", baseline=base.p50,
                          baseline_name="direct call", detail=f"{summary.count} pips")  # fmt: skip
            record.figure(f"{label}: {path.name} p95", summary.p95, "ms", baseline=base.p95,
                          baseline_name="direct call", detail=f"{summary.count} pips")  # fmt: skip
            ratio = summary.p95 / base.p95
            record.goal(f"{label}: {path.name} p95 ≤ {GOAL}× the direct call's",
                        ratio <= GOAL, f"{ratio:.2f}× ({summary.p95:.0f} vs {base.p95:.0f} ms)")  # fmt: skip
    record.notes.append(
        f"the server blocked its loop for {STALL_MS} ms every {STALL_EVERY_S:.0f} s; "
        f"{count} pips per path and run, one every {pips.PERIOD_S} s"
    )
    return record

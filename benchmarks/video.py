"""Video fan-out: one camera (VP8, 640×360, 30 frames/s, about 500 kbit/s) to N viewers.

The server (benchmarks.videoserver, the product's MediaRouter) runs in its own process;
the publisher and the viewers in client processes (benchmarks.videoclient). Counting
viewers never decode. Viewers are added in steps (N = 10, 20, 40; quick: 5, 10); at each
step the server's CPU time is read from /proc over a fixed window, and the slope over N
is the CPU per viewer-second.

Baseline, same run: aiortc's MediaRelay, where the server decodes the camera once and each
viewer's sender re-encodes it (N = 1, 2, 3; quick: 1, 2). For reference, the same router
with ``video_fast_send=False`` (aiortc's sender loop per viewer, the path before
rooms.media.video_send) at N = 10, 20 (quick: 5, 10).

Then a few decoding viewers subscribe to the camera one at a time, over and over: the
time from the subscribe to their first decoded frame (the server asks the publisher for
a keyframe, coalesced), p50 and p95.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from benchmarks import harness, procs
from benchmarks.harness import Record

LEVELS = (10, 20, 40)
QUICK_LEVELS = (5, 10)
BASELINE_LEVELS = (1, 2, 3)
QUICK_BASELINE_LEVELS = (1, 2)
QUEUED_LEVELS = (10, 20)
QUICK_QUEUED_LEVELS = (5, 10)
CLIENT = "benchmarks.videoclient.VideoClients"
TIMING_VIEWERS = 3


def run(quick: bool, workdir: Path) -> Record:
    record = Record("video", quick)
    window = 4.0 if quick else 8.0
    with procs.Workers(CLIENT, 3) as workers:
        ours, first_ms, restarts = _measure(
            workers, "forward", QUICK_LEVELS if quick else LEVELS, window, workdir,
            rounds=4 if quick else 10,
        )  # fmt: skip
        workers.call_all("drop", [()] * len(workers))
        queued, _, _ = _measure(
            workers, "queued", QUICK_QUEUED_LEVELS if quick else QUEUED_LEVELS, window,
            workdir, rounds=0,
        )  # fmt: skip
        workers.call_all("drop", [()] * len(workers))
        base, _, _ = _measure(
            workers, "relay", QUICK_BASELINE_LEVELS if quick else BASELINE_LEVELS, window,
            workdir, rounds=0,
        )  # fmt: skip
    _report(record, ours, base, first_ms, restarts)
    queued_line = harness.least_squares(
        [p["viewers"] for p in queued], [p["cpu_per_s"] for p in queued]
    )
    record.figure(
        "reference: aiortc's sender loop per viewer, CPU per viewer-second",
        queued_line.slope * 1000, "ms",
        detail=f"MediaRouter(video_fast_send=False), slope over N, r²={queued_line.r2:.3f}",
    )  # fmt: skip
    return record


def _measure(
    workers: procs.Workers,
    mode: str,
    levels: tuple[int, ...],
    window: float,
    workdir: Path,
    rounds: int,
) -> tuple[list[dict[str, Any]], list[float], int]:
    port = procs.free_port()
    url = f"ws://127.0.0.1:{port}"
    points: list[dict[str, Any]] = []
    with procs.server(
        "benchmarks.videoserver", ["--mode", mode, "--port", str(port)], port,
        workdir / f"video-{mode}.log",
    ) as srv:  # fmt: skip
        workers.call(0, "publish", url, "camera", within=120)
        time.sleep(1.0)
        points.append(_window(workers, srv.pid, 0, window))
        have = 0
        for level in levels:
            ids = [f"{mode}-v{i}" for i in range(have, level)]
            workers.call(1, "watch", url, ids, "camera", within=120 + level)
            have = level
            points.append(_window(workers, srv.pid, level, window))
        first_ms: list[float] = []
        if rounds:
            ids = [f"timing-{i}" for i in range(TIMING_VIEWERS)]
            workers.call(2, "watch", url, ids, "camera", True, within=120)
            first_ms = workers.call(2, "first_frames", "camera", rounds, within=60 + rounds * 10)
        restarts = workers.call(0, "keyframe_restarts")
        workers.call_all("drop", [()] * len(workers))
    return points, first_ms, restarts


def _window(workers: procs.Workers, pid: int, level: int, window: float) -> dict[str, Any]:
    time.sleep(1.5)  # let connection set-up settle
    workers.call(1, "reset")
    cpu0 = procs.cpu_seconds(pid)
    t0 = time.monotonic()
    time.sleep(window)
    seconds = time.monotonic() - t0
    cpu1 = procs.cpu_seconds(pid)
    received = workers.call(1, "received")
    return {
        "viewers": level,
        "cpu_per_s": (cpu1 - cpu0) / seconds,
        "kbit_per_viewer": (sum(received) * 8 / 1000 / seconds / len(received)) if received else 0,
        "receiving": sum(1 for b in received if b > 0),
    }


def _report(
    record: Record,
    ours: list[dict[str, Any]],
    base: list[dict[str, Any]],
    first_ms: list[float],
    restarts: int,
) -> None:
    line = harness.least_squares([p["viewers"] for p in ours], [p["cpu_per_s"] for p in ours])
    base_line = harness.least_squares([p["viewers"] for p in base], [p["cpu_per_s"] for p in base])
    per_viewer_ms = line.slope * 1000
    base_ms = base_line.slope * 1000
    record.figure(
        "server CPU per viewer-second", per_viewer_ms, "ms", baseline=base_ms,
        baseline_name="MediaRelay, decode + re-encode VP8 per viewer",
        detail=f"slope over N, r²={line.r2:.3f} (baseline r²={base_line.r2:.3f})",
    )  # fmt: skip
    for p in ours[1:]:
        record.figure(f"N={p['viewers']} server CPU", p["cpu_per_s"] * 1000, "ms/s",
                      detail=f"{p['receiving']} viewers receiving, "
                      f"{p['kbit_per_viewer']:.0f} kbit/s each (RTP payload)")  # fmt: skip
    for p in base[1:]:
        record.figure(f"baseline N={p['viewers']} server CPU", p["cpu_per_s"] * 1000, "ms/s",
                      detail="MediaRelay")  # fmt: skip
    p50 = harness.percentile(first_ms, 50) if first_ms else None
    p95 = harness.percentile(first_ms, 95) if first_ms else None
    record.figure("subscribe → first decoded frame p50", p50, "ms",
                  detail=f"{len(first_ms)} subscribes")  # fmt: skip
    record.figure("subscribe → first decoded frame p95", p95, "ms",
                  detail="the server asks the publisher for a keyframe")  # fmt: skip
    record.figure("keyframes the publisher was asked for", restarts, "",
                  detail="viewers joining plus the timed subscribes, coalesced")  # fmt: skip
    cheaper = harness.ratio(base_ms, per_viewer_ms)
    record.goal("≥ 30× cheaper than MediaRelay", None if cheaper is None else cheaper >= 30,
                "–" if cheaper is None else f"{cheaper:.0f}×")  # fmt: skip
    record.goal("≤ 1 ms server CPU per viewer-second", per_viewer_ms <= 1.0,
                f"{per_viewer_ms:.2f} ms")  # fmt: skip
    record.goal("subscribe → first decoded frame p95 ≤ 500 ms", None if p95 is None else p95 <= 500,
                "–" if p95 is None else f"{p95:.0f} ms")  # fmt: skip
    record.notes.append(
        "Server: MediaRouter's default video path (rooms.media.video_send: each frame "
        "packetised once, every viewer's packets sent in one loop, no encoding); viewers "
        "count RTP bytes without decoding"
    )

"""Language switch: from the switch message to the new channel's first packet at the client.

Two interpreters publish marker packets; listeners (one client process) switch their
channel slot between them, one switch at a time each, 200 switches in all (quick: 40).
The server answers a switch with ``ForwardingTrack.on_switch``'s ``first_ordinal``; the
client turns it into the RTP sequence number that starts the new source and timestamps
that packet's arrival. The payload marker double-checks that it came from the new source.

Baseline, same run: switching by SDP renegotiation. The listener sends a new offer, the
server answers and replaces the channel sender's track; the first packet carrying the
new interpreter's marker ends the measurement.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

from benchmarks import harness, procs
from benchmarks.harness import Record

SWITCHES = 200
QUICK_SWITCHES = 40
LISTENERS = 10
QUICK_LISTENERS = 5
CLIENT = "benchmarks.mediaclient.MediaClients"
SOURCES = ["interpreter-a", "interpreter-b"]


def run(quick: bool, workdir: Path) -> Record:
    record = Record("switch", quick)
    listeners = QUICK_LISTENERS if quick else LISTENERS
    per_listener = math.ceil((QUICK_SWITCHES if quick else SWITCHES) / listeners)
    port = procs.free_port()
    url = f"ws://127.0.0.1:{port}"
    args = ["--mode", "forward", "--port", str(port)]
    with (
        procs.Workers(CLIENT, 2) as workers,
        procs.server("benchmarks.mediaserver", args, port, workdir / "switch.log"),
    ):
        for index, source in enumerate(SOURCES):
            workers.call(0, "publish", url, source, index, True, within=60)
        ids = [f"switcher-{i}" for i in range(listeners)]
        workers.call(1, "listen", url, ids, SOURCES[0], "listener", True, within=120)
        time.sleep(1.0)
        ours = workers.call(1, "switches", SOURCES, per_listener, False, within=300)
        workers.call(1, "drop", within=60)
        ids = [f"renegotiator-{i}" for i in range(listeners)]
        workers.call(1, "listen", url, ids, SOURCES[0], "renegotiator", True, within=120)
        time.sleep(1.0)
        base = workers.call(1, "switches", SOURCES, per_listener, True, within=300)
    _report(record, ours, base)
    return record


def _report(record: Record, ours: dict[str, Any], base: dict[str, Any]) -> None:
    p50, p95 = _pcts(ours["ms"])
    b50, b95 = _pcts(base["ms"])
    record.figure("switch → first new packet, p50", p50, "ms", baseline=b50,
                  baseline_name="SDP renegotiation", detail=f"{len(ours['ms'])} switches")  # fmt: skip
    record.figure("switch → first new packet, p95", p95, "ms", baseline=b95,
                  baseline_name="SDP renegotiation", detail=f"{len(base['ms'])} renegotiations")  # fmt: skip
    s50, s95 = _pcts(ours["server_ms"])
    record.figure("server: set_channel → first packet out, p50", s50, "ms",
                  detail="ForwardingTrack.last_switch")  # fmt: skip
    record.figure("server: set_channel → first packet out, p95", s95, "ms")
    faster = harness.ratio(b95, p95)
    record.goal("p95 ≤ 50 ms", None if p95 is None else p95 <= 50, _ms(p95))
    record.goal("≥ 5× faster than renegotiation (p95)", None if faster is None else faster >= 5,
                "–" if faster is None else f"{faster:.1f}×")  # fmt: skip
    for name, result in (("switch", ours), ("renegotiation", base)):
        if result["timeouts"]:
            record.notes.append(f"{name}: {result['timeouts']} switches saw no new packet in time")
    if ours["mismatched"]:
        record.notes.append(
            f"{ours['mismatched']} switches: the packet at the reported sequence number "
            "did not carry the new interpreter's marker"
        )


def _pcts(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    return harness.percentile(values, 50), harness.percentile(values, 95)


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} ms"

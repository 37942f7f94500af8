"""``python -m benchmarks [--quick] [--only NAME ...]``: run the benchmarks, print the table,
write benchmarks/results/<name>.json.

Exits non-zero only when a benchmark crashes; a missed goal is reported, not an error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
import time
import traceback
from pathlib import Path

from benchmarks import harness
from benchmarks.harness import Record

BENCHMARKS = (
    "fanout",
    "switch",
    "video",
    "signalling",
    "planners",
    "pages",
    "latency",
    "lipsync",
    "signin_timing",
    "latencyload",
    "captions",
    "placement",
    "relay",
)
# Run only when named with --only: the soak takes 10 minutes, the loss benchmark 9, the
# latency under stalls 3.
ON_REQUEST = ("soak", "loss", "latencystall")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smoke run of under 2 minutes")
    parser.add_argument("--only", action="append", choices=BENCHMARKS + ON_REQUEST,
                        metavar="NAME", help="run only this benchmark (repeatable): "
                        f"{', '.join(BENCHMARKS + ON_REQUEST)}")  # fmt: skip
    parser.add_argument("--results", type=Path, default=harness.RESULTS,
                        help="where the JSON records go")  # fmt: skip
    args = parser.parse_args(argv)
    names = [n for n in BENCHMARKS + ON_REQUEST if n in (args.only or BENCHMARKS)]

    machine = harness.machine()
    print(f"{machine['cpu_model']}, {machine['cores']} cores, {machine['memory_gb']} GB, "
          f"Python {machine['python']}, commit {(machine['git_commit'] or '?')[:10]}"
          f"{' (dirty)' if machine['git_dirty'] else ''}", flush=True)  # fmt: skip
    records: list[Record] = []
    crashed: list[str] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        for name in names:
            print(f"\n== {name}{' (quick)' if args.quick else ''}", flush=True)
            workdir = Path(tmp) / name
            workdir.mkdir()
            t0 = time.monotonic()
            try:
                record: Record = importlib.import_module(f"benchmarks.{name}").run(
                    args.quick, workdir
                )
            except Exception:
                crashed.append(name)
                print(f"{name} crashed:\n{traceback.format_exc()}", file=sys.stderr, flush=True)
                _show_logs(workdir)
                continue
            record.seconds = time.monotonic() - t0
            record.machine = machine
            path = harness.write(record, args.results)
            records.append(record)
            print(harness.table([record]), flush=True)
            for note in record.notes:
                print(f"  note: {note}", flush=True)
            print(f"  {record.seconds:.0f} s; wrote {path}", flush=True)

    print(f"\n== all ({time.monotonic() - started:.0f} s)\n")
    print(harness.table(records))
    if crashed:
        print(f"\ncrashed: {', '.join(crashed)}", file=sys.stderr)
        return 1
    return 0


def _show_logs(workdir: Path) -> None:
    for log in sorted(workdir.glob("*.log")):
        lines = log.read_text(errors="replace").splitlines()[-20:]
        print(f"--- {log.name}\n" + "\n".join(lines), file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())

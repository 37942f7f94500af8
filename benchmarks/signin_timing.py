"""Sign-in timing: does the sign-in form answer a known address as fast as an unknown one?

The real app in process (Starlette's test client, no network, so only the server's own
work is timed), on a temp SQLite database with the organiser as the one known address,
mail through the development outbox. Requests alternate known and unknown addresses, one
at a time, after a warm-up. Rate limits are raised for the run.

Baseline, same run: the known address. The figure is the unknown address's time as a
ratio of the known one's; a form that reveals nothing keeps it near 1.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from starlette.testclient import TestClient

from benchmarks import data, harness
from benchmarks.harness import Record
from conference.app import create_app
from conference.settings import Settings

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ROUNDS, QUICK_ROUNDS = 300, 30


def run(quick: bool, workdir: Path) -> Record:
    record = Record("signin_timing", quick)
    url, engine = data.fresh(workdir / "signin.db")
    data.conference(engine)
    data.organiser(engine)
    settings = Settings(
        database_url=url,
        secret_key=secrets.token_urlsafe(32),
        rate_limit_address="100000/minute",
        rate_limit_ip="100000/minute",
    )
    rounds = QUICK_ROUNDS if quick else ROUNDS
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    with TestClient(create_app(settings, engine), base_url=settings.site_url) as client:
        token = CSRF.search(client.get("/signin").text).group(1)  # type: ignore[union-attr]
        for i in range(rounds + 10):
            for kind, email in (("known", data.ORGANISER), ("unknown", f"n{i}@bench.example")):
                t0 = time.perf_counter()
                answer = client.post("/signin", data={"email": email, "csrf_token": token})
                elapsed = (time.perf_counter() - t0) * 1000
                if answer.status_code != 200:
                    raise RuntimeError(f"sign-in answered {answer.status_code}")
                if i >= 10:  # the first rounds warm templates and connections
                    times[kind].append(elapsed)
    engine.dispose()
    k50, u50 = harness.percentile(times["known"], 50), harness.percentile(times["unknown"], 50)
    k90, u90 = harness.percentile(times["known"], 90), harness.percentile(times["unknown"], 90)
    record.figure("known address p50", k50, "ms", detail=f"{rounds} requests")
    record.figure("unknown address p50", u50, "ms", baseline=k50, baseline_name="known address")
    record.figure("unknown address p90", u90, "ms", baseline=k90, baseline_name="known address")
    k99, u99 = harness.percentile(times["known"], 99), harness.percentile(times["unknown"], 99)
    record.figure("unknown address p99", u99, "ms", baseline=k99, baseline_name="known address")
    ratio = harness.ratio(u50, k50)
    record.goal(
        "unknown address p50 within 0.8–1.25× the known one's",
        None if ratio is None else 0.8 <= ratio <= 1.25,
        f"{ratio:.2f}×" if ratio is not None else "–",
    )
    tail = harness.ratio(u90, k90)
    record.goal(
        "unknown address p90 within 0.8–1.25× the known one's",
        None if tail is None else 0.8 <= tail <= 1.25,
        f"{tail:.2f}×" if tail is not None else "–",
    )
    return record

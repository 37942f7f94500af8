"""Pages: the programme and the organiser's registrants page under 50 concurrent clients.

The real app (``create_app``) runs under uvicorn in its own process, on a temp SQLite
database filled directly with 5,000 registrants and 300 sessions. The organiser signs in
once through the real flow (the sign-in form, then the link the development mailer logs,
then its confirmation form). 50 client coroutines share one ``httpx.AsyncClient`` and
each sends its next request as soon as the last one is answered; every target stops
after a fixed count of requests or a time limit, whichever comes first.

Baseline, same run: a static file served by the same server, ``/static/css/site.css``.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks import data, harness, procs
from benchmarks.harness import Record

REGISTRANTS = 5000
SESSIONS = 300
CONCURRENCY = 50
STATIC = "/static/css/site.css"
# (name, path, needs the organiser, requests, seconds at most): full, then quick.
TARGETS = (
    ("static file", STATIC, False, 3000, 40.0),
    ("programme", "/programme", False, 1000, 60.0),
    ("registrants (organiser)", "/organiser/registrants", True, 150, 60.0),
)
# Quick is a smoke run: a smaller event and fewer clients, so it ends within seconds.
QUICK_SIZE = (1000, 100, 20)  # registrants, sessions, concurrent clients
QUICK_TARGETS = (
    ("static file", STATIC, False, 300, 5.0),
    ("programme", "/programme", False, 60, 6.0),
    ("registrants (organiser)", "/organiser/registrants", True, 40, 6.0),
)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LINK = re.compile(r"Sign-in link for person #\d+: (\S+)")


def run(quick: bool, workdir: Path) -> Record:
    record = Record("pages", quick)
    registrants, sessions, concurrency = (
        QUICK_SIZE if quick else (REGISTRANTS, SESSIONS, CONCURRENCY)
    )
    url, engine = data.fresh(workdir / "pages.db")
    started = time.monotonic()
    conference_id = data.conference(engine)
    session_ids = data.programme(engine, conference_id, sessions)
    data.registrants(engine, conference_id, session_ids, registrants)
    data.organiser(engine)
    engine.dispose()
    record.notes.append(
        f"{registrants} registrants and {sessions} sessions (generated in "
        f"{time.monotonic() - started:.1f} s), {concurrency} concurrent clients"
    )
    port = procs.free_port()
    args = ["--db", url, "--port", str(port), "--secret=" + secrets.token_urlsafe(32)]
    with procs.server("benchmarks.appserver", args, port, workdir / "pages-app.log") as srv:
        base = f"http://127.0.0.1:{port}"
        cookies = _sign_in(base, srv)
        targets = QUICK_TARGETS if quick else TARGETS
        results = asyncio.run(_load(base, cookies, targets, concurrency))
    _report(record, results)
    return record


def _sign_in(base: str, srv: procs.Server) -> httpx.Cookies:
    with httpx.Client(base_url=base, timeout=30) as client:
        form = client.get("/signin")
        token = _csrf(form.text)
        sent = client.post(
            "/signin",
            data={"csrf_token": token, "email": data.ORGANISER, "next": "/organiser/registrants"},
        )
        sent.raise_for_status()
        link = _wait_for_link(srv)
        confirm = client.get(link)
        confirm.raise_for_status()
        done = client.post(
            link, data={"csrf_token": _csrf(confirm.text), "next": "/organiser/registrants"}
        )
        if done.status_code not in (200, 303) or "session" not in client.cookies:
            raise procs.BenchmarkError(f"sign-in failed: HTTP {done.status_code}")
        return client.cookies


def _csrf(html: str) -> str:
    found = CSRF.search(html)
    if found is None:
        raise procs.BenchmarkError("no CSRF token in the form")
    return found.group(1)


def _wait_for_link(srv: procs.Server, within: float = 10) -> str:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = LINK.search(srv.tail(50))
        if found:
            return found.group(1)
        time.sleep(0.1)
    raise procs.BenchmarkError("the sign-in link never reached the server log")


async def _load(
    base: str,
    cookies: httpx.Cookies,
    targets: tuple[tuple[str, str, bool, int, float], ...],
    concurrency: int,
) -> list[dict[str, Any]]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    results = []
    async with (
        httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as anonymous,
        httpx.AsyncClient(base_url=base, timeout=120, limits=limits, cookies=cookies) as organiser,
    ):
        for name, path, signed_in, count, seconds in targets:
            client = organiser if signed_in else anonymous
            await _hammer(client, path, 4, 2, 30.0)  # warm up: templates, caches, connections
            latencies, errors, bytes_, wall = await _hammer(
                client, path, count, concurrency, seconds
            )
            results.append(
                {
                    "name": name,
                    "path": path,
                    "ms": latencies,
                    "errors": errors,
                    "bytes": bytes_,
                    "seconds": wall,
                }  # fmt: skip
            )
    return results


async def _hammer(
    client: httpx.AsyncClient, path: str, count: int, concurrency: int, seconds: float
) -> tuple[list[float], int, int, float]:
    """``concurrency`` closed-loop clients, ``count`` requests in all or ``seconds``, whichever first."""
    latencies: list[float] = []
    errors = 0
    size = 0
    issued = 0
    started = time.monotonic()
    deadline = started + seconds

    async def client_loop() -> None:
        nonlocal errors, size, issued
        while issued < count and time.monotonic() < deadline:
            issued += 1
            t0 = time.perf_counter()
            try:
                response = await client.get(path)
            except httpx.HTTPError:
                errors += 1
                continue
            latencies.append((time.perf_counter() - t0) * 1000)
            if response.status_code != 200:
                errors += 1
            size = len(response.content)

    await asyncio.gather(*(client_loop() for _ in range(concurrency)))
    return latencies, errors, size, time.monotonic() - started


def _report(record: Record, results: list[dict[str, Any]]) -> None:
    static = results[0]
    s50 = harness.percentile(static["ms"], 50) if static["ms"] else None
    s99 = harness.percentile(static["ms"], 99) if static["ms"] else None
    for r in results:
        p50 = harness.percentile(r["ms"], 50) if r["ms"] else None
        p99 = harness.percentile(r["ms"], 99) if r["ms"] else None
        rate = len(r["ms"]) / r["seconds"] if r["seconds"] else None
        detail = (f"{len(r['ms'])} requests, {rate:.0f}/s, {r['bytes'] // 1024} KiB, "
                  f"{r['errors']} errors")  # fmt: skip
        if r is static:
            record.figure(f"{r['name']} p50", p50, "ms", detail=detail)
            record.figure(f"{r['name']} p99", p99, "ms")
            continue
        record.figure(f"{r['name']} p50", p50, "ms", baseline=s50, baseline_name="static file",
                      detail=detail)  # fmt: skip
        record.figure(f"{r['name']} p99", p99, "ms", baseline=s99, baseline_name="static file")
        within = harness.ratio(p99, s99)
        record.goal(f"{r['name']}: p99 ≤ 5× the static file's",
                    None if within is None else within <= 5,
                    "–" if within is None else f"{within:.1f}×")  # fmt: skip
        if r["errors"]:
            record.notes.append(f"{r['name']}: {r['errors']} requests failed or were not 200")

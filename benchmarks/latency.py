"""Mouth-to-ear latency through the server, against a direct browser-to-browser call in the same run.

Real headless Chromium on loopback, the real app in its own process. Each sender's fake
microphone plays tone pips (``benchmarks/pips.py``): the floor speakers 800 Hz, the
interpreter 2000 Hz, everyone else a silent file. ``benchmarks/pipdetect.js`` stamps every
pip onset at each page's microphone (departure) and at each remote track (arrival).
The baseline is a direct call: one page in the floor's browser joins two
RTCPeerConnections to each other, no server, the same pips, at the same time. It starts as
soon as its page has loaded, before the other pages join, so it lives through the same joins
as the server paths: on this 2-core machine the four browsers starting their pages starve one
another, and every receiver alive then, the direct call's included, comes out of the joins
with a jitter buffer that drains over the next 10-20 s (docs/performance.md).

How long a receiver's jitter buffer takes to drain after the joins depends on the browser it
lives in, and the one-page call's receiver lives in the floor speaker's browser. So the same
page's microphone also calls a page of the listeners' browser and one of the console's (the
SDP carried between the pages by the benchmark, no server), at the same time, and each floor
path's goal is judged against the one-page call and against the call into its receiver's
browser.

Paths (departure page → arrival page):

- floor → listener: the plenary's speaker → a listener on the original;
- floor → console: the same speaker → the Spanish interpreter's console (floor slot);
- interpreter → listener: the Spanish interpreter on air → a listener on Spanish (channel);
- relay: the Spanish interpreter → the French booth's interpreter, who works from
  Spanish relay (channel slot of her console);
- breakout: a participant of the breakout session → another participant there.
"""

from __future__ import annotations

import math
import re
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from sqlalchemy.engine import Engine

from benchmarks import data, pips, procs
from benchmarks.harness import Record
from conference.storage.engine import session
from conference.storage.tables import Booth, BoothMember, Conference, Person, Registration
from conference.storage.tables import Session as ProgrammeSession

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
    "--allow-loopback-in-peer-connection",
]
PLENARY, BREAKOUT = 1, 2
PIPS, QUICK_PIPS = 32, 6
SETTLE_S, QUICK_SETTLE_S = 8.0, 2.0  # after the last page connected: joins' transients pass
GOAL_QUIET = 1.25  # floor paths' p95 against the direct call's
WAIT_S = 30.0
LINK = re.compile(r"Sign-in link for person #(\d+): (\S+)")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

# person key: name, email, roles, registered languages (None: not registered)
PEOPLE: dict[str, tuple[str, str, list[str], list[str] | None]] = {
    "flora": ("Flora Floor", "flora@bench.example", ["speaker"], None),
    "ivan": ("Ivan Interpreter", "ivan@bench.example", ["interpreter"], None),
    "fay": ("Fay Interpreter", "fay@bench.example", ["interpreter"], None),
    "lea": ("Lea Listener", "lea@bench.example", ["participant"], ["es", "en"]),
    "leo": ("Leo Listener", "leo@bench.example", ["participant"], ["en", "es"]),
    "ben": ("Ben Breakout", "ben@bench.example", ["participant"], ["en"]),
    "lia": ("Lia Breakout", "lia@bench.example", ["participant"], ["en"]),
}


@dataclass(frozen=True)
class PagePlan:
    browser: str  # which fake microphone: "floor", "interpreter" or "silent"
    person: str | None  # None: the direct call's page
    path: str
    hook: str | None  # window.<hook>.peerState says when the page's media is up
    called_by: str | None = None  # a page (opened earlier) that calls this one directly


@dataclass(frozen=True)
class PathPlan:
    name: str
    source: str  # page whose microphone tap gives the departures
    sink: str  # page whose remote tracks give the arrivals
    hz: int


ROOM, CONSOLE = "/rooms/session/{}", "/interpret/session/{}"
PAGES = {
    "flora": PagePlan("floor", "flora", ROOM.format(PLENARY), "__room"),
    "direct": PagePlan("floor", None, "/", None),  # its call starts before the others join
    # the direct page's microphone also calls a page of the listeners' and of the console's
    # browser, at the same time
    "called_listeners": PagePlan("silent", None, "/", None, called_by="direct"),
    "called_console": PagePlan("interpreter", None, "/", None, called_by="direct"),
    "ben": PagePlan("floor", "ben", ROOM.format(BREAKOUT), "__room"),
    "ivan": PagePlan("interpreter", "ivan", CONSOLE.format(PLENARY), "__booth"),
    "fay": PagePlan("silent", "fay", CONSOLE.format(PLENARY), "__booth"),
    "leo": PagePlan("silent", "leo", ROOM.format(PLENARY), "__room"),
    "lea": PagePlan("silent", "lea", ROOM.format(PLENARY), "__room"),
    "lia": PagePlan("silent", "lia", ROOM.format(BREAKOUT), "__room"),
}
DIRECT = PathPlan("direct call (baseline)", "direct", "direct", pips.FLOOR_HZ)
INTO_BROWSER = {  # a floor path → the direct call into its receiver's browser
    "floor → listener": PathPlan(
        "direct call into the listeners' browser", "direct", "called_listeners", pips.FLOOR_HZ
    ),
    "floor → interpreter's console": PathPlan(
        "direct call into the console's browser", "direct", "called_console", pips.FLOOR_HZ
    ),
}
PATHS = [
    PathPlan("floor → listener", "flora", "leo", pips.FLOOR_HZ),
    PathPlan("floor → interpreter's console", "flora", "ivan", pips.FLOOR_HZ),
    PathPlan("interpreter → listener", "ivan", "lea", pips.INTERPRETER_HZ),
    PathPlan("relay: booth A → booth B's interpreter", "ivan", "fay", pips.INTERPRETER_HZ),
    PathPlan("breakout room", "ben", "lia", pips.FLOOR_HZ),
]
# Each run opens only the pages its paths need, with a direct call of its own: all ten pages
# at once load a 2-core machine to a load average of 15, and then every path, the direct calls
# included, is 300-900 ms of browsers waiting for a core (docs/performance.md).
RUNS = {
    "floor paths' run": ("flora", "direct", "called_listeners", "called_console", "leo", "ivan"),
    "interpretation paths' run": ("direct", "ivan", "fay", "lea", "ben", "lia"),
}
QUICK_RUNS = {"quick run": ("flora", "direct", "leo")}


def run(quick: bool, workdir: Path) -> Record:
    record = Record("latency", quick)
    count = QUICK_PIPS if quick else PIPS
    url, engine = data.fresh(workdir / "latency.db")
    seed(engine)
    engine.dispose()
    port = procs.free_port()
    secret = secrets.token_urlsafe(32)
    args = ["--db", url, "--port", str(port), "--secret=" + secret]
    settle = QUICK_SETTLE_S if quick else SETTLE_S
    with procs.server("benchmarks.appserver", args, port, workdir / "latency-app.log") as srv:
        site = f"http://127.0.0.1:{port}"
        for label, keys in (QUICK_RUNS if quick else RUNS).items():
            pages = {k: v for k, v in PAGES.items() if k in keys}
            candidates = [*PATHS, *INTO_BROWSER.values()]
            paths = [p for p in candidates if p.source in pages and p.sink in pages]
            load_before = _load_average()
            buffers: dict[str, list[str]] = {}
            onsets, window, server_cpu = measure(site, srv, workdir, pages, count, settle, buffers)
            baseline = replace(DIRECT, name=f"direct call ({label}, baseline)")
            report(record, onsets, window, baseline, paths)
            for key in sorted(buffers):  # receive jitter buffers over the window's second half
                record.notes.append(f"{label}: {key}: " + "; ".join(buffers[key]))
            record.notes.append(
                f"{label}: {len(pages)} pages; {count} pips per path, one every "
                f"{pips.PERIOD_S} s, from {settle:.0f} s after the last page connected; load "
                f"average {load_before} before, {_load_average()} after; the server process "
                f"used {server_cpu:.0%} of a core during the pips"
            )
    return record


def seed(engine: Engine) -> dict[str, int]:
    """The conference, its two sessions, the people, and the plenary's two booths."""
    ids: dict[str, int] = {}
    with session(engine) as db:
        conf = Conference(
            slug="gc", name="Global Conversations", timezone="UTC",
            start_date=date(2026, 12, 5), end_date=date(2026, 12, 6),
        )  # fmt: skip
        db.add(conf)
        db.flush()
        assert conf.id is not None
        for title, kind, floor, interpreted in (
            ("Opening plenary", "plenary", ["en"], ["es", "fr"]),
            ("Safety and inclusion", "breakout", ["en", "es"], ["fr"]),
        ):
            db.add(
                ProgrammeSession(
                    conference_id=conf.id, title=title, kind=kind,
                    start=datetime(2026, 12, 5, 13, tzinfo=UTC),
                    end=datetime(2026, 12, 5, 14, 30, tzinfo=UTC),
                    floor_languages=floor, interpretation_languages=interpreted,
                )
            )  # fmt: skip
        for key, (name, email, roles, languages) in PEOPLE.items():
            person = Person(name=name, email=email, roles=roles)
            db.add(person)
            db.flush()
            assert person.id is not None
            ids[key] = person.id
            if languages is not None:
                db.add(
                    Registration(
                        conference_id=conf.id, person_id=person.id, languages=languages,
                        timezone="UTC", token=f"reg-{person.id}",
                    )
                )  # fmt: skip
        # The French booth works from Spanish relay, so its interpreter hears Ivan.
        for language, member, sources in (("es", "ivan", "direct"), ("fr", "fay", "relay:es")):
            booth = Booth(session_id=PLENARY, language=language, sources={"en": sources})
            db.add(booth)
            db.flush()
            assert booth.id is not None
            db.add(BoothMember(booth_id=booth.id, person_id=ids[member]))
    return ids


def measure(
    site: str,
    srv: procs.Server,
    workdir: Path,
    plan: dict[str, PagePlan],
    count: int,
    settle: float = SETTLE_S,
    buffers: dict[str, list[str]] | None = None,
) -> tuple[dict[str, list[dict[str, Any]]], tuple[float, float], float]:
    """Open every page, wait until the media flows, record ``count`` pips; onsets per page."""
    with sync_playwright() as pw, opened(pw, site, srv, workdir, plan) as pages:
        time.sleep(settle)
        return record_pips(pages, srv, count, buffers)


@contextmanager
def opened(
    pw: Playwright, site: str, srv: procs.Server, workdir: Path, plan: dict[str, PagePlan]
) -> Iterator[dict[str, Page]]:
    """Every page of ``plan`` signed in, its media up; with Lea, Ivan on air and Lea on Spanish."""
    with _browsers(pw, workdir, {p.browser for p in plan.values()}) as b:
        pages: dict[str, Page] = {}
        for key, spec in plan.items():
            context = b[spec.browser].new_context(bypass_csp=True)
            context.add_init_script(path=str(pips.DETECTOR))
            if spec.person is not None:
                context.add_cookies(_sign_in(site, srv, PEOPLE[spec.person][1], spec.path))
            page = context.new_page()
            page.set_default_timeout(WAIT_S * 1000)
            page.goto(site + spec.path)
            pages[key] = page
            if key == "direct":  # the baseline lives through the joins that follow
                page.evaluate("window.__pipDirectCall()")
            if spec.called_by is not None:
                direct_call(pages[spec.called_by], page)
        for key, spec in plan.items():
            if spec.hook is not None:
                _wait(
                    lambda p=pages[key], h=spec.hook: (  # type: ignore[misc]
                        p.evaluate(f"window.{h}?.peerState") == "connected"
                    ),
                    f"{key}'s media connects",
                )
        if "ivan" in pages and "lea" in pages:  # the interpretation paths start at Ivan
            pages["ivan"].click("#on-air-button")
            _wait(
                lambda: pages["ivan"].get_attribute("#air-state", "data-state") == "on_air",
                "Ivan goes on air",
            )
        if "lea" in pages:
            _wait(lambda: pages["lea"].evaluate("window.__room.language") == "es", "Lea picks es")
        yield pages


def direct_call(sender: Page, receiver: Page) -> None:
    """A direct call from ``sender``'s microphone to ``receiver`` (any browser), no server."""
    offer = sender.evaluate("window.__pipCallOffer()")
    answer = receiver.evaluate("sdp => window.__pipCallAnswer(sdp)", offer["sdp"])
    sender.evaluate("([id, sdp]) => window.__pipCallAccept(id, sdp)", [offer["id"], answer])


def record_pips(
    pages: dict[str, Page],
    srv: procs.Server,
    count: int,
    buffers: dict[str, list[str]] | None = None,
) -> tuple[dict[str, list[dict[str, Any]]], tuple[float, float], float]:
    """``count`` pips from now: every page's onsets, the window (ms), the server's CPU share.

    With ``buffers``, also each page's receive jitter buffers over the window's second half
    (:func:`jitter_buffers`), read from getStats at its middle and its end, and its detector's
    health at the end (:func:`detector_health`).
    """
    start = time.time() * 1000
    cpu = procs.cpu_seconds(srv.pid)
    seconds = count * pips.PERIOD_S + 0.5
    if buffers is None:
        time.sleep(seconds)
    else:
        time.sleep(seconds / 2)
        middle = {key: page.evaluate("window.__pips.receiveStats()") for key, page in pages.items()}
        time.sleep(seconds / 2)
        last = {key: page.evaluate("window.__pips.receiveStats()") for key, page in pages.items()}
        for key, lines in jitter_buffers(middle, last).items():
            buffers.setdefault(key, []).extend(lines)
        for key, page in pages.items():
            buffers.setdefault(key, []).append(
                detector_health(page.evaluate("window.__pips.health()"))
            )
    end = time.time() * 1000
    server_cpu = (procs.cpu_seconds(srv.pid) - cpu) / ((end - start) / 1000)
    onsets = {key: page.evaluate("window.__pips.onsets") for key, page in pages.items()}
    errors = {key: page.evaluate("window.__pips.errors") for key, page in pages.items()}
    if any(errors.values()):
        raise procs.BenchmarkError(f"the pip detector failed: {errors}")
    return onsets, (start, end), server_cpu


def jitter_buffers(
    first: dict[str, list[list[Any]]], second: dict[str, list[list[Any]]]
) -> dict[str, list[str]]:
    """Per page, each remote audio track's mean jitter buffer delay and target between two
    readings of ``receiveStats()``, and its arrival jitter at the second, in words."""
    found: dict[str, list[str]] = {}
    for key, rows in second.items():
        before = {row[0]: row for row in first.get(key, [])}
        for track, delay, target, emitted, jitter in rows:
            if track not in before or emitted <= before[track][3]:
                continue
            samples = emitted - before[track][3]
            found.setdefault(key, []).append(
                f"{track} buffer {1000 * (delay - before[track][1]) / samples:.0f} ms, "
                f"target {1000 * (target - before[track][2]) / samples:.0f} ms, "
                f"arrival jitter {1000 * jitter:.0f} ms"
            )
    return found


def detector_health(raw: dict[str, Any]) -> str:
    """The detector's audio context and each tap's loudest block per frequency, in words."""
    taps = [
        f"{tap} "
        + ", ".join(
            f"{hz} Hz {10 * math.log10(power):.0f} dBFS" if power > 0 else f"{hz} Hz silent"
            for hz, power in zip(raw.get("freqs", []), peaks, strict=False)
        )
        for tap, peaks in sorted(raw.get("peaks", {}).items())
    ]
    return (
        f"detector's audio context {raw.get('state', 'none')}, "
        f"{1000 * raw.get('behindS', 0):.0f} ms behind the page's clock; loudest blocks: "
        + ("; ".join(taps) or "no tap")
    )


def path_latencies(
    onsets: dict[str, list[dict[str, Any]]], window: tuple[float, float], path: PathPlan
) -> list[float]:
    """One path's latencies within the window (ms), in pip order."""
    start, end = window
    departures = [t for t in pips.onsets_of(onsets[path.source], path.hz, "mic") if t < end]
    arrivals = [
        t for t in pips.onsets_of(onsets[path.sink], path.hz, "pc") if start <= t < end + 1000
    ]
    return pips.latencies(departures, arrivals)


def report(
    record: Record,
    onsets: dict[str, list[dict[str, Any]]],
    window: tuple[float, float],
    baseline: PathPlan,
    paths: list[PathPlan],
) -> None:
    """Each path's figures against the one-page direct call ``baseline`` of the same window,
    and the floor paths' goals against it and against the call into the receiver's browser."""
    summaries: dict[str, pips.Summary | None] = {}
    settled: dict[str, pips.Summary | None] = {}  # the window's second half: joins drained
    paths = [baseline, *paths]
    for path in paths:
        found = path_latencies(onsets, window, path)
        summary = summaries[path.name] = pips.summarise(found)
        settled[path.name] = pips.summarise(found[len(found) // 2 :])
        record.notes.append(f"{path.name}, each pip in order (ms): {[round(v) for v in found]}")
        if summary is None:
            record.notes.append(f"{path.name}: no pip arrived")
    base = summaries[baseline.name]
    for path in paths:
        s = summaries[path.name]
        if s is None:
            continue
        for stat in ("p50", "p95", "max"):
            value = getattr(s, stat)
            if path is baseline or base is None:
                record.figure(f"{path.name} {stat}", value, "ms", detail=f"{s.count} pips")
            else:
                record.figure(
                    f"{path.name} {stat}", value, "ms", baseline=getattr(base, stat),
                    baseline_name="direct call", detail=f"{s.count} pips",
                )  # fmt: skip
    settled_base = settled[baseline.name]
    for path in paths:
        s = settled[path.name]
        if path is baseline or s is None or settled_base is None:
            continue
        record.figure(
            f"{path.name} p95, second half of the window", s.p95, "ms",
            baseline=settled_base.p95, baseline_name="direct call, second half",
            detail=f"{s.count} pips",
        )  # fmt: skip
    for name in ("floor → listener", "floor → interpreter's console"):
        if name not in summaries:
            continue
        s = summaries[name]
        into = INTO_BROWSER[name].name
        baselines = [("the direct call's", base)]
        if into in summaries:  # that direct call was in this run
            baselines.append((f"the {into}'s", summaries[into]))
            mine, theirs = settled[name], settled[into]
            if mine is not None and theirs is not None:
                record.figure(
                    f"{name} p95, second half of the window, against the {into}", mine.p95,
                    "ms", baseline=theirs.p95, baseline_name=f"{into}, second half",
                )  # fmt: skip
        for against, baseline in baselines:
            text = f"{name}: p95 ≤ {GOAL_QUIET}× {against}"
            if s is None or baseline is None:
                record.goal(text, None, "no pips")
                continue
            ratio = s.p95 / baseline.p95
            record.goal(
                text, ratio <= GOAL_QUIET, f"{ratio:.2f}× ({s.p95:.0f} ms vs {baseline.p95:.0f} ms)"
            )


@contextmanager
def _browsers(
    pw: Playwright, workdir: Path, kinds: set[str], cameras: dict[str, Path] | None = None
) -> Iterator[dict[str, Browser]]:
    """One browser per fake microphone (and, for the kinds in ``cameras``, a fake camera)."""
    files = {
        "floor": lambda p: pips.write_pip_wav(p, pips.FLOOR_HZ),
        "interpreter": lambda p: pips.write_pip_wav(p, pips.INTERPRETER_HZ),
        "silent": pips.write_silent_wav,
    }
    launched: dict[str, Browser] = {}
    try:
        for kind in sorted(kinds):
            wav = files[kind](workdir / f"{kind}.wav")
            camera = (cameras or {}).get(kind)
            flags = [f"--use-file-for-fake-video-capture={camera}"] if camera else []
            launched[kind] = pw.chromium.launch(
                executable_path=CHROMIUM,
                args=[*CHROMIUM_FLAGS, f"--use-file-for-fake-audio-capture={wav}", *flags],
            )
        yield launched
    finally:
        for browser in launched.values():
            browser.close()


def _sign_in(site: str, srv: procs.Server, email: str, next_path: str) -> list[Any]:
    """The real flow (form, the link the development mailer logs, confirm); the cookies."""
    with httpx.Client(base_url=site, timeout=30) as client:
        seen = set(LINK.findall(srv.tail(400)))
        form = client.get("/signin")
        sent = client.post(
            "/signin", data={"csrf_token": _csrf(form.text), "email": email, "next": next_path}
        )
        sent.raise_for_status()
        link = _wait(
            lambda: next((m[1] for m in LINK.findall(srv.tail(400)) if m not in seen), None),
            f"a sign-in link for {email}",
        )
        confirm = client.get(link)
        confirm.raise_for_status()
        client.post(link, data={"csrf_token": _csrf(confirm.text), "next": next_path})
        if "session" not in client.cookies:
            raise procs.BenchmarkError(f"sign-in failed for {email}")
        return [{"name": c.name, "value": c.value, "url": site} for c in client.cookies.jar]


def _csrf(html: str) -> str:
    found = CSRF.search(html)
    if found is None:
        raise procs.BenchmarkError("no CSRF token in the form")
    return found.group(1)


def _wait(check: Any, what: str, within: float = WAIT_S) -> Any:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise procs.BenchmarkError(f"timed out: {what}")


def _load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])

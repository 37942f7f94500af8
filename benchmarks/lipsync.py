"""Lip sync: a publisher's sound against their picture at a viewer, through the server.

Real headless Chromium on loopback, the real app in its own process (the latency
benchmark's conference, people and sign-in). The floor speaker's browser has a fake
microphone playing a pip every period and a fake camera filming a clip that flashes once
a period (``benchmarks/pips.py``). ``benchmarks/pipdetect.js`` stamps each pip and each
flash where it leaves (the speaker's own microphone and camera) and where it arrives (each
remote track of a viewer's page). Per period, the offset is the picture's latency minus
the sound's (positive: the sound comes first), so the two fake devices' independent loops
cancel out.

Viewers: a listener in the plenary (the speaker large on their room page) and, in the full
run, the Spanish interpreter's console (the floor's sound and the speaker's picture), one
viewer a run. The baseline, in each run, is a direct call: one page of the speaker's browser
sends its microphone and camera, in one stream, to itself, with no server.

Goals (issue #18, after EN 301 549 6.5.4 and ITU-R BT.1359): every offset within ±100 ms,
and the sound never more than 45 ms before the picture.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

from benchmarks import data, latency, pips, procs
from benchmarks.harness import Record

PERIODS, QUICK_PERIODS = 24, 8
SETTLE_S, QUICK_SETTLE_S = 8.0, 4.0
WITHIN_MS = 100.0
SOUND_FIRST_MS = 45.0


# page key: (browser, person or None for the direct call, path, hook)
PAGES = {
    "flora": latency.PagePlan("floor", "flora", latency.ROOM.format(latency.PLENARY), "__room"),
    "direct": latency.PagePlan("floor", None, "/", None),
    "leo": latency.PagePlan("silent", "leo", latency.ROOM.format(latency.PLENARY), "__room"),
    "ivan": latency.PagePlan("silent", "ivan", latency.CONSOLE.format(latency.PLENARY), "__booth"),
}
VIEWERS = {"leo": "listener", "ivan": "interpreter's console"}
# One viewer a run, each with a direct call of its own: with both viewers at once, two cameras
# encoded and three pictures decoded and drawn made the browsers' audio threads miss their
# deadlines (every page's audio clock 0.5-1.5 s behind by the end), and the sound latencies,
# not the server, decided the worst offsets (docs/performance.md).
RUNS = {"listener's run": ("flora", "direct", "leo"), "console's run": ("flora", "direct", "ivan")}
QUICK_RUNS = {"quick run": RUNS["listener's run"]}


def run(quick: bool, workdir: Path) -> Record:
    record = Record("lipsync", quick)
    count = QUICK_PERIODS if quick else PERIODS
    url, engine = data.fresh(workdir / "lipsync.db")
    latency.seed(engine)
    engine.dispose()
    port = procs.free_port()
    args = ["--db", url, "--port", str(port), "--secret=" + "lipsync-" + "x" * 32]
    with procs.server("benchmarks.appserver", args, port, workdir / "lipsync-app.log") as srv:
        site = f"http://127.0.0.1:{port}"
        for label, keys in (QUICK_RUNS if quick else RUNS).items():
            plan = {k: v for k, v in PAGES.items() if k in keys}
            load_before = _load()
            health: dict[str, str] = {}
            onsets, window = measure(
                site, srv, workdir, plan, count, QUICK_SETTLE_S if quick else SETTLE_S, health
            )
            names = {"direct": f"direct call ({label}, baseline)"}
            names.update((k, VIEWERS[k]) for k in VIEWERS if k in plan)
            report(record, onsets, window, names)
            record.notes.extend(f"{label}: {key}: {line}" for key, line in sorted(health.items()))
            record.notes.append(
                f"{label}: {count} periods of {pips.PERIOD_S} s (a pip and a "
                f"{pips.FLASH_FRAMES}-frame flash at {pips.FRAME_RATE} frames/s each); load "
                f"average {load_before} before, {_load()} after"
            )
    return record


def measure(
    site: str, srv: procs.Server, workdir: Path, plan: dict[str, latency.PagePlan],
    count: int, settle: float, health: dict[str, str] | None = None,
) -> tuple[dict[str, list[dict[str, Any]]], tuple[float, float]]:  # fmt: skip
    """Open the pages, turn the cameras on, record ``count`` periods; with ``health``, each
    page's detector health at the end (:func:`benchmarks.latency.detector_health`)."""
    clip = pips.write_flash_y4m(workdir / "flash.y4m")
    with (
        sync_playwright() as pw,
        latency._browsers(pw, workdir, {p.browser for p in plan.values()}, {"floor": clip}) as b,
    ):
        pages: dict[str, Page] = {}
        for key, spec in plan.items():
            context = b[spec.browser].new_context(bypass_csp=True)
            context.add_init_script(path=str(pips.DETECTOR))
            if spec.person is not None:
                email = latency.PEOPLE[spec.person][1]
                context.add_cookies(latency._sign_in(site, srv, email, spec.path))
            page = context.new_page()
            page.set_default_timeout(latency.WAIT_S * 1000)
            page.goto(site + spec.path)
            pages[key] = page
        for key, spec in plan.items():
            if spec.hook is not None:
                latency._wait(
                    lambda p=pages[key], h=spec.hook: (  # type: ignore[misc]
                        p.evaluate(f"window.{h}?.peerState") == "connected"
                    ),
                    f"{key}'s media connects",
                )
        pages["flora"].click("#camera-button")
        latency._wait(
            lambda: pages["flora"].inner_text("#camera-button") == "Turn my camera off",
            "Flora's camera goes on",
        )
        pages["direct"].evaluate("window.__pipDirectCall({video: true})")
        for key in plan:
            if key != "flora":
                latency._wait(
                    lambda k=key: _flashes(pages[k], "pc"),  # type: ignore[misc]
                    f"{key} sees the speaker's flashes",
                )
        time.sleep(settle)
        start = time.time() * 1000
        time.sleep(count * pips.PERIOD_S + 0.5)
        end = time.time() * 1000
        onsets = {key: page.evaluate("window.__pips.onsets") for key, page in pages.items()}
        errors = {key: page.evaluate("window.__pips.errors") for key, page in pages.items()}
        if health is not None:
            for key, page in pages.items():
                health[key] = latency.detector_health(page.evaluate("window.__pips.health()"))
    if any(errors.values()):
        raise procs.BenchmarkError(f"the detector failed: {errors}")
    return onsets, (start, end)


def offsets(
    onsets: dict[str, list[dict[str, Any]]], window: tuple[float, float], viewer: str
) -> tuple[list[float], list[float], list[float]]:
    """At ``viewer``: the sound's latencies, the picture's, and the offsets per period (ms)."""
    source = "direct" if viewer == "direct" else "flora"
    start, end = window

    def kind(hz: int, departure_tap: str) -> list[tuple[float, float]]:
        departures = [t for t in pips.onsets_of(onsets[source], hz, departure_tap) if t < end]
        arrivals = [t for t in pips.onsets_of(onsets[viewer], hz, "pc") if start <= t < end + 1000]
        return pips.departed(departures, arrivals)

    sound = kind(pips.FLOOR_HZ, "mic")
    picture = kind(pips.FLASH, "cam")
    return (
        [lat for _, lat in sound],
        [lat for _, lat in picture],
        pips.av_offsets(sound, picture),
    )


def report(
    record: Record,
    onsets: dict[str, list[dict[str, Any]]],
    window: tuple[float, float],
    viewers: dict[str, str],
) -> None:
    """Each viewer's offsets (``viewers``: page key → name); the goals for all but the
    direct call."""
    found = {viewer: offsets(onsets, window, viewer) for viewer in viewers}
    for viewer, (sound, picture, offs) in found.items():
        name = viewers[viewer]
        record.notes.append(
            f"{name}: sound latencies {[round(v) for v in sound]} ms, picture latencies "
            f"{[round(v) for v in picture]} ms, offsets {[round(v) for v in offs]} ms"
        )
        if not offs:
            record.goal(f"{name}: lip sync measured", False, "no period had both a pip and a flash")
            continue
        for stat, value in (
            ("median offset", statistics.median(offs)),
            ("sound first, worst", max(offs)),
            ("picture first, worst", -min(offs)),
        ):
            record.figure(f"{name}: {stat}", value, "ms", detail=f"{len(offs)} periods")
        for what, values in (("sound", sound), ("picture", picture)):
            if values:
                record.figure(f"{name}: {what} latency p50", statistics.median(values), "ms")
        if viewer == "direct":
            continue
        record.goal(
            f"{name}: every offset within ±{WITHIN_MS:.0f} ms",
            max(abs(v) for v in offs) <= WITHIN_MS,
            f"worst {max(abs(v) for v in offs):.0f} ms over {len(offs)} periods",
        )
        record.goal(
            f"{name}: sound never more than {SOUND_FIRST_MS:.0f} ms before the picture",
            max(offs) <= SOUND_FIRST_MS,
            f"offsets from {min(offs):.0f} to {max(offs):.0f} ms (negative: the picture first)",
        )


def _flashes(page: Page, tap: str) -> bool:
    return bool(
        page.evaluate(f"window.__pips.onsets.some((o) => o.hz === 0 && o.tap.startsWith({tap!r}))")
    )


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])

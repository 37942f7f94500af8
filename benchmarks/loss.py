"""Audio on a lossy listener leg: how much the browser conceals, with recovery and without.

Real headless Chromium on loopback: a speaker (fake microphone: a voice-like signal) and a
listener in a breakout session of the real app, served in this process so the benchmark
can reach the media layer. This machine's kernel has no netem, so the loss is a drop hook
in the media layer (``ServerPeer.set_leg_loss``, rooms/media/lossy.py): a random share of
the datagrams the server sends the listener (RTP, retransmissions, RTCP) never leave, the
speaker's leg is untouched. Conditions 0, 5, 15 and 30 %, each measured twice in the same
run: with the server's recovery (RED, NACK, loss reported upstream;
``CONFERENCE_MEDIA_RECOVERY`` on, the default) and without (the baseline: what the server
did before). The listener's ``getStats()`` gives the concealed share (concealed samples
that are not silence, over samples received) and the bytes received (headers included).

Full run: 60 s per condition (8 minutes of measuring); quick: 8 s.
"""

from __future__ import annotations

import os
import re
import threading
import time
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright
from starlette.applications import Starlette

from benchmarks import data, procs
from benchmarks.harness import Record
from benchmarks.latency import BREAKOUT, CHROMIUM, CHROMIUM_FLAGS, PEOPLE, seed
from conference.app import create_app
from conference.settings import Settings
from conference.storage.engine import make_engine
from rooms.signalling.server import uvicorn_ws_options
from rooms.web.live import EXTRAS_KEY as ROOMS_KEY

CONDITIONS = (0.0, 0.05, 0.15, 0.30)
SECONDS, QUICK_SECONDS = 60.0, 8.0
SETTLE_S = 4.0  # after the loss changes: the last window's reports and FEC settle
GOALS = {0.05: 0.01, 0.15: 0.04, 0.30: 0.12}
WAIT_S = 30.0
SPEAKER, LISTENER = "ben", "lia"


def run(quick: bool, workdir: Path) -> Record:
    record = Record("loss", quick)
    seconds = QUICK_SECONDS if quick else SECONDS
    voice = write_voice_wav(workdir / "voice.wav")
    results: dict[bool, dict[float, dict[str, float]]] = {}
    load_before = os.getloadavg()
    for recovery in (False, True):
        results[recovery] = measure(workdir, voice, recovery, seconds)
    report(record, results, seconds)
    load_after = os.getloadavg()
    record.notes.append(
        f"{seconds:.0f} s per condition after {SETTLE_S:.0f} s of settling; loss dropped at the "
        "server's socket on the listener's leg only (rooms/media/lossy.py); load average "
        f"{load_before[0]:.2f} before, {load_after[0]:.2f} after (2 cores shared with other "
        "engineers' runs)"
    )
    return record


def measure(
    workdir: Path, voice: Path, recovery: bool, seconds: float
) -> dict[float, dict[str, float]]:
    """Each condition's figures for one server (recovery on or off)."""
    db = workdir / f"loss-{'on' if recovery else 'off'}.db"
    url, engine = data.fresh(db)
    ids = seed(engine)
    port = procs.free_port()
    site = f"http://127.0.0.1:{port}"
    settings = Settings(
        database_url=url,
        secret_key="bench-loss-" + "k" * 40,
        site_url=site,
        media_recovery=recovery,
    )
    app = create_app(settings, make_engine(url))
    figures: dict[float, dict[str, float]] = {}
    with _serving(app, port), _browsers(voice) as (speaking, silent):
        path = f"/rooms/session/{BREAKOUT}"
        speaker = _join(speaking, site, app, PEOPLE[SPEAKER][1], path)
        listener = _join(silent, site, app, PEOPLE[LISTENER][1], path)
        for page in (speaker, listener):
            _wait(lambda p=page: p.evaluate("window.__room.peerState") == "connected", "media")
        peer = _peer(app, ids[LISTENER])
        _wait(lambda: _totals(listener)["total"] > 48_000, "the listener hears the speaker")
        for share in CONDITIONS:
            leg = peer.set_leg_loss(share)
            time.sleep(SETTLE_S)
            before, sent_before = _totals(listener), _sent(peer)
            time.sleep(seconds)
            after, sent_after = _totals(listener), _sent(peer)
            figures[share] = _figures(before, after, leg, sent_before, sent_after)
        peer.set_leg_loss(0.0)
    engine.dispose()
    return figures


@contextmanager
def _serving(app: Starlette, port: int) -> Iterator[None]:
    """The app in a thread of this process (the benchmark reaches into its media layer)."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", **uvicorn_ws_options()
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True, name=f"loss-app-{port}")
    thread.start()
    try:
        _wait(lambda: server.started or not thread.is_alive(), "the app to start")
        if not server.started:
            raise procs.BenchmarkError("the app did not start")
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def _figures(
    before: dict[str, float],
    after: dict[str, float],
    leg: Any,
    sent_before: tuple[int, int],
    sent_after: tuple[int, int],
) -> dict[str, float]:
    d = {key: after[key] - before[key] for key in after}
    elapsed = d["at"] / 1000
    lost = d["packetsLost"] / max(1.0, d["packetsLost"] + d["packetsReceived"])
    return {
        "concealed": d["concealed"] / max(1.0, d["total"]),
        "measured_loss": lost,
        "nacks": d["nacks"],
        "fec": d["fec"],
        "resent": sent_after[1] - sent_before[1],
        "mb_per_hour": d["bytes"] * 3600 / elapsed / 1e6,
        "dropped_share": leg.dropped / max(1, leg.dropped + leg.sent),
    }


def report(
    record: Record, results: dict[bool, dict[float, dict[str, float]]], seconds: float
) -> None:
    for share in CONDITIONS:
        on, off = results[True][share], results[False][share]
        label = f"{share:.0%} loss"
        record.figure(
            f"{label}: audio concealed", round(on["concealed"] * 100, 2), "%",
            baseline=round(off["concealed"] * 100, 2), baseline_name="no recovery",
            detail=f"packets lost as the listener counts them: {on['measured_loss']:.1%} "
            f"(without recovery {off['measured_loss']:.1%}); NACKs {on['nacks']:.0f}, "
            f"resent {on['resent']:.0f}, FEC packets {on['fec']:.0f}",
        )  # fmt: skip
        record.figure(
            f"{label}: received", round(on["mb_per_hour"], 1), "MB/h",
            baseline=round(off["mb_per_hour"], 1), baseline_name="no recovery",
            detail=f"extra: {on['mb_per_hour'] - off['mb_per_hour']:+.1f} MB/h",
        )  # fmt: skip
        goal = GOALS.get(share)
        if goal is not None:
            record.goal(
                f"{label}: at most {goal:.0%} of the audio concealed",
                on["concealed"] <= goal,
                f"{on['concealed']:.2%} (without recovery {off['concealed']:.2%})",
            )
    record.notes.append(f"raw figures (recovery off, on): {results}")


def _totals(page: Page) -> dict[str, float]:
    loss = page.evaluate("window.__room.audioLoss()")
    received = page.evaluate("window.__room.received()") or {"bytes": 0}
    return {**loss, "bytes": received["bytes"], "at": time.monotonic() * 1000}


def _sent(peer: Any) -> tuple[int, int]:
    """NACKs the listener's slots got and packets resent."""
    budgets = list(peer.nacks.values())
    return sum(b.asked for b in budgets), sum(b.resent for b in budgets)


def _peer(app: Starlette, person_id: int) -> Any:
    registry = app.state.services.extras[ROOMS_KEY].registry
    seats = [s for s in registry.seats.values() if s.person_id == str(person_id)]
    if len(seats) != 1:
        raise procs.BenchmarkError(f"expected one seat for person {person_id}, found {seats}")
    return registry.media.peer(seats[0].seat_id)


@contextmanager
def _browsers(voice: Path) -> Iterator[tuple[Browser, Browser]]:
    with sync_playwright() as pw:
        speaking = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[*CHROMIUM_FLAGS, f"--use-file-for-fake-audio-capture={voice}"],
        )
        silent = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield speaking, silent
        finally:
            speaking.close()
            silent.close()


def _join(browser: Browser, site: str, app: Starlette, email: str, path: str) -> Page:
    """Sign in through the real flow (the link the in-process mailer holds) and open ``path``."""
    page = browser.new_context().new_page()
    page.set_default_timeout(WAIT_S * 1000)
    mailer = app.state.services.mailer
    sent = len(mailer.sent)
    page.goto(f"{site}/signin")
    page.fill("#email", email)
    page.click("main button[type=submit]")
    _wait(lambda: len(mailer.sent) > sent, f"a sign-in link for {email}")
    link = re.search(r"https?://\S+/signin/[\w-]+\?next=\S*", mailer.sent[-1].get_content())
    if link is None:
        raise procs.BenchmarkError("the mail holds no sign-in link")
    page.goto(link.group(0))
    page.click("main button[type=submit]")
    page.goto(site + path)
    _wait(lambda: page.evaluate("typeof window.__room === 'object'"), f"{email}'s room page")
    return page


def _wait(check: Any, what: str, within: float = WAIT_S) -> Any:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise procs.BenchmarkError(f"timed out waiting for {what}")


def write_voice_wav(path: Path, seconds: float = 12.0, rate: int = 48_000) -> Path:
    """A voice-like signal: harmonics of a gliding 110–190 Hz pitch, in 4 Hz syllables.

    A pure tone would make Opus choose its CELT mode, which has no in-band FEC; speech
    at these bitrates is coded with SILK, as this is.
    """
    t = np.arange(int(seconds * rate)) / rate
    pitch = 150 + 40 * np.sin(2 * np.pi * 0.3 * t) + 15 * np.sin(2 * np.pi * 1.7 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / rate
    voice = sum(np.sin(k * phase) / k for k in range(1, 16))
    syllables = np.clip(np.sin(2 * np.pi * 4 * t), 0, None) ** 0.5
    pauses = (np.sin(2 * np.pi * 0.25 * t) > -0.7).astype(float)
    signal = voice * syllables * pauses
    samples = (signal / np.max(np.abs(signal)) * 0.5 * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return path

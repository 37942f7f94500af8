"""Soak of the default audio send path: real Chromium listeners on one interpreter for 10 minutes.

``python -m benchmarks --only soak`` (not part of the default run: it takes 10 minutes;
``--quick``: 1 minute). The server is ``benchmarks.mediaserver`` with its defaults (the
product's MediaRouter on its default path, rooms.media.fast_send) in its own process; an
aiortc publisher sends a 660 Hz tone as the interpreter; ``LISTENERS`` Chromium pages (one
headless browser, one RTCPeerConnection per page, the slot convention of
docs/architecture.md) listen on their channel slot.

Every ``SAMPLE_S`` seconds it reads, per page, ``inbound-rtp`` of the channel slot
(packets received and lost, concealed samples) and the dominant frequency from an
AnalyserNode, and the server's RSS and CPU from /proc. The baseline is the run's own first
sample after warm-up: a soak passes when no listener loses packets, every listener still
hears 660 Hz at the end, and the server's memory after warm-up grows by less than
``GROWTH_LIMIT_MB``.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

from aiortc import RTCPeerConnection, RTCSessionDescription
from playwright.async_api import Browser, Page, async_playwright
from websockets.asyncio.client import connect

from benchmarks import procs
from benchmarks.harness import Record
from rooms.media.ice import configuration
from rooms.media.slots import add_client_transceivers
from rooms.media.tones import ToneTrack

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
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
LISTENERS = 6
TONE_HZ = 660
SECONDS = 600.0
QUICK_SECONDS = 60.0
SAMPLE_S = 30.0
WARMUP_S = 60.0
QUICK_WARMUP_S = 15.0
GROWTH_LIMIT_MB = 5.0

LISTEN_JS = """
async ([url, peer]) => {
  const pc = new RTCPeerConnection({ iceServers: [] });
  pc.addTransceiver("audio", { direction: "inactive" });
  for (let i = 0; i < 3; i++) pc.addTransceiver("audio", { direction: "recvonly" });
  const channel = pc.addTransceiver("audio", { direction: "recvonly" });
  const stream = new MediaStream([channel.receiver.track]);
  const audio = new Audio();
  audio.muted = true;
  audio.srcObject = stream;
  audio.play().catch(() => {});
  const ctx = new AudioContext();
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 8192;
  ctx.createMediaStreamSource(stream).connect(analyser);
  Object.assign(window, { __pc: pc, __channel: channel, __ctx: ctx, __analyser: analyser });
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((done) => {
    if (pc.iceGatheringState === "complete") return done();
    pc.addEventListener("icegatheringstatechange", () => {
      if (pc.iceGatheringState === "complete") done();
    });
    setTimeout(done, 3000);
  });
  const ws = new WebSocket(url);
  await new Promise((done, fail) => { ws.onopen = done; ws.onerror = fail; });
  const answered = new Promise((done) => { ws.onmessage = (e) => done(JSON.parse(e.data)); });
  ws.send(JSON.stringify({ op: "offer", peer, role: "listener", source: "interpreter",
                           sdp: pc.localDescription.sdp }));
  const answer = await answered;
  await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
  ws.close();
}
"""

READ_JS = """
async () => {
  const out = { state: window.__pc.connectionState, received: 0, lost: 0, concealed: 0,
                samples: 0 };
  (await window.__channel.receiver.getStats()).forEach((s) => {
    if (s.type === "inbound-rtp") {
      out.received = s.packetsReceived; out.lost = s.packetsLost;
      out.concealed = s.concealedSamples; out.samples = s.totalSamplesReceived;
    }
  });
  const bins = new Float32Array(window.__analyser.frequencyBinCount);
  window.__analyser.getFloatFrequencyData(bins);
  let best = 0;
  for (let i = 1; i < bins.length; i++) if (bins[i] > bins[best]) best = i;
  out.hz = best * window.__ctx.sampleRate / window.__analyser.fftSize;
  out.level_db = bins[best];
  return out;
}
"""


def run(quick: bool, workdir: Path) -> Record:
    return asyncio.run(_run(quick, workdir))


async def _run(quick: bool, workdir: Path) -> Record:
    record = Record("soak", quick)
    seconds = QUICK_SECONDS if quick else SECONDS
    warmup = QUICK_WARMUP_S if quick else WARMUP_S
    port = procs.free_port()
    url = f"ws://127.0.0.1:{port}"
    args = ["--mode", "forward", "--port", str(port)]  # the product's default send path
    with procs.server("benchmarks.mediaserver", args, port, workdir / "soak-server.log") as srv:
        publisher = await _publish(url)
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            try:
                pages = await _listeners(browser, url)
                samples = await _sample(pages, srv.pid, seconds, SAMPLE_S if not quick else 15)
            finally:
                await browser.close()
        await publisher.close()
    _report(record, samples, seconds, warmup)
    (workdir / "soak-samples.json").write_text(json.dumps(samples))
    return record


async def _publish(url: str) -> RTCPeerConnection:
    pc = RTCPeerConnection(configuration(None))
    add_client_transceivers(pc, ToneTrack(TONE_HZ), 0)
    await pc.setLocalDescription(await pc.createOffer())
    async with connect(url, max_size=2**22) as ws:
        offer = {"op": "offer", "peer": "interpreter", "role": "publisher"}
        await ws.send(json.dumps({**offer, "sdp": pc.localDescription.sdp}))
        answer = json.loads(await ws.recv())
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))
    async with asyncio.timeout(20):
        while pc.connectionState != "connected":  # noqa: ASYNC110 - aiortc has no awaitable
            await asyncio.sleep(0.1)
    return pc


async def _listeners(browser: Browser, url: str) -> list[Page]:
    pages = []
    for i in range(LISTENERS):
        page = await browser.new_page()
        await page.evaluate(LISTEN_JS, [url, f"listener-{i}"])
        pages.append(page)
    return pages


async def _sample(
    pages: list[Page], pid: int, seconds: float, every: float
) -> list[dict[str, Any]]:
    started = time.monotonic()
    samples: list[dict[str, Any]] = []
    cpu0 = procs.cpu_seconds(pid)
    while True:
        elapsed = time.monotonic() - started
        readings = [await page.evaluate(READ_JS) for page in pages]
        samples.append(
            {
                "t": round(elapsed, 1),
                "rss_mb": procs.rss_mb(pid),
                "cpu_s": procs.cpu_seconds(pid) - cpu0,
                "listeners": readings,
            }
        )
        if elapsed >= seconds:
            return samples
        await asyncio.sleep(min(every, seconds - elapsed + 0.5))


def _report(record: Record, samples: list[dict[str, Any]], seconds: float, warmup: float) -> None:
    first = next((s for s in samples if s["t"] >= warmup), samples[0])
    last = samples[-1]
    span = last["t"] - first["t"]
    got = [
        r["received"] - f["received"]
        for f, r in zip(first["listeners"], last["listeners"], strict=True)
    ]
    lost = [r["lost"] for r in last["listeners"]]
    expected = 50 * span  # Opus at 20 ms frames
    heard = [r["hz"] for r in last["listeners"]]
    connected = sum(1 for r in last["listeners"] if r["state"] == "connected")
    growth = last["rss_mb"] - first["rss_mb"]
    cpu = (last["cpu_s"] - first["cpu_s"]) / span if span else None
    listeners = len(last["listeners"])
    record.figure(
        "soak length",
        last["t"],
        "s",
        detail=f"{listeners} Chromium listeners, default path (fast send)",
    )
    record.figure("packets lost (inbound-rtp, all listeners)", sum(lost), "packets",
                  detail=f"received {sum(r['received'] for r in last['listeners'])}")  # fmt: skip
    record.figure("packets received after warm-up, per listener (min)", min(got), "packets",
                  baseline=expected, baseline_name=f"50/s × {span:.0f} s")  # fmt: skip
    record.figure("server RSS after warm-up", first["rss_mb"], "MB")
    record.figure("server RSS at the end", last["rss_mb"], "MB", baseline=first["rss_mb"],
                  baseline_name="after warm-up")  # fmt: skip
    record.figure("server CPU", None if cpu is None else cpu * 1000, "ms/s")
    record.figure("dominant frequency heard (min–max)", f"{min(heard):.0f}–{max(heard):.0f}", "Hz")
    record.goal("no listener loses a packet", sum(lost) == 0 and min(got) >= 0.99 * expected,
                f"{sum(lost)} lost; min {min(got)}/{expected:.0f} received")  # fmt: skip
    record.goal(f"server memory grows < {GROWTH_LIMIT_MB:.0f} MB after warm-up",
                growth < GROWTH_LIMIT_MB, f"{growth:+.1f} MB")  # fmt: skip
    record.goal(f"every listener connected and hears {TONE_HZ} Hz at the end",
                connected == listeners and all(abs(h - TONE_HZ) < 10 for h in heard),
                f"{connected}/{listeners} connected")  # fmt: skip

"""The origin→edge hop: a plenary's 9 sources relayed to edges, what it costs and adds.

Processes (``multiprocessing``, spawned), on loopback: one origin and E edges, each with the
product's relay (rooms.media.relay_socket, relay_feed): the origin's 9 sources (the floor and
8 languages) each publish a 20 ms packet into their ``Fanout`` (80-byte payloads carrying the
source, a counter and the send time, ``time.monotonic_ns``: one clock for the machine), and
the origin's ``OriginRelay`` seals and sends each once per edge; each edge opens it and
publishes it into its ``MediaRouter`` through ``EdgeIngest``, as in service, and notes when
it arrived.

- hop latency: arrival at the edge minus the send time, after the edge's ingest (p50, p99);
- loss: packets an edge did not get of those the origin sent it;
- CPU: each process's CPU time over the measured window (``time.process_time``), per second.

Baseline, same run: the origin alone (E = 0): its sources and fanouts without the relay. The
origin's cost per edge is (CPU with E edges - the baseline) / E.

Video rounds (no audio): one camera, as a floor speaker's, publishing encoded frames into its
``VideoFanout`` at 30 frames a second: ``VIDEO_BYTES`` per frame (about 600 kbit/s), a
``KEYFRAME_BYTES`` keyframe every 2 s; each frame carries its counter and send time. The
origin's ``OriginRelay`` (``follow_video``) cuts each frame into chunks and sends them once
per edge; the edge puts the frame back together (``EdgeIngest``) and publishes it into the
camera's ``VideoFanout`` in its router, where a subscriber notes when it arrived. Hop latency
per frame: published at the origin to published at the edge (the whole frame, all its
chunks). Baseline, same run: the camera alone (E = 0).

Rounds of an edge with listeners: one edge that also fans out to N listener seats in its
router (each on one language's channel, the languages in turn), the listeners aiortc peers
in worker processes (benchmarks.mediaclient, counting packets, never decoding), connected
over the fan-out benchmark's small websocket protocol before the origin starts. Figures: the
edge's CPU with N listeners, its cost per listener-second over the ingest-only edge of the
1-edge round, and the listeners' loss and end-to-end latency (the origin's send time in the
payload to the listener's arrival: the hop and the edge's fan-out).

Full: 10 s measured per round, E = 1 and 3, N = 50 and 150; quick: 3 s, E = 1 and 2, N = 20.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import struct
import time
from pathlib import Path
from typing import Any

from benchmarks import harness, procs
from benchmarks.harness import Record
from benchmarks.mediaclient import MAGIC

CLIENT = "benchmarks.mediaclient.MediaClients"
LISTENER_WORKERS = 2

SOURCES = 9  # the floor and 8 languages
FRAME_S = 0.02
PAYLOAD = struct.Struct("!BIQ")  # source index, counter, send time (ns)
# An Opus TOC byte and the listeners' marker come first (benchmarks.mediaclient reads them).
MARK_AT = 5
PAYLOAD_BYTES = 80
WARM_S = 1.0
TIMEOUT_S = 120.0
VIDEO_FPS = 30
VIDEO_BYTES = 2_500
KEYFRAME_BYTES = 15_000
KEYFRAME_EVERY = 60  # frames: 2 s
VIDEO_PAYLOAD = struct.Struct("!IQ")  # counter, send time (ns)


def _edge(
    index: int, keys: Any, out: Any, stop: Any, port: int = 0
) -> None:  # pragma: no cover - spawned
    out.put(("result", index, asyncio.run(_edge_main(index, keys, out, stop, port))))


class _Arrivals:
    """A subscriber of the edge's camera: notes each frame's counter and hop latency."""

    def __init__(self, window: list[float]) -> None:
        self.window = window
        self.latencies: list[int] = []
        self.counters: set[int] = set()

    def on_frame(self, source: Any, packet: Any) -> None:
        counter, sent = VIDEO_PAYLOAD.unpack_from(bytes(packet))
        self.counters.add(counter)
        if self.window:
            self.latencies.append(time.monotonic_ns() - sent)

    def discontinuity(self) -> None:
        pass

    def waits_for(self, source: Any) -> bool:
        return False


async def _serve_listeners(router: Any, port: int) -> Any:
    """Listener seats on ``port`` (benchmarks.mediaserver's ``offer``): each negotiates with
    the edge's router and hears its ``source``, a relayed language, on its channel slot."""
    import json

    from websockets.asyncio.server import serve

    for i in range(SOURCES):
        router.relayed(f"source-{i}")

    async def handle(ws: Any) -> None:
        async for raw in ws:
            message = json.loads(raw)
            answer = await router.negotiate(message["peer"], message["sdp"])
            router.set_channel(message["peer"], message["source"])
            await ws.send(json.dumps({"op": "answer", "sdp": answer}))

    return await serve(handle, "127.0.0.1", port, max_size=2**22, ping_interval=None)


async def _edge_main(index: int, keys: Any, out: Any, stop: Any, port: int) -> dict[str, Any]:
    from rooms.media.relay import RelayPacket
    from rooms.media.relay_feed import EdgeIngest
    from rooms.media.relay_socket import RelaySocket
    from rooms.media.router import MediaRouter

    router = MediaRouter(loopback=True)
    ingest = EdgeIngest(router)
    latencies: list[int] = []
    counters: dict[int, set[int]] = {}
    window: list[float] = []
    arrivals = _Arrivals(window)
    router.relayed_video("video-0", "camera").subscribe(arrivals)

    def on_packet(peer: str, packet: Any) -> None:
        ingest(peer, packet)
        if not isinstance(packet, RelayPacket):
            return  # a video chunk: its frame is noted once published (_Arrivals)
        source, counter, sent = PAYLOAD.unpack_from(packet.payload, MARK_AT)
        counters.setdefault(source, set()).add(counter)  # all: the origin's window decides
        if window:  # measuring
            latencies.append(time.monotonic_ns() - sent)

    socket = await RelaySocket.open("127.0.0.1", 0, on_packet=on_packet)
    seats = await _serve_listeners(router, port) if port else None
    out.put(("address", index, socket.address))
    origin_address, key = await asyncio.to_thread(keys.get, True, TIMEOUT_S)
    socket.inbound.allow("origin", tuple(origin_address), key)
    # The origin says when the window opens and closes (its own clock: the machine's).
    begin = await asyncio.to_thread(stop.get, True, TIMEOUT_S)
    await asyncio.sleep(max(0.0, begin - time.monotonic()))
    cpu0 = time.process_time()
    window.append(time.monotonic())
    end = await asyncio.to_thread(stop.get, True, TIMEOUT_S)
    await asyncio.sleep(max(0.0, end - time.monotonic()) + 0.2)  # the last ones in flight
    cpu = time.process_time() - cpu0
    seconds = time.monotonic() - window[0]
    socket.close()
    if seats is not None:
        seats.close()
    await router.aclose()
    return {
        "edge": index,
        "cpu_per_s": cpu / seconds,
        "latencies_us": [n / 1000 for n in latencies],
        "counters": {s: sorted(c) for s, c in counters.items()},
        "video_latencies_us": [n / 1000 for n in arrivals.latencies],
        "video_counters": sorted(arrivals.counters),
        "frames_lost": ingest.frames_lost,
        "unknown": socket.counts.unknown_peer,
        "refused": socket.counts.refused,
    }


def _origin(control: Any, out: Any) -> None:  # pragma: no cover - spawned
    out.put(("result", -1, asyncio.run(_origin_main(control, out))))


async def _film(camera: Any, begin: float, end: float, counters: list[int]) -> None:
    """The camera's encoded frames, 30 a second until ``end``; ``counters``: the first
    frame at ``begin`` or after, and the last."""
    import av

    from rooms.media.relay_feed import VIDEO_TIME_BASE

    start = time.monotonic()
    counter = 0
    while time.monotonic() < end:
        keyframe = counter % KEYFRAME_EVERY == 0
        size = KEYFRAME_BYTES if keyframe else VIDEO_BYTES
        packet = av.Packet(VIDEO_PAYLOAD.pack(counter, time.monotonic_ns()).ljust(size, b"\x5a"))
        packet.pts = counter * 90_000 // VIDEO_FPS
        packet.time_base = VIDEO_TIME_BASE
        packet.is_keyframe = keyframe
        if time.monotonic() >= begin and not counters:
            counters.append(counter)
        camera.publish("video/vp8", packet)
        counter += 1
        await asyncio.sleep(max(0.0, start + counter / VIDEO_FPS - time.monotonic()))
    counters.append(counter - 1)


async def _origin_main(control: Any, out: Any) -> dict[str, Any]:
    import av

    from rooms.media.forwarding import Fanout
    from rooms.media.relay_feed import TIME_BASE, OriginRelay
    from rooms.media.relay_socket import RelaySocket
    from rooms.media.video import VideoFanout

    socket = await RelaySocket.open("127.0.0.1", 0)
    out.put(("address", -1, socket.address))
    edges, seconds, video = await asyncio.to_thread(control.get, True, TIMEOUT_S)
    relay = OriginRelay(socket)
    for index, address, key in edges:
        relay.add_edge(f"edge-{index}", tuple(address), key)
    fanouts = [] if video else [Fanout(f"source-{i}") for i in range(SOURCES)]
    relay.follow("bench", fanouts)
    camera = VideoFanout("video-0", "camera")
    if video:
        relay.follow_video("bench", [camera])
    await asyncio.sleep(0.5)  # the edges allow this origin meanwhile
    counter = 0
    start = time.monotonic()
    begin, end = start + WARM_S, start + WARM_S + seconds
    out.put(("window", begin, end))
    window: dict[str, Any] = {}
    pad = bytes(PAYLOAD_BYTES - MARK_AT - PAYLOAD.size)
    frames: list[int] = []
    filming = asyncio.create_task(_film(camera, begin, end, frames)) if video else None
    while True:
        now = time.monotonic()
        if now >= end:
            break
        if now >= begin and "cpu0" not in window:
            window.update(cpu0=time.process_time(), sent0=dict(relay.sent), at=now,
                          counter0=counter, frames0=dict(relay.frames_sent),
                          taken0=sum(relay.frames_in.values()))  # fmt: skip
        for i, fanout in enumerate(fanouts):
            mark = PAYLOAD.pack(i, counter, time.monotonic_ns())
            packet = av.Packet(b"\xfc" + MAGIC + mark + pad)
            packet.pts = counter * 960
            packet.time_base = TIME_BASE
            fanout.publish(packet)
        counter += 1
        await asyncio.sleep(max(0.0, start + counter * FRAME_S - time.monotonic()))
    if filming is not None:
        await filming
    cpu = time.process_time() - window["cpu0"]
    measured = time.monotonic() - window["at"]
    sent = {edge: n - window["sent0"].get(edge, 0) for edge, n in relay.sent.items()}
    frames_sent = {e: n - window["frames0"].get(e, 0) for e, n in relay.frames_sent.items()}
    socket.close()
    return {
        "cpu_per_s": cpu / measured,
        "counters": [window["counter0"], counter - 1],
        "sent": sent,
        "taken": (counter - window["counter0"]) * len(fanouts),
        "frames": frames,
        "frames_sent": frames_sent,
        "frames_taken": sum(relay.frames_in.values()) - window["taken0"],
    }


def _round(
    edges: int, seconds: float, video: bool = False, workers: procs.Workers | None = None,
    listeners: int = 0,
) -> dict[str, Any]:  # fmt: skip
    """``listeners``: seats on the first edge, connected from ``workers`` before the origin
    starts; their packets and latencies are in the result's ``listeners``."""
    from rooms.media.relay import new_key

    ctx = multiprocessing.get_context("spawn")
    out, control = ctx.Queue(), ctx.Queue()
    keys = [ctx.Queue() for _ in range(edges)]
    stops = [ctx.Queue() for _ in range(edges)]
    port = procs.free_port() if listeners else 0
    processes = [
        ctx.Process(
            target=_edge, args=(i, keys[i], out, stops[i], port if i == 0 else 0), daemon=True
        )
        for i in range(edges)
    ]
    processes.append(ctx.Process(target=_origin, args=(control, out), daemon=True))
    for proc in processes:
        proc.start()
    window = (0, 0)
    try:
        addresses: dict[int, Any] = {}
        while len(addresses) < edges + 1:
            kind, index, address = out.get(timeout=TIMEOUT_S)
            addresses[index] = address
        pairs = [(i, addresses[i], new_key()) for i in range(edges)]
        for i, _, key in pairs:
            keys[i].put((addresses[-1], key))
        connect_s = 0.0
        if listeners:
            assert workers is not None
            started = time.monotonic()
            url = f"ws://127.0.0.1:{port}"
            for w in range(len(workers)):
                ids = [f"l{n}" for n in range(listeners) if n % len(workers) == w]
                for n in range(1, SOURCES):  # the languages in turn, each worker its share
                    mine = [p for p in ids if int(p[1:]) % (SOURCES - 1) == n - 1]
                    if mine:
                        workers.call(w, "listen", url, mine, f"source-{n}", within=60 + listeners)
            connect_s = time.monotonic() - started
        control.put((pairs, seconds, video))
        results: dict[int, Any] = {}
        while len(results) < edges + 1:
            kind, first, second = out.get(timeout=TIMEOUT_S)
            if kind == "window":
                window = (first, second)
                for stop in stops:
                    stop.put(first)
                    stop.put(second)
            else:
                results[first] = second
        heard: dict[str, Any] = {}
        if listeners:
            assert workers is not None
            t0, t1 = int(window[0] * 1e9), int(window[1] * 1e9)
            collected = workers.call_all("collect", [(t0, t1)] * len(workers))
            heard = {
                "received": [n for each in collected for n in each["received"]],
                "latencies_ms": [ms for each in collected for ms in each["latencies_ms"]],
                "connect_s": connect_s,
            }
            workers.call_all("drop", [()] * len(workers))
        return {"origin": results[-1], "edges": [results[i] for i in range(edges)],
                "listeners": heard}  # fmt: skip
    finally:
        for proc in processes:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()


def run(quick: bool, workdir: Path) -> Record:
    record = Record("relay", quick)
    seconds = 3.0 if quick else 10.0
    rounds = (1, 2) if quick else (1, 3)
    ingest_only = 0.0
    baseline = _round(0, seconds)["origin"]["cpu_per_s"] * 1000
    packets_per_s = SOURCES / FRAME_S
    record.figure("origin CPU, sources alone", baseline, "ms/s",
                  detail=f"{SOURCES} sources, 20 ms packets, no edge (the baseline)")  # fmt: skip
    for edges in rounds:
        result = _round(edges, seconds)
        origin = result["origin"]
        cpu = origin["cpu_per_s"] * 1000
        per_edge = (cpu - baseline) / edges
        record.figure(f"origin CPU, {edges} edge(s)", cpu, "ms/s", baseline=baseline,
                      baseline_name="sources alone",
                      detail=f"per edge {per_edge:.2f} ms/s = "
                      f"{per_edge * 1000 / packets_per_s:.1f} us per packet and edge")  # fmt: skip
        latencies = [v for e in result["edges"] for v in e["latencies_us"]]
        for p in (50, 99):
            record.figure(f"hop latency p{p}, {edges} edge(s)",
                          harness.percentile(latencies, p) / 1000, "ms",
                          detail="send at the origin's Fanout to published into the edge's router")  # fmt: skip
        # Of the packets the origin sent in its window (counters first..last of every
        # source), those an edge never got.
        first, last = origin["counters"]
        expected = set(range(first, last + 1))
        lost = sent = 0
        for edge in result["edges"]:
            for source in range(SOURCES):
                got = set(edge["counters"].get(source, ()))
                sent += len(expected)
                lost += len(expected - got)
        record.figure(f"loss, {edges} edge(s)", 100 * lost / max(1, sent), "%",
                      detail=f"{lost} of {sent} datagrams sent")  # fmt: skip
        edge_cpu = [e["cpu_per_s"] * 1000 for e in result["edges"]]
        if edges == 1:
            ingest_only = edge_cpu[0]
        record.figure(f"edge CPU, {edges} edge(s)", sum(edge_cpu) / len(edge_cpu), "ms/s",
                      detail=f"each edge's process, ingest into its router, no listeners; "
                      f"per packet {sum(edge_cpu) / len(edge_cpu) * 1000 / packets_per_s:.1f} us")  # fmt: skip
        once = all(n == origin["taken"] for n in origin["sent"].values())
        record.goal(f"each packet sent once per edge ({edges} edge(s))", once,
                    f"taken {origin['taken']}, sent {origin['sent']}")  # fmt: skip
        refused = sum(e["unknown"] + e["refused"] for e in result["edges"])
        record.goal(f"nothing refused at the edges ({edges} edge(s))", refused == 0,
                    f"{refused} unknown or refused")  # fmt: skip
    record.notes.append(f"{SOURCES} sources x 50 packets/s = {packets_per_s:.0f} packets/s; "
                        f"{seconds:.0f} s measured per round after {WARM_S:.0f} s")  # fmt: skip
    _listener_rounds(record, (20,) if quick else (50, 150), seconds, ingest_only)
    _video_rounds(record, rounds, seconds)
    return record


def _listener_rounds(
    record: Record, levels: tuple[int, ...], seconds: float, ingest_only: float
) -> None:
    """One edge that also fans out to N listeners (see the module's docstring)."""
    points = [(0, ingest_only)]
    with procs.Workers(CLIENT, LISTENER_WORKERS) as workers:
        for n in levels:
            result = _round(1, seconds, workers=workers, listeners=n)
            edge = result["edges"][0]["cpu_per_s"] * 1000
            points.append((n, edge))
            heard = result["listeners"]
            per_listener = (edge - ingest_only) / n
            record.figure(f"edge CPU, {n} listeners", edge, "ms/s", baseline=ingest_only,
                          baseline_name="the ingest-only edge of the 1-edge round",
                          detail=f"{per_listener:.2f} ms per listener-second over it; "
                          f"{len(heard['received'])} connected in {heard['connect_s']:.0f} s")  # fmt: skip
            first, last = result["origin"]["counters"]
            expected = (last - first + 1) * n
            lost = max(0, expected - sum(heard["received"]))
            record.figure(f"listener loss, {n} listeners", 100 * lost / max(1, expected), "%",
                          detail=f"{lost} of {expected} packets")  # fmt: skip
            for p in (50, 99):
                record.figure(f"listener latency p{p}, {n} listeners",
                              harness.percentile(heard["latencies_ms"], p), "ms",
                              detail="the origin's send to the listener's arrival: the hop "
                              "and the edge's fan-out")  # fmt: skip
    if len(points) > 2:
        line = harness.least_squares([n for n, _ in points], [c for _, c in points])
        record.figure("edge CPU per listener-second", line.slope, "ms",
                      detail=f"slope over N = {', '.join(str(n) for n, _ in points)} "
                      f"(0: the ingest-only edge), r²={line.r2:.3f}")  # fmt: skip


def _video_rounds(record: Record, rounds: tuple[int, ...], seconds: float) -> None:
    baseline = _round(0, seconds, video=True)["origin"]["cpu_per_s"] * 1000
    kbit = (VIDEO_BYTES * (KEYFRAME_EVERY - 1) + KEYFRAME_BYTES) * 8 * VIDEO_FPS / KEYFRAME_EVERY
    record.figure("video: origin CPU, camera alone", baseline, "ms/s",
                  detail=f"one camera, {VIDEO_FPS} frames/s, {kbit / 1000:.0f} kbit/s, "
                  "no edge (the baseline)")  # fmt: skip
    for edges in rounds:
        result = _round(edges, seconds, video=True)
        origin = result["origin"]
        cpu = origin["cpu_per_s"] * 1000
        per_edge = (cpu - baseline) / edges
        record.figure(f"video: origin CPU, {edges} edge(s)", cpu, "ms/s", baseline=baseline,
                      baseline_name="camera alone",
                      detail=f"per edge {per_edge:.2f} ms/s = "
                      f"{per_edge * 1000 / VIDEO_FPS:.0f} us per frame and edge")  # fmt: skip
        latencies = [v for e in result["edges"] for v in e["video_latencies_us"]]
        for p in (50, 99):
            record.figure(f"video: hop latency p{p}, {edges} edge(s)",
                          harness.percentile(latencies, p) / 1000, "ms",
                          detail="a frame published at the origin's VideoFanout to published, "
                          "whole, into the edge's")  # fmt: skip
        first, last = origin["frames"]
        expected = set(range(first, last + 1))
        lost = sum(len(expected - set(e["video_counters"])) for e in result["edges"])
        total = len(expected) * edges
        record.figure(f"video: frames lost, {edges} edge(s)", 100 * lost / max(1, total), "%",
                      detail=f"{lost} of {total} frames sent")  # fmt: skip
        edge_cpu = [e["cpu_per_s"] * 1000 for e in result["edges"]]
        mean = sum(edge_cpu) / len(edge_cpu)
        record.figure(f"video: edge CPU, {edges} edge(s)", mean, "ms/s",
                      detail=f"each edge: frames put together and published into its router, "
                      f"no viewers; per frame {mean * 1000 / VIDEO_FPS:.0f} us")  # fmt: skip
        once = all(n == origin["frames_taken"] for n in origin["frames_sent"].values())
        record.goal(f"each frame sent once per edge ({edges} edge(s))", once,
                    f"taken {origin['frames_taken']}, sent {origin['frames_sent']}")  # fmt: skip

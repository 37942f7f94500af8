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

Full: 10 s measured per round, E = 1 and 3; quick: 3 s, E = 1 and 2.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import struct
import time
from pathlib import Path
from typing import Any

from benchmarks import harness
from benchmarks.harness import Record

SOURCES = 9  # the floor and 8 languages
FRAME_S = 0.02
PAYLOAD = struct.Struct("!BIQ")  # source index, counter, send time (ns)
PAYLOAD_BYTES = 80
WARM_S = 1.0
TIMEOUT_S = 120.0


def _edge(index: int, keys: Any, out: Any, stop: Any) -> None:  # pragma: no cover - spawned
    out.put(("result", index, asyncio.run(_edge_main(index, keys, out, stop))))


async def _edge_main(index: int, keys: Any, out: Any, stop: Any) -> dict[str, Any]:
    from rooms.media.relay_feed import EdgeIngest
    from rooms.media.relay_socket import RelaySocket
    from rooms.media.router import MediaRouter

    router = MediaRouter(loopback=True)
    ingest = EdgeIngest(router)
    latencies: list[int] = []
    counters: dict[int, set[int]] = {}
    window: list[float] = []

    def on_packet(peer: str, packet: Any) -> None:
        ingest(peer, packet)
        source, counter, sent = PAYLOAD.unpack_from(packet.payload)
        counters.setdefault(source, set()).add(counter)  # all: the origin's window decides
        if window:  # measuring
            latencies.append(time.monotonic_ns() - sent)

    socket = await RelaySocket.open("127.0.0.1", 0, on_packet=on_packet)
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
    await router.aclose()
    return {
        "edge": index,
        "cpu_per_s": cpu / seconds,
        "latencies_us": [n / 1000 for n in latencies],
        "counters": {s: sorted(c) for s, c in counters.items()},
        "unknown": socket.counts.unknown_peer,
        "refused": socket.counts.refused,
    }


def _origin(control: Any, out: Any) -> None:  # pragma: no cover - spawned
    out.put(("result", -1, asyncio.run(_origin_main(control, out))))


async def _origin_main(control: Any, out: Any) -> dict[str, Any]:
    import av

    from rooms.media.forwarding import Fanout
    from rooms.media.relay_feed import TIME_BASE, OriginRelay
    from rooms.media.relay_socket import RelaySocket

    socket = await RelaySocket.open("127.0.0.1", 0)
    out.put(("address", -1, socket.address))
    edges, seconds = await asyncio.to_thread(control.get, True, TIMEOUT_S)
    relay = OriginRelay(socket)
    for index, address, key in edges:
        relay.add_edge(f"edge-{index}", tuple(address), key)
    fanouts = [Fanout(f"source-{i}") for i in range(SOURCES)]
    relay.follow("bench", fanouts)
    await asyncio.sleep(0.5)  # the edges allow this origin meanwhile
    counter = 0
    start = time.monotonic()
    begin, end = start + WARM_S, start + WARM_S + seconds
    out.put(("window", begin, end))
    window: dict[str, Any] = {}
    pad = bytes(PAYLOAD_BYTES - PAYLOAD.size)
    while True:
        now = time.monotonic()
        if now >= end:
            break
        if now >= begin and "cpu0" not in window:
            window.update(cpu0=time.process_time(), sent0=dict(relay.sent), at=now,
                          counter0=counter)  # fmt: skip
        for i, fanout in enumerate(fanouts):
            packet = av.Packet(PAYLOAD.pack(i, counter, time.monotonic_ns()) + pad)
            packet.pts = counter * 960
            packet.time_base = TIME_BASE
            fanout.publish(packet)
        counter += 1
        await asyncio.sleep(max(0.0, start + counter * FRAME_S - time.monotonic()))
    cpu = time.process_time() - window["cpu0"]
    measured = time.monotonic() - window["at"]
    sent = {edge: n - window["sent0"].get(edge, 0) for edge, n in relay.sent.items()}
    socket.close()
    return {
        "cpu_per_s": cpu / measured,
        "counters": [window["counter0"], counter - 1],
        "sent": sent,
        "taken": (counter - window["counter0"]) * SOURCES,
    }


def _round(edges: int, seconds: float) -> dict[str, Any]:
    from rooms.media.relay import new_key

    ctx = multiprocessing.get_context("spawn")
    out, control = ctx.Queue(), ctx.Queue()
    keys = [ctx.Queue() for _ in range(edges)]
    stops = [ctx.Queue() for _ in range(edges)]
    procs = [
        ctx.Process(target=_edge, args=(i, keys[i], out, stops[i]), daemon=True)
        for i in range(edges)
    ]
    procs.append(ctx.Process(target=_origin, args=(control, out), daemon=True))
    for proc in procs:
        proc.start()
    try:
        addresses: dict[int, Any] = {}
        while len(addresses) < edges + 1:
            kind, index, address = out.get(timeout=TIMEOUT_S)
            addresses[index] = address
        pairs = [(i, addresses[i], new_key()) for i in range(edges)]
        for i, _, key in pairs:
            keys[i].put((addresses[-1], key))
        control.put((pairs, seconds))
        results: dict[int, Any] = {}
        while len(results) < edges + 1:
            kind, first, second = out.get(timeout=TIMEOUT_S)
            if kind == "window":
                for stop in stops:
                    stop.put(first)
                    stop.put(second)
            else:
                results[first] = second
        return {"origin": results[-1], "edges": [results[i] for i in range(edges)]}
    finally:
        for proc in procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()


def run(quick: bool, workdir: Path) -> Record:
    record = Record("relay", quick)
    seconds = 3.0 if quick else 10.0
    rounds = (1, 2) if quick else (1, 3)
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
    return record

"""Placement storm: 200 sessions placed at once from 3 node processes on the real Redis.

Three processes (``multiprocessing``, spawned) each register as a node with the product's
``NodeHeartbeat`` (heartbeats running), wait on one barrier, then ask the product's
``ClusterTable.place`` for the owner of every session, all at once (``asyncio.gather``): as
if the first page of every session reached every node in the same instant. Each placement's
time is taken around its ``place`` call; "time to place all" runs from the barrier to the
last answer in any process (``time.monotonic``, one clock for the whole machine).

Checked on the answers: every process got the same owner and fencing token for a session
(no session has two owners), that owner is the one stored, and one fencing token was
handed out per session (nothing placed twice). Spread: sessions per node.

Baseline, same run: the same three processes each send one plain ``SET key value NX PX``
per session, all at once, on the same Redis and the same bounded pool of connections a node
uses (``ClusterTable.open``): the cost of one lock attempt alone, without waiting for the
cluster-wide placement lock, reading the node table and the placements, choosing, and
writing the placement.

Full: 200 sessions; quick: 40. Everything under a key prefix of its own, removed after.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import secrets
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks import harness
from benchmarks.harness import Record

REDIS_URL = "redis://127.0.0.1:6379/0"
NODES = 3
SESSIONS, QUICK_SESSIONS = 200, 40
TIMEOUT_S = 120.0


def _node(
    index: int, name: str, sessions: int, mode: str, barrier: Any, out: Any
) -> None:  # pragma: no cover - runs in a spawned process
    out.put(asyncio.run(_storm(index, name, sessions, mode, barrier)))


async def _storm(index: int, name: str, sessions: int, mode: str, barrier: Any) -> dict[str, Any]:
    from rooms.cluster.table import ClusterTable, NodeHeartbeat

    table = ClusterTable.open(REDIS_URL, name)  # as a node opens it (a bounded pool)
    client = table.client
    node = NodeHeartbeat(table, f"n{index}", f"http://127.0.0.1:{9101 + index}")
    await node.start()
    # Open the connections the storm will use before it starts: their setup is not timed.
    await asyncio.gather(*(client.ping() for _ in range(sessions)))
    try:
        await asyncio.to_thread(barrier.wait, 60)
        started = time.monotonic()

        async def one(session: int) -> tuple[float, str, int]:
            t0 = time.perf_counter()
            if mode == "place":
                placed = await table.place(str(session))
                if placed is None:
                    raise RuntimeError(f"session {session} found no node")
                owner, fence = placed.node_id, placed.fence
            else:  # the baseline: one plain SET NX per session
                won = await client.set(table.key(f"nx:{session}"), node.record.node_id,
                                       nx=True, px=60_000)  # fmt: skip
                owner, fence = ("won" if won else "lost"), 0
            return (time.perf_counter() - t0) * 1000, owner, fence

        answers = await asyncio.gather(*(one(s) for s in range(sessions)))
        ended = time.monotonic()
        # Keep beating until every process is done, so no node turns stale mid-storm.
        await asyncio.to_thread(barrier.wait, 60)
    finally:
        await node.stop()
        await client.aclose()
    return {
        "index": index,
        "started": started,
        "ended": ended,
        "ms": [a[0] for a in answers],
        "owners": [[a[1], a[2]] for a in answers],
    }


def _round(name: str, sessions: int, mode: str) -> list[dict[str, Any]]:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(NODES)
    out = ctx.Queue()
    procs = [
        ctx.Process(target=_node, args=(i, name, sessions, mode, barrier, out), daemon=True)
        for i in range(NODES)
    ]
    for proc in procs:
        proc.start()
    try:
        results = [out.get(timeout=TIMEOUT_S) for _ in procs]
    finally:
        for proc in procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()
    return sorted(results, key=lambda r: r["index"])


async def _redis_answers() -> bool:
    import redis.asyncio as redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        return bool(await client.ping())
    except (OSError, redis.RedisError):
        return False
    finally:
        await client.aclose()


async def _stored(name: str) -> tuple[dict[str, tuple[str, int]], int]:
    import redis.asyncio as redis

    from rooms.cluster.table import ClusterTable

    client = redis.Redis.from_url(REDIS_URL)
    try:
        table = ClusterTable(client, name)
        placements = {p.session_id: (p.node_id, p.fence) for p in await table.placements()}
        fences = int(await client.get(table.key("fence")) or 0)
        return placements, fences
    finally:
        keys = [k async for k in client.scan_iter(match=f"cluster:{name}:*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


def run(quick: bool, workdir: Path) -> Record:
    record = Record("placement", quick)
    sessions = QUICK_SESSIONS if quick else SESSIONS
    if not asyncio.run(_redis_answers()):
        record.notes.append(f"no Redis at {REDIS_URL}: nothing measured")
        record.goal("every session placed, one owner each, as stored", None, "no Redis")
        return record
    name = f"bench-{secrets.token_hex(6)}"

    baseline = _round(name + "-nx", sessions, "setnx")
    asyncio.run(_stored(name + "-nx"))  # removes the baseline's keys
    storm = _round(name, sessions, "place")
    stored, fences = asyncio.run(_stored(name))

    def span(results: list[dict[str, Any]]) -> float:
        return (max(r["ended"] for r in results) - min(r["started"] for r in results)) * 1000

    def all_ms(results: list[dict[str, Any]]) -> list[float]:
        return [ms for r in results for ms in r["ms"]]

    # Owners: what each process was told, per session, against what is stored.
    told = [
        {tuple(o) for o in owners} for owners in zip(*(r["owners"] for r in storm), strict=True)
    ]
    two_owners = sum(1 for answers in told if len(answers) != 1)
    wrong = sum(
        1
        for session, answers in enumerate(told)
        if len(answers) == 1 and next(iter(answers)) != stored.get(str(session))
    )
    winners = Counter(o[0] for r in baseline for o in r["owners"])
    spread = Counter(owner for owner, _ in stored.values())
    per_node = [spread.get(f"n{i}", 0) for i in range(NODES)]

    asks = sessions * NODES
    storm_all, base_all = span(storm), span(baseline)
    record.figure("time to place all", storm_all, "ms",
                  baseline=base_all, baseline_name=f"{asks} plain SET NX",
                  detail=f"{sessions} sessions asked by each of {NODES} node processes at once")  # fmt: skip
    for p in (50, 99):
        record.figure(f"per placement p{p}", harness.percentile(all_ms(storm), p), "ms",
                      baseline=harness.percentile(all_ms(baseline), p),
                      baseline_name="SET NX")  # fmt: skip
    record.figure("sessions per node", " / ".join(map(str, per_node)),
                  detail=f"nodes n0 / n1 / n2; {len(stored)} placed")  # fmt: skip
    record.figure("fencing tokens handed out", fences, detail=f"{sessions} sessions")
    record.figure("sessions with two owners", two_owners,
                  detail=f"{wrong} answers differing from the stored owner")  # fmt: skip
    record.goal("every session placed, one owner each, as stored",
                len(stored) == sessions and two_owners == 0 and wrong == 0,
                f"{len(stored)}/{sessions} placed, {two_owners} with two owners, {wrong} stale")  # fmt: skip
    record.goal("one fencing token per session (nothing placed twice)", fences == sessions,
                f"{fences} for {sessions}")  # fmt: skip
    fair = max(per_node) - min(per_node) <= max(2, sessions // 10)
    record.goal("sessions spread over the nodes (within 10 %)", fair,
                " / ".join(map(str, per_node)))  # fmt: skip
    record.notes.append(
        f"baseline SET NX: {winners.get('won', 0)} won, {winners.get('lost', 0)} lost "
        f"(one winner per key, as expected: {winners.get('won', 0) == sessions})"
    )
    return record

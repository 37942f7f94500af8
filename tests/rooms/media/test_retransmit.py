"""NACKs for audio: answered from the slot's history, within a budget; real aiortc peers."""

from __future__ import annotations

import asyncio
import time

import pytest

from rooms.media.retransmit import BURST, History, NackBudget

from .conftest import Client
from .test_red import Sent

pytestmark = pytest.mark.integration

FLOOR_0 = 0


def test_history_holds_the_last_packets_only():
    history = History(size=4)
    for seq in range(65533, 65536 + 3):
        history.add(seq % 65536, seq * 960 % (1 << 32), bytes([seq % 256]))
    assert history.get(65534) is None  # pushed out by 2 (same ring index)
    assert history.get(1) == (65537 * 960 % (1 << 32), bytes([65537 % 256]))
    assert history.get(7) is None  # never sent


def test_the_budget_refills_at_its_rate():
    now = [0.0]
    budget = NackBudget(rate=10, burst=2, clock=lambda: now[0])
    assert [budget.take() for _ in range(3)] == [True, True, False]
    now[0] += 0.1
    assert budget.take() and not budget.take()
    assert budget.limited == 2


async def resent(client: Client, seq: int, within: float = 2.0) -> list[bytes]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        copies = [r.payload for r in client.rtp[FLOOR_0] if r.sequence_number == seq]
        if copies:
            return copies
        await asyncio.sleep(0.02)
    return []


async def test_a_nack_is_answered_from_the_history_and_a_storm_is_bounded(router, join):
    router.place("speaker", "room", may_publish=True)
    for listener in ("asker", "bystander"):
        router.place(listener, "room", may_publish=False)
    await join("speaker", tone=440)
    sent = Sent()
    router.publisher("speaker").subscribe(sent)
    asker: Client = await join("asker")
    bystander: Client = await join("bystander")
    await asker.hears(FLOOR_0, 440)
    assert "a=rtcp-fb:96 nack" in router.peer("asker").pc.localDescription.sdp
    receiver = asker.slot_receivers[FLOOR_0]
    budget = router.peer("asker").nacks[router.peer("asker").floor[FLOOR_0]]

    # Packets lost on the way (the leg drops 30%), then asked for: each comes, as sent.
    leg = router.peer("asker").set_leg_loss(0.3, seed=7)
    await asyncio.sleep(0.6)
    leg.share = 0.0
    recent = asker.rtp[FLOOR_0][-25:]
    got = {r.sequence_number for r in recent}
    first = recent[0]
    missing = [
        (first.sequence_number + i) % 65536
        for i in range(25)
        if (first.sequence_number + i) % 65536 not in got
    ]
    assert missing
    wanted = missing[0]
    await receiver._send_rtcp_nack(first.ssrc, [wanted])
    copies = await resent(asker, wanted, within=1.0)
    assert len(copies) == 1
    assert (budget.asked, budget.resent, budget.unknown, budget.limited) == (1, 1, 0, 0)
    again = next(r for r in asker.rtp[FLOOR_0] if r.sequence_number == wanted)
    offset = (wanted - first.sequence_number) % 65536
    assert again.timestamp == (first.timestamp + offset * 960) % (1 << 32)
    assert again.payload in sent.payloads

    # A NACK for a packet never sent: ignored, counted.
    never = (asker.rtp[FLOOR_0][-1].sequence_number + 30_000) % 65536
    await receiver._send_rtcp_nack(first.ssrc, [never])
    await asyncio.sleep(0.2)
    assert [r for r in asker.rtp[FLOOR_0] if r.sequence_number == never] == []
    assert budget.unknown == 1
    assert router.recovery_counts().nack_unknown == 1  # what /metrics shows

    # A storm: every packet of the last second asked for ten times at once.
    held = sorted(r.sequence_number for r in asker.rtp[FLOOR_0][-50:])
    if held[-1] - held[0] > 1000:  # wrapped: aiortc's NACK writer needs ascending numbers
        held = [seq for seq in held if seq < 1000]
    before = len(asker.rtp[FLOOR_0])
    bystander_before = len(bystander.rtp[FLOOR_0])
    for _ in range(10):
        await receiver._send_rtcp_nack(first.ssrc, held)
    await asyncio.sleep(1.0)
    asked = 10 * len(held)
    assert budget.asked == 1 + 1 + asked
    assert budget.resent <= 1 + BURST + 60  # the burst, then the refill rate for about a second
    assert budget.limited >= asked - BURST - 60
    # The listener's SRTP drops copies of packets it has; no more than the budget was sent.
    assert len(asker.rtp[FLOOR_0]) - before <= 60
    # The other listener still gets its packets at the usual pace.
    assert len(bystander.rtp[FLOOR_0]) - bystander_before >= 40
    await bystander.hears(FLOOR_0, 440)

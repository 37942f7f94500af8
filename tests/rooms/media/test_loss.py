"""Listeners' loss reported upstream: the publisher's RTCP carries what its worst listeners lose."""

from __future__ import annotations

import asyncio

import pytest
from aiortc.rtp import RtcpRrPacket

from rooms.media.loss import FRESH_S, LossBoard

from .conftest import Client

pytestmark = pytest.mark.integration

FLOOR_0 = 0


def test_the_board_gives_the_worst_tenth_and_forgets_old_reports():
    now = [0.0]
    board = LossBoard(clock=lambda: now[0])
    assert board.worst(("speaker", False)) == 0
    for listener in range(20):
        board.record(("speaker", False), listener, 0)
    board.record(("speaker", False), 20, 200)  # one listener on a broken link
    assert board.worst(("speaker", False)) == 0
    for listener in range(21, 24):  # three more lose a fifth
        board.record(("speaker", False), listener, 51)
    assert board.worst(("speaker", False)) == 51
    assert board.worst(("speaker", True)) == 0  # low-data listeners are filed apart
    now[0] += FRESH_S + 1
    assert board.worst(("speaker", False)) == 0


def capture_reports(client: Client, into: list[int]) -> None:
    """The fraction_lost of every receiver report the client's microphone sender gets."""
    sender = client.slots.mic.sender
    original = sender._handle_rtcp_packet

    async def handle(packet):  # type: ignore[no-untyped-def]
        if isinstance(packet, RtcpRrPacket):
            into.extend(report.fraction_lost for report in packet.reports)
        await original(packet)

    sender._handle_rtcp_packet = handle


async def test_a_lossy_listeners_loss_reaches_the_publishers_rtcp(router, join):
    router.place("speaker", "room", may_publish=True)
    router.place("listener", "room", may_publish=False)
    speaker: Client = await join("speaker", tone=440)
    reports: list[int] = []
    capture_reports(speaker, reports)
    listener: Client = await join("listener")
    await listener.hears(FLOOR_0, 440)
    router.peer("listener").set_leg_loss(0.25, seed=3)

    for _ in range(150):  # 15 s: the server reports every 5 s, the listener every second
        if any(r >= 0.1 * 256 for r in reports):
            break
        await asyncio.sleep(0.1)
    # The server itself lost nothing from the speaker: the figure is the listener's.
    assert any(0.1 * 256 <= r <= 0.45 * 256 for r in reports), reports
    assert router.loss.worst(("speaker", False)) >= 0.1 * 256

"""A channel slot's source switch, through real aiortc peers: nothing of the old voice after it.

Two interpreters' microphones (aiortc clients sending tones) and two listeners, one taking RED
as Chromium does and one plain Opus; the listeners' channel slot is switched back and forth
while both voices run. Every payload each publisher's Fanout carried is recorded, so every
packet a listener got (before aiortc's jitter buffer, RED blocks included) is known by source.
Run once on aiortc's queued sender path and once on rooms.media.fast_send (the router fixture).
"""

from __future__ import annotations

import asyncio
from itertools import pairwise

import av
import pytest

from rooms.media import red
from rooms.media.router import MediaRouter

from .conftest import Client, Join, Received

pytestmark = pytest.mark.integration

CHANNEL = -1
SWITCHES = 8
DWELL_S = 0.3
"""Time on each source between switches: 15 packets."""


class Sent:
    """A Fanout sink that keeps every payload a publisher's Fanout carried."""

    def __init__(self) -> None:
        self.payloads: set[bytes] = set()

    def push(self, packet: av.Packet) -> None:
        self.payloads.add(bytes(packet))

    def discontinuity(self) -> None:
        pass


def frames(packet: Received, with_red: bool) -> list[bytes]:
    """The Opus frames one packet carries: its primary, and with RED its redundant blocks."""
    if not with_red:
        return [packet.payload]
    _, primary, blocks = red.split(packet.payload)
    return [primary, *(block.data for block in blocks)]


def in_order(received: list[Received]) -> list[Received]:
    """The packets in sequence order (from the first one received, across a wrap)."""
    first = received[0].sequence_number
    return sorted(received, key=lambda r: (r.sequence_number - first) % 65536)


def runs(received: list[Received], by_source: dict[str, set[bytes]], with_red: bool) -> list[str]:
    """The sources of the packets in sequence order, one entry per run of one source.

    Fails if any packet carries frames of two sources (a redundant block of the old source
    in the new one's packet) or a frame of neither.
    """
    order: list[str] = []
    for packet in in_order(received):
        carried = frames(packet, with_red)
        sources = {
            name for frame in carried for name, payloads in by_source.items() if frame in payloads
        }
        assert len(sources) == 1, (packet.sequence_number, sources)
        (source,) = sources
        if not order or order[-1] != source:
            order.append(source)
    return order


async def test_after_a_channel_switch_the_listener_gets_nothing_of_the_old_source(
    router: MediaRouter, join: Join
) -> None:
    for booth in ("ivan", "iris"):
        router.place(booth, "plenary", may_publish=False)
    for listener in ("lea", "leo"):
        router.place(listener, "plenary", may_publish=False)
    sent = {"ivan": Sent(), "iris": Sent()}
    await join("ivan", tone=660)
    await join("iris", tone=880)
    for name, sink in sent.items():
        router.publisher(name).subscribe(sink)
    lea = Client(red=True)
    leo = Client()
    listeners = {"lea": lea, "leo": leo}
    try:
        for name, client in listeners.items():
            await client.join(router, name)
            router.set_channel(name, "ivan")
        await leo.hears(CHANNEL, 660)  # Lea's RED is unpacked, not decoded: she is read by bytes
        for client in listeners.values():
            client.rtp[CHANNEL].clear()  # from here on every payload is recorded

        expected = ["ivan"]
        for index in range(SWITCHES):
            await asyncio.sleep(DWELL_S)
            source = ("iris", "ivan")[index % 2]
            for name in listeners:
                router.set_channel(name, source)
            expected.append(source)
        await asyncio.sleep(DWELL_S)
        await leo.hears(CHANNEL, 880 if expected[-1] == "iris" else 660)

        payloads = {name: sink.payloads for name, sink in sent.items()}
        assert not payloads["ivan"] & payloads["iris"]
        for name, client in listeners.items():
            received = client.rtp[CHANNEL]
            assert len(received) >= 0.8 * (SWITCHES + 1) * DWELL_S * 50, name
            steps = {
                (b.sequence_number - a.sequence_number) % 65536
                for a, b in pairwise(in_order(received))
            }
            assert steps == {1}, (name, steps)
            # One run per source in the order switched to: after each switch, not one
            # packet (nor RED block) of the voice switched away from.
            assert runs(received, payloads, with_red=client is lea) == expected, name
            # Nor does aiortc's jitter buffer get the old source's timestamps again.
            assert all(
                0 < (b.timestamp - a.timestamp) % (1 << 32) < 1 << 31
                for a, b in pairwise(in_order(received))
            ), name
    finally:
        await asyncio.gather(
            *(client.close() for client in listeners.values()), return_exceptions=True
        )

"""RED (RFC 2198): the bytes, and real aiortc peers through the router, bit-exact."""

from __future__ import annotations

import asyncio
import fractions
import time
from itertools import pairwise

import av
import pytest
from aiortc.codecs.opus import OpusEncoder
from aiortc.mediastreams import MediaStreamTrack

from rooms.media import red
from rooms.media.forwarding import Fanout
from rooms.media.red import Block, RedError, RedView
from rooms.media.tones import ToneTrack

from .conftest import RED_PT, Client

pytestmark = pytest.mark.integration

FLOOR_0 = 0
CHANNEL = -1
OPUS_PT = 96  # aiortc's Opus payload type, which the test clients offer
FRAME = 960


class Sent:
    """A Fanout sink that keeps, in order, what a publisher's Fanout carried."""

    def __init__(self) -> None:
        self.payloads: list[bytes] = []

    def push(self, packet: av.Packet) -> None:
        self.payloads.append(bytes(packet))

    def discontinuity(self) -> None:
        pass


async def opus_frames(count: int, hz: float = 440) -> list[bytes]:
    tone, encoder = ToneTrack(hz), OpusEncoder()
    frames = []
    for _ in range(count):
        payloads, _ = encoder.encode(await tone.recv())
        frames.extend(payloads)
    return frames


class PacketMic(MediaStreamTrack):
    """A microphone that sends the payloads it is given, one every 20 ms, in a loop."""

    kind = "audio"

    def __init__(self, payloads: list[bytes | None]) -> None:
        super().__init__()
        self.payloads = payloads
        self._index = 0
        self._start: float | None = None

    async def recv(self) -> av.Packet:
        while True:
            if self._start is None:
                self._start = time.monotonic()
            index = self._index
            self._index += 1
            wait = self._start + index * 0.02 - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            payload = self.payloads[index % len(self.payloads)]
            if payload is None:
                continue  # lost before it reached the server
            packet = av.Packet(payload)
            packet.pts = index * FRAME
            packet.time_base = fractions.Fraction(1, 48000)
            return packet


def test_join_and_split_round_trip():
    blocks = [Block(1920, b"\x01\x02"), Block(960, b"\x03")]
    payload = red.join(OPUS_PT, b"primary", blocks)
    primary_type, primary, parsed = red.split(payload)
    assert (primary_type, primary) == (OPUS_PT, b"primary")
    assert parsed == [Block(1920, b"\x01\x02", OPUS_PT), Block(960, b"\x03", OPUS_PT)]
    assert red.split(red.join(OPUS_PT, b"x", [])) == (OPUS_PT, b"x", [])


@pytest.mark.parametrize(
    "payload",
    [
        b"",  # no header at all
        b"\xe0\x0f\x00",  # a redundant header cut short
        b"\xe0\x0f\x00\x05\x60ab",  # a block of 5 bytes with 2 left
        b"\xe0" * 40,  # headers that never end
    ],
)
def test_bad_block_lengths_are_refused(payload):
    with pytest.raises(RedError):
        red.split(payload)


def sections(sdp: str) -> list[str]:
    return [line for line in sdp.split("\r\n") if line.startswith("m=audio")]


async def test_red_listener_gets_red_of_the_publishers_frames_and_others_get_opus(router, join):
    router.place("speaker", "room", may_publish=True)
    for listener in ("red", "plain"):
        router.place(listener, "room", may_publish=False)
    await join("speaker", tone=440)
    sent = Sent()
    router.publisher("speaker").subscribe(sent)
    with_red: Client = await join("red", red=True)
    plain: Client = await join("plain")
    await plain.hears(FLOOR_0, 440)
    await asyncio.sleep(0.5)

    # RED first, then Opus, on every audio section of the RED listener's answer.
    answer = router.peer("red").pc.localDescription.sdp
    assert all(line.split()[3:5] == [str(RED_PT), str(OPUS_PT)] for line in sections(answer))
    assert f"a=fmtp:{RED_PT} {OPUS_PT}/{OPUS_PT}" in answer
    assert "useinbandfec=1" in answer
    assert all(
        line.split()[3] == str(OPUS_PT)
        for line in sections(router.peer("plain").pc.localDescription.sdp)
    )

    received = with_red.rtp[FLOOR_0][-40:]
    assert {r.payload_type for r in received} == {RED_PT}
    checked = 0
    previous = None
    for packet in received:
        primary_type, primary, blocks = red.split(packet.payload)
        assert primary_type == OPUS_PT
        assert primary in sent.payloads  # the publisher's frame, bit for bit
        if blocks and previous is not None:
            # The redundant block is the frame before, again, bit for bit.
            assert [(b.offset, b.payload_type) for b in blocks] == [(FRAME, OPUS_PT)]
            assert blocks[0].data == previous
            checked += 1
        previous = primary
    assert checked >= 35
    # The listener's own unpacking (the receive hook) gives the publisher's frames back.
    assert with_red.unpacked[FLOOR_0][-30:]
    assert all(frame in sent.payloads for frame in with_red.unpacked[FLOOR_0][-30:])

    plain_received = plain.rtp[FLOOR_0][-40:]
    assert {r.payload_type for r in plain_received} == {OPUS_PT}
    assert all(r.payload in sent.payloads for r in plain_received)


async def test_a_publishers_red_is_stripped_once_and_fills_its_own_holes(router, join):
    frames = await opus_frames(50)
    payloads: list[bytes | None] = []
    for i, frame in enumerate(frames):
        blocks = [Block(FRAME, frames[i - 1])] if i else []
        payloads.append(red.join(OPUS_PT, frame, blocks))
    payloads[10] = None  # lost on the publisher's leg: packet 11 carries it again
    payloads[20] = b"\xe0\x0f\x00\x05\x60ab"  # a block longer than the payload
    router.place("speaker", "room", may_publish=True)
    for listener in ("plain", "red"):
        router.place(listener, "room", may_publish=False)
    plain: Client = await join("plain")
    with_red: Client = await join("red", red=True)
    await join("speaker", mic=PacketMic(payloads), red=True)
    speaker = router.peer("speaker")
    for _ in range(100):
        if len(plain.rtp[FLOOR_0]) >= 120:
            break
        await asyncio.sleep(0.1)

    # One pass through the loop of 50, as the plain listener got it: every frame, bit for
    # bit, the one lost on the way in and the broken packet's too (from the next packet).
    got = [r.payload for r in plain.rtp[FLOOR_0]]
    assert {r.payload_type for r in plain.rtp[FLOOR_0]} == {OPUS_PT}
    start = got.index(frames[0], 1)
    assert got[start : start + 50] == frames
    assert speaker.mic_tap is not None
    assert speaker.mic_tap.red_dropped >= 1
    assert speaker.mic_tap.recovered >= 2

    # The RED listener's primaries are the same frames; none of its packets is broken.
    primaries = [red.split(r.payload)[1] for r in with_red.rtp[FLOOR_0]]
    start = primaries.index(frames[0], 1)
    assert primaries[start : start + 50] == frames


async def test_a_red_slot_keeps_its_payload_types_across_a_switch(router, join):
    for booth in ("booth-a", "booth-b"):
        router.place(booth, "room", may_publish=False)
    router.place("listener", "room", may_publish=False)
    await join("booth-a", tone=440)
    await join("booth-b", tone=660)
    listener: Client = await join("listener", red=True)
    router.set_channel("listener", "booth-a")
    await asyncio.sleep(0.6)
    router.set_channel("listener", "booth-b")
    await asyncio.sleep(0.6)
    router.set_channel("listener", "booth-a")
    await asyncio.sleep(0.6)

    received = listener.rtp[CHANNEL]
    assert len(received) > 60
    assert {r.payload_type for r in received} == {RED_PT}
    for packet in received:
        primary_type, _, blocks = red.split(packet.payload)
        assert primary_type == OPUS_PT
        assert all(b.payload_type == OPUS_PT and b.offset == FRAME for b in blocks)
    steps = {(b.sequence_number - a.sequence_number) % 65536 for a, b in pairwise(received)}
    assert steps == {1}


def test_a_low_data_view_adds_redundancy_only_while_its_listeners_lose_packets():
    now, loss = [0.0], [0.0]
    source = Fanout("speaker")
    view = RedView(source, OPUS_PT, 0, protect=lambda: loss[0], clock=lambda: now[0])
    got = Sent()
    view.fanout.subscribe(got)

    def blocks_after(share: float) -> list[int]:
        loss[0] = share
        now[0] += 1.0
        counts = []
        for _ in range(3):
            packet = av.Packet(b"frame-%d" % len(got.payloads))
            packet.pts = len(got.payloads) * 2880
            source.publish(packet)
            counts.append(len(red.split(got.payloads[-1])[2]))
        return counts

    assert blocks_after(0.0) == [0, 0, 0]
    assert blocks_after(0.05)[1:] == [1, 1]  # the frame before, 60 ms back
    assert red.split(got.payloads[-1])[2][0] == Block(2880, b"frame-4", OPUS_PT)
    assert blocks_after(0.01) == [1, 1, 1]  # until the loss is really gone
    assert blocks_after(0.0) == [0, 0, 0]

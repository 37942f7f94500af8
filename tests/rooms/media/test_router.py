import asyncio
import itertools
import time

import av
import pytest

from rooms.media.forwarding import ForwardingTrack, SourceSwitch
from rooms.media.tones import ToneTrack

pytestmark = pytest.mark.integration

FLOOR_0 = 0
CHANNEL = -1


class Recorder:
    """A Fanout sink that keeps the payloads a publisher sent."""

    def __init__(self) -> None:
        self.payloads: set[bytes] = set()

    def push(self, packet: av.Packet) -> None:
        self.payloads.add(bytes(packet))

    def discontinuity(self) -> None:
        pass


async def packets_within(received: list, seconds: float) -> list:
    start = len(received)
    await asyncio.sleep(seconds)
    return received[start:]


def uint16_step(a: int, b: int) -> int:
    return (b - a) % 65536


def uint32_step(a: int, b: int) -> int:
    return (b - a) % (1 << 32)


async def test_same_room_hears_the_tone_other_room_gets_nothing(router, join):
    router.place("speaker", "plenary", may_publish=True)
    router.place("listener", "plenary", may_publish=False)
    router.place("elsewhere", "breakout-1", may_publish=False)
    await join("speaker", tone=440)
    listener = await join("listener")
    elsewhere = await join("elsewhere")

    await listener.hears(FLOOR_0, 440)

    assert router.floor_sources("listener") == ["speaker", None]
    assert router.floor_sources("elsewhere") == [None, None]
    assert router.floor_sources("speaker") == [None, None]
    assert [len(received) for received in elsewhere.rtp] == [0, 0, 0]
    assert [track.packets_out for track in router.peer("elsewhere").slot_tracks()] == [0, 0, 0]


async def test_channel_switch_keeps_sequence_and_timestamps_without_renegotiation(router, join):
    router.place("booth-a", "plenary", may_publish=False)
    router.place("booth-b", "plenary", may_publish=False)
    router.place("listener", "plenary", may_publish=False)
    await join("booth-a", tone=440)
    await join("booth-b", tone=660)
    listener = await join("listener")
    sent_by_b = Recorder()
    router.publisher("booth-b").subscribe(sent_by_b)
    answer_before = router.peer("listener").pc.localDescription.sdp
    switches: list[SourceSwitch] = []
    channel = router.channel_track("listener")
    channel.on_switch = switches.append

    router.set_channel("listener", "booth-a")
    await listener.hears(CHANNEL, 440)
    router.set_channel("listener", "booth-b")
    await listener.hears(CHANNEL, 660)
    router.set_channel("listener", "booth-a")
    await listener.hears(CHANNEL, 440)

    received = listener.rtp[CHANNEL]
    steps = [
        uint16_step(a.sequence_number, b.sequence_number) for a, b in itertools.pairwise(received)
    ]
    assert set(steps) == {1}
    ts_steps = [uint32_step(a.timestamp, b.timestamp) for a, b in itertools.pairwise(received)]
    assert all(0 < step < 48_000 for step in ts_steps)

    # The recorded ordinal names the first packet of booth-b in the listener's stream.
    assert [s.source_id for s in switches] == ["booth-a", "booth-b", "booth-a"]
    first_b = switches[1].first_ordinal
    assert first_b is not None and first_b > 0
    assert received[first_b].payload in sent_by_b.payloads
    assert received[first_b - 1].payload not in sent_by_b.payloads
    assert received[first_b].sequence_number == (received[0].sequence_number + first_b) % 65536
    # Switching while packets flow advances the timestamp by about one frame.
    assert 960 <= ts_steps[first_b - 1] <= 5 * 960

    peer = router.peer("listener")
    assert peer.pc.signalingState == "stable"
    assert peer.pc.localDescription.sdp == answer_before
    assert listener.pc.remoteDescription.sdp == answer_before


async def test_server_side_mute_stops_forwarding(router, join):
    router.place("speaker", "plenary", may_publish=True)
    router.place("listener", "plenary", may_publish=False)
    await join("speaker", tone=440)
    listener = await join("listener")
    await listener.hears(FLOOR_0, 440)

    router.set_muted("speaker", True)
    await asyncio.sleep(0.2)  # packets already on the wire
    assert await packets_within(listener.rtp[FLOOR_0], 0.6) == []
    assert router.floor_sources("listener") == [None, None]

    router.set_muted("speaker", False)
    await listener.hears(FLOOR_0, 440)


async def started_talking(router, peer_id: str) -> None:
    for _ in range(100):
        if router.talk_starts(peer_id):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{peer_id} never started talking")


async def test_more_speakers_than_floor_slots_keeps_the_most_recent(router, join):
    router.place("listener", "plenary", may_publish=False)
    listener = await join("listener", floor_slots=2)
    for peer_id, tone in (("first", 300), ("second", 500), ("third", 700)):
        router.place(peer_id, "plenary", may_publish=True)
        await join(peer_id, tone=tone)
        await started_talking(router, peer_id)  # talking counts too: let each start in turn

    # "third" took the slot "first" left; "second" kept its slot.
    assert router.floor_sources("listener") == ["third", "second"]
    assert router.floor_sources("third") == ["second", "first"]
    await listener.hears(FLOOR_0, 700)
    await listener.hears(1, 500)


async def test_a_slow_listener_does_not_delay_others(router, join):
    if router.fast_send:
        pytest.skip("no sender loop to slow down; test_fast_send covers a broken listener")
    router.place("speaker", "plenary", may_publish=True)
    for peer_id in ("slow", "fast"):
        router.place(peer_id, "plenary", may_publish=False)
    await join("speaker", tone=440)
    slow = await join("slow")
    fast = await join("fast")
    await fast.hears(FLOOR_0, 440)

    # The slow listener's sender takes 100 ms per packet, five times too long.
    slow_track = router.peer("slow").floor[FLOOR_0]
    original = ForwardingTrack.recv

    async def slow_recv() -> av.Packet:
        await asyncio.sleep(0.1)
        return await original(slow_track)

    slow_track.recv = slow_recv  # type: ignore[method-assign]
    await packets_within(slow.rtp[FLOOR_0], 0.5)  # what the slow sender had queued drains
    fast_window, slow_window = await asyncio.gather(
        packets_within(fast.rtp[FLOOR_0], 1.0), packets_within(slow.rtp[FLOOR_0], 1.0)
    )

    # In the same second the fast listener gets the speaker's packets at the speaker's pace
    # (50 a second), the slow one at its sender's (10 a second), and the slow one's queue
    # stays short: it drops what it cannot send instead of holding the others back.
    # Counts against each other, not times: on a loaded machine both slow down alike.
    assert len(fast_window) >= 3 * max(1, len(slow_window))
    assert slow_track.dropped + slow_track.burst_dropped >= 20
    assert len(slow_track._queue) <= 5


async def test_low_data_listener_gets_the_shared_low_bitrate_rendition(router, join):
    router.place("speaker", "plenary", may_publish=True)
    router.place("full", "plenary", may_publish=False)
    router.place("low", "plenary", may_publish=False)
    router.set_low_data("low", True)
    await join("speaker", tone=440)
    full = await join("full")
    low = await join("low")

    await low.hears(FLOOR_0, 440)
    await full.hears(FLOOR_0, 440)
    low_packets = await packets_within(low.rtp[FLOOR_0], 1.0)
    full_packets = full.rtp[FLOOR_0][-50:]
    # 60 ms Opus frames: one packet every 2880 samples, about 17 a second (a stall of this
    # test's own loop may skip a frame: a step of two frames, never a step of another size).
    low_steps = [uint32_step(a.timestamp, b.timestamp) for a, b in itertools.pairwise(low_packets)]
    full_steps = [
        uint32_step(a.timestamp, b.timestamp) for a, b in itertools.pairwise(full_packets)
    ]
    assert {step % 2880 for step in low_steps} == {0} and low_steps.count(2880) > len(low_steps) / 2
    assert {step % 960 for step in full_steps} == {0} and full_steps.count(960) > len(
        full_steps
    ) / 2
    low_bitrate = sum(len(r.payload) for r in low_packets) * 8 / 1.0
    assert low_bitrate < 11_000  # VBR: a steady tone takes less than the 9 kbit/s allowed
    full_bitrate = sum(len(r.payload) for r in full_packets) * 8 / 1.0
    assert full_bitrate > 2 * low_bitrate

    router.set_low_data("low", False)
    assert router._renditions == {}


async def test_reconnect_keeps_placement_and_listeners(router, join):
    router.place("speaker", "plenary", may_publish=True)
    router.place("listener", "plenary", may_publish=False)
    router.set_channel("listener", "speaker")
    first = await join("speaker", tone=440)
    listener = await join("listener")
    await listener.hears(CHANNEL, 440)

    await first.close()
    await join("speaker", tone=660)

    await listener.hears(CHANNEL, 660)
    await listener.hears(FLOOR_0, 660)
    received = listener.rtp[CHANNEL]
    steps = {
        uint16_step(a.sequence_number, b.sequence_number) for a, b in itertools.pairwise(received)
    }
    assert steps == {1}


async def test_close_forgets_the_peer(router, join):
    router.place("speaker", "plenary", may_publish=True)
    router.place("listener", "plenary", may_publish=False)
    await join("speaker", tone=440)
    listener = await join("listener")
    await listener.hears(FLOOR_0, 440)

    await router.close("speaker")

    assert router.floor_sources("listener") == [None, None]
    await asyncio.sleep(0.2)
    assert await packets_within(listener.rtp[FLOOR_0], 0.4) == []
    start = time.monotonic()
    await router.close("listener")
    assert time.monotonic() - start < 2


async def test_whoever_starts_talking_takes_the_floor_slot_of_the_longest_silent(router, join):
    router.place("listener", "plenary", may_publish=False)
    listener = await join("listener", floor_slots=2)
    mics = {}
    for peer_id, tone in (("first", 300), ("second", 500), ("third", 700)):
        router.place(peer_id, "plenary", may_publish=True)
        mics[peer_id] = ToneTrack(tone, amplitude=0.0)  # silent: level 127 in every packet
        await join(peer_id, mic=mics[peer_id])
    assert router.floor_sources("listener") == ["third", "second"]

    assert [router.talk_starts(p) for p in mics] == [0, 0, 0]
    mics["first"].amplitude = 0.5  # "first" starts talking
    for _ in range(100):
        if router.floor_sources("listener") == ["third", "first"]:
            break
        await asyncio.sleep(0.05)
    assert router.floor_sources("listener") == ["third", "first"]
    await listener.hears(1, 300)

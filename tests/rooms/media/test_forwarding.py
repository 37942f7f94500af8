import asyncio
import contextlib
import fractions

import av
import pytest
from aiortc.mediastreams import MediaStreamError

from rooms.media.forwarding import Fanout, ForwardingTrack, Punctuality, SourceSwitch

pytestmark = pytest.mark.unit

TIME_BASE = fractions.Fraction(1, 48_000)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def packet(pts: int, payload: bytes = b"opus") -> av.Packet:
    p = av.Packet(payload)
    p.pts = pts
    p.time_base = TIME_BASE
    return p


async def drain(track: ForwardingTrack, count: int) -> list[av.Packet]:
    return [await asyncio.wait_for(track.recv(), 1) for _ in range(count)]


async def test_a_fanout_delivers_each_packet_to_every_track():
    source = Fanout("speaker")
    tracks = [ForwardingTrack() for _ in range(3)]
    for track in tracks:
        track.switch(source)

    source.publish(packet(0, b"a"))

    assert [bytes(p) for t in tracks for p in await drain(t, 1)] == [b"a", b"a", b"a"]
    assert source.sink_count == 3


async def test_a_muted_fanout_delivers_nothing():
    source = Fanout("speaker")
    track = ForwardingTrack()
    track.switch(source)
    source.enabled = False

    source.publish(packet(0))

    assert len(track._queue) == 0
    assert source.packets_in == 1


async def test_a_slow_track_keeps_only_the_latest_packets_and_others_get_all():
    source = Fanout("speaker")
    slow, fast = ForwardingTrack(queue_packets=5), ForwardingTrack(queue_packets=5)
    slow.switch(source)
    fast.switch(source)
    received = []

    for i in range(20):
        source.publish(packet(i * 960, bytes([i])))
        received += await drain(fast, 1)

    assert [bytes(p)[0] for p in received] == list(range(20))
    # Of the 5 it kept, it sends the ones within 40 ms of the newest: never a late burst.
    assert [bytes(p)[0] for p in await drain(slow, 3)] == [17, 18, 19]
    assert (slow.dropped, slow.burst_dropped) == (15, 2)
    assert (fast.dropped, fast.burst_dropped) == (0, 0)


async def test_a_burst_after_a_stall_is_cut_to_its_last_40_ms():
    source = Fanout("speaker")
    track = ForwardingTrack(queue_packets=10)
    track.switch(source)
    source.publish(packet(0, b"\x00"))
    assert [bytes(p)[0] for p in await drain(track, 1)] == [0]

    # The server stalled: six packets (120 ms) come out of the socket at once.
    for i in range(1, 7):
        source.publish(packet(i * 960, bytes([i])))

    assert [bytes(p)[0] for p in await drain(track, 3)] == [4, 5, 6]
    assert track.burst_dropped == 3


async def test_two_packets_together_are_ordinary_jitter_and_both_go():
    source = Fanout("speaker")
    track = ForwardingTrack()
    track.switch(source)
    source.publish(packet(0, b"a"))
    source.publish(packet(960, b"b"))

    assert [bytes(p) for p in await drain(track, 2)] == [b"a", b"b"]
    assert track.burst_dropped == 0


async def test_pts_start_at_zero_and_follow_the_source_within_a_segment():
    source = Fanout("speaker")
    track = ForwardingTrack()
    track.switch(source)
    sent = []
    for pts in (48_000, 48_960, 51_840):  # a lost packet is a gap, kept as a gap
        source.publish(packet(pts))
        sent += await drain(track, 1)

    assert [p.pts for p in sent] == [0, 960, 3840]


async def test_a_switch_continues_the_timeline_one_frame_later():
    clock = FakeClock()
    a, b = Fanout("a"), Fanout("b")
    switches: list[SourceSwitch] = []
    track = ForwardingTrack(clock=clock, on_switch=switches.append)
    track.switch(a)
    a.publish(packet(5_000_000))
    a.publish(packet(5_000_960))
    await drain(track, 2)

    track.switch(b)
    a.publish(packet(5_001_920))  # no longer subscribed
    clock.now += 0.02
    b.publish(packet(123))
    b.publish(packet(1_083))

    assert [p.pts for p in await drain(track, 2)] == [1920, 2880]
    assert a.sink_count == 0
    assert [(s.source_id, s.first_ordinal) for s in switches] == [("a", 0), ("b", 2)]
    assert switches[1].first_sent_at == clock.now


async def test_after_silence_the_timeline_advances_by_the_silence():
    clock = FakeClock()
    a, b = Fanout("a"), Fanout("b")
    track = ForwardingTrack(clock=clock)
    track.switch(a)
    a.publish(packet(0))
    await drain(track, 1)
    track.switch(None)
    clock.now += 3.0
    track.switch(b)
    b.publish(packet(777))

    assert [p.pts for p in await drain(track, 1)] == [3 * 48_000]
    assert track.last_switch is not None and track.last_switch.source_id == "b"


async def test_a_switch_drops_what_the_old_source_left_queued():
    a, b = Fanout("a"), Fanout("b")
    track = ForwardingTrack()
    track.switch(a)
    a.publish(packet(0, b"old"))
    track.switch(b)
    b.publish(packet(0, b"new"))

    assert [bytes(p) for p in await drain(track, 1)] == [b"new"]


async def test_a_source_restart_starts_a_new_segment():
    a = Fanout("a")
    track = ForwardingTrack()
    track.switch(a)
    a.publish(packet(96_000))
    await drain(track, 1)
    a.discontinuity()  # the publisher reconnected: its pts restart
    a.publish(packet(0))

    (second,) = await drain(track, 1)
    assert second.pts is not None and second.pts >= 960


async def test_stopping_the_track_ends_a_waiting_recv_and_unsubscribes():
    a = Fanout("a")
    track = ForwardingTrack()
    track.switch(a)
    waiting = asyncio.create_task(track.recv())
    await asyncio.sleep(0)

    track.stop()

    with pytest.raises(MediaStreamError):
        await asyncio.wait_for(waiting, 1)
    assert a.sink_count == 0


async def test_a_switch_starts_with_the_new_sources_fresh_packet_at_once():
    clock = FakeClock()
    a, b = Fanout("a", clock=clock), Fanout("b", clock=clock)
    track = ForwardingTrack(clock=clock)
    track.switch(a)
    a.publish(packet(960))
    await drain(track, 1)
    b.publish(packet(50_000, b"b-latest"))  # b spoke 10 ms before the switch
    clock.now += 0.01

    track.switch(b)
    first = await drain(track, 1)  # no wait for b's next frame
    assert bytes(first[0]) == b"b-latest" and first[0].pts == 960  # one frame after a's
    b.publish(packet(50_960, b"b-next"))
    nxt = await drain(track, 1)
    assert bytes(nxt[0]) == b"b-next" and nxt[0].pts == 1920  # the timeline stays continuous


async def test_a_stale_or_muted_source_is_not_replayed_on_switch():
    clock = FakeClock()
    stale, muted = Fanout("stale", clock=clock), Fanout("muted", clock=clock)
    stale.publish(packet(960))
    muted.publish(packet(960))
    muted.enabled = False
    clock.now += 0.5
    track = ForwardingTrack(clock=clock)
    track.switch(stale)
    track.switch(muted)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(track.recv(), 0.05)


@pytest.mark.parametrize("fast", [False, True], ids=["queued", "direct"])
async def test_test_loss_drops_runs_of_three_on_both_paths(fast):
    # The feed-health tests rely on it, whichever path the server sends on.
    source = Fanout("speaker")
    track = ForwardingTrack(queue_packets=200)
    sent: list[av.Packet] = []
    if fast:
        track.direct = sent.append
    track.switch(source)
    track.test_loss = 0.25
    for i in range(125):
        source.publish(packet(i * 960))
        if not fast:
            with contextlib.suppress(TimeoutError):  # a dropped packet: recv waits for more
                sent.append(await asyncio.wait_for(track.recv(), 0.05))
    # A quarter, in runs of three: a run starts at every twelfth packet.
    kept = {p.pts for p in sent}
    lost = [i for i in range(125) if i * 960 not in kept]
    assert lost == [start + k for start in range(11, 125, 12) for k in range(3)]


def arrivals(punctuality: Punctuality, schedule: list[tuple[float, int]]) -> list[bool]:
    """Feed (arrival time, pts) pairs; which were stale."""
    return [punctuality.stale(pts, at) for at, pts in schedule]


def test_punctuality_cuts_a_burst_after_a_stall_to_its_last_40_ms():
    steady = [(i * 0.02, i * 960) for i in range(50)]  # a second at 20 ms a packet
    # The loop stalls for 300 ms: packets 50 to 64 wait in the socket, then come back to back.
    burst = [(0.98 + 0.3 + k * 0.0001, (50 + k) * 960) for k in range(15)]
    after = [(1.3 + k * 0.02, (65 + k) * 960) for k in range(1, 20)]
    p = Punctuality()

    assert not any(arrivals(p, steady))
    stale = arrivals(p, burst)
    # The first of the burst came after the gap 300 ms late (a stall, not jitter), the
    # others right behind it: those more than 40 ms behind their time are stale; the last
    # two, within 40 ms, go.
    assert stale == [True] * 13 + [False, False]
    assert not any(arrivals(p, after))
    assert p.stale_count == 13


def test_punctuality_leaves_a_slower_path_jitter_and_reordering_alone():
    p = Punctuality()
    assert not any(arrivals(p, [(i * 0.02, i * 960) for i in range(50)]))
    # The path gets 100 ms slower for good: late, but spaced as usual.
    assert not any(arrivals(p, [(1.1 + i * 0.02, (50 + i) * 960) for i in range(50)]))
    # And then 200 ms slower: two packets go, then that is the usual.
    slower = arrivals(p, [(2.3 + i * 0.02, (100 + i) * 960) for i in range(10)])
    assert slower == [True, True] + [False] * 8
    # Packet 110 is due at 2.5 s now. Held 60 ms by the network, with 111 right behind it
    # (41 ms late): ordinary jitter, both go; the listener's jitter buffer absorbs it.
    assert arrivals(p, [(2.56, 110 * 960), (2.561, 111 * 960)]) == [False, False]
    # An old packet arriving after newer ones is never judged.
    assert arrivals(p, [(2.6, 109 * 960)]) == [False]


async def test_a_fast_path_track_skips_the_stale_packets_of_a_burst():
    clock = FakeClock()
    source = Fanout("speaker", clock=clock)
    track, sent = ForwardingTrack(), []
    track.direct = sent.append
    track.switch(source)
    for i in range(10):
        clock.now = 100.0 + i * 0.02
        source.publish(packet(i * 960, bytes([i])))
    clock.now += 0.305  # a stall, then fifteen packets at once
    for i in range(10, 25):
        source.publish(packet(i * 960, bytes([i])))

    assert [bytes(p)[0] for p in sent] == [*range(10), 23, 24]
    assert track.burst_dropped == 13

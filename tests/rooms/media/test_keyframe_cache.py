"""The last keyframe of a source, replayed to a viewer who starts watching it (sans I/O)."""

import asyncio

import av
import pytest

from rooms.media.keyframe_cache import KeyframeCache
from rooms.media.receiver_hook import _FrameAssembler, starts_keyframe
from rooms.media.video import REPEAT_S, VideoFanout, VideoForwardingTrack
from tests.rooms.media.test_keyframes import FakeTime, rtp

pytestmark = pytest.mark.unit

VP8 = "video/vp8"
# A VP8 key frame's first bytes (RFC 6386 9.1): the frame tag, then the start code 9d 01 2a.
KEY = bytes([0x50, 0x02, 0x00, 0x9D, 0x01, 0x2A, 0x40, 0x01, 0xF0, 0x00])
DELTA = bytes([0x51, 0x02, 0x00, 0x07, 0x08])


def frame(data: bytes, pts: int) -> av.Packet:
    packet = av.Packet(data)
    packet.pts = pts
    packet.is_keyframe = data[0] & 1 == 0
    return packet


def test_the_latest_keyframe_is_kept_and_replayed_stamped_as_of_now():
    time = FakeTime()
    cache = KeyframeCache(clock=time)
    assert cache.replay(VP8) is None
    cache.add(VP8, frame(KEY, 9000))
    assert (cache.current, cache.held_bytes) == (True, len(KEY))
    time.advance(2.0)
    replay = cache.replay(VP8)
    assert replay is not None
    assert (bytes(replay), replay.pts, replay.is_keyframe) == (KEY, 9000 + 180_000, True)
    cache.add(VP8, frame(DELTA, 12000))
    assert cache.current is False  # a viewer needs the frames after it too: not the latest
    newer = KEY[:-1] + b"\x01"
    cache.add(VP8, frame(newer, 15000))
    assert (cache.current, bytes(cache.replay(VP8) or b"")) == (True, newer)
    assert cache.replay("video/h264") is None  # a slot of another codec cannot show it
    assert (cache.kept, cache.replayed) == (2, 2)


def test_a_keyframe_over_the_limit_is_not_kept_nor_the_one_before_it():
    cache = KeyframeCache(limit=8, clock=FakeTime())
    cache.add(VP8, frame(KEY[:8], 0))
    cache.add(VP8, frame(KEY, 3000))
    assert (cache.held_bytes, cache.too_large, cache.replay(VP8)) == (0, 1, None)


def test_a_loss_makes_the_keyframe_stale_and_clear_forgets_it():
    cache = KeyframeCache(clock=FakeTime())
    cache.add(VP8, frame(KEY, 0))
    cache.lost()
    assert cache.current is False and cache.replay(VP8) is not None
    cache.clear()
    assert (cache.held_bytes, cache.replay(VP8)) == (0, None)


def still_screen(time: FakeTime, plis: list[float]) -> VideoFanout:
    """A screen that sent one keyframe at pts 0, then nothing (it answers no PLI)."""
    screen = VideoFanout("p", "screen", scheduler=time, clock=time)
    screen.attach(lambda: plis.append(time.now))
    screen.publish(VP8, frame(KEY, 0))
    return screen


async def started(slot: VideoForwardingTrack) -> asyncio.Future[av.Packet]:
    """The viewer's sender reading the slot (its connection is up)."""
    reading = asyncio.ensure_future(slot.recv())
    await asyncio.sleep(0)
    return reading


async def test_a_slot_switched_to_a_still_screen_shows_its_keyframe_at_once_and_asks_for_a_fresh_one():
    time = FakeTime()
    plis: list[float] = []
    screen = still_screen(time, plis)
    time.advance(30.0)  # long still
    slot = VideoForwardingTrack("share slot", clock=time)
    reading = await started(slot)
    slot.switch(screen)
    assert slot.source is screen and plis == [30.0]
    first = await reading
    assert (bytes(first), first.is_keyframe, first.pts) == (KEY, True, 0)
    time.advance(REPEAT_S)  # still: once more, in case the page was not showing the slot yet
    again = await slot.recv()
    assert (bytes(again), again.is_keyframe, again.pts) == (KEY, True, 45_000)
    # The slide changes 1 s after the switch: the screen's next frame references the
    # keyframe the viewer has, and is forwarded with a timestamp 1 s after the first replay's.
    time.advance(0.5)
    screen.publish(VP8, frame(DELTA, round(31.0 * 90_000)))
    second = await slot.recv()
    assert (second.is_keyframe, second.pts) == (False, 90_000)
    assert screen.cache.replayed == 2  # not again and again
    slot.stop()


async def test_a_source_that_moves_on_is_not_replayed_again():
    time = FakeTime()
    screen = still_screen(time, [])
    slot = VideoForwardingTrack("share slot", clock=time)
    reading = await started(slot)
    slot.switch(screen)
    await reading
    screen.publish(VP8, frame(DELTA, 3000))
    time.advance(REPEAT_S)
    assert (await slot.recv()).is_keyframe is False  # the live frame, no second replay
    assert screen.cache.replayed == 1
    slot.stop()


async def test_after_a_replayed_keyframe_with_frames_after_it_the_slot_waits_for_a_fresh_keyframe():
    time = FakeTime()
    plis: list[float] = []
    camera = still_screen(time, plis)
    camera.publish(VP8, frame(DELTA, 3000))
    time.advance(1.0)
    slot = VideoForwardingTrack("floor video slot", clock=time)
    reading = await started(slot)
    slot.switch(camera)
    assert bytes(await reading) == KEY  # a picture at once
    camera.publish(VP8, frame(DELTA, 93000))  # references a frame the viewer never got
    camera.publish(VP8, frame(KEY, 96000))
    fresh = await slot.recv()
    assert (fresh.is_keyframe, fresh.pts) == (True, 6000)
    slot.stop()


async def test_a_viewers_picture_loss_is_answered_with_the_cached_keyframe_of_a_still_screen():
    time = FakeTime()
    plis: list[float] = []
    screen = still_screen(time, plis)
    slot = VideoForwardingTrack("share slot", clock=time)
    reading = await started(slot)
    slot.switch(screen)
    await reading
    time.advance(1.0)
    await slot.recv()  # the repeat after REPEAT_S
    slot.keyframe_requested()
    again = await slot.recv()
    assert (bytes(again), again.is_keyframe, again.pts) == (KEY, True, 90_000)
    assert plis == [0.0, 1.0]
    slot.stop()


async def test_a_stopped_share_is_not_shown_again():
    time = FakeTime()
    screen = still_screen(time, [])
    screen.ended()
    slot = VideoForwardingTrack("share slot", clock=time)
    await started(slot)
    slot.switch(screen)
    assert slot.source is None
    slot.stop()


def test_the_assembler_keeps_a_streams_first_frame_when_it_starts_with_a_keyframe():
    time = FakeTime()
    assembler = _FrameAssembler(lambda: None, time)
    assert assembler.add(rtp(7, 0, False, KEY))[1] is None
    frames = assembler.add(rtp(8, 0, True, b"rest"))[1]
    assert [(f.data, f.timestamp) for f in frames.frames] == [(KEY + b"rest", 0)]
    assert starts_keyframe(b"\x00\x00\x00\x01\x67\x42\x00")  # H.264: a sequence parameter set
    assert not starts_keyframe(b"\x00\x00\x00\x01\x41\x9a")
    assert not starts_keyframe(DELTA)

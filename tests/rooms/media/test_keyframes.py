import asyncio
import logging

import av
import pytest
from aiortc.rtp import RtpPacket

from rooms.media.keyframes import KeyframeRequests, RequestLimiter, is_keyframe
from rooms.media.receiver_hook import PATIENCE_S, _FrameAssembler
from rooms.media.video import VideoFanout, VideoForwardingTrack

pytestmark = pytest.mark.unit


class FakeTime:
    """A clock and a call_later that only move when told."""

    def __init__(self) -> None:
        self.now = 0.0
        self.timers: list[list] = []

    def __call__(self) -> float:
        return self.now

    def call_later(self, delay, callback):
        timer = [self.now + delay, callback, False]
        self.timers.append(timer)

        class Handle:
            def cancel(self_inner) -> None:
                timer[2] = True

        return Handle()

    def advance(self, seconds: float) -> None:
        end = self.now + seconds
        while True:
            due = sorted((t for t in self.timers if not t[2] and t[0] <= end), key=lambda t: t[0])
            if not due:
                break
            timer = due[0]
            timer[2] = True
            self.now = timer[0]
            timer[1]()
        self.now = end


def test_vp8_and_h264_keyframes_are_recognised():
    assert is_keyframe("video/VP8", bytes([0x10, 0x02, 0x00]))  # P bit 0
    assert not is_keyframe("video/VP8", bytes([0x11, 0x02, 0x00]))
    assert is_keyframe("video/H264", b"\x00\x00\x00\x01\x67\x42" + b"\x00\x00\x01\x65\x88")
    assert not is_keyframe("video/H264", b"\x00\x00\x00\x01\x41\x9a")
    assert not is_keyframe("video/VP8", b"")
    assert not is_keyframe("video/AV1", b"\x00")


def test_a_hundred_requests_at_once_cause_one_and_later_ones_wait_for_the_interval():
    time = FakeTime()
    sent: list[float] = []
    requests = KeyframeRequests("camera of peer p", lambda: sent.append(time.now), time, clock=time)
    for _ in range(100):
        requests.request()
    assert sent == [0.0]
    time.advance(0.05)
    requests.keyframe_arrived()
    time.advance(0.05)  # a viewer joins after the keyframe: needs another, after the interval
    requests.request()
    requests.request()
    assert sent == [0.0]
    time.advance(0.3)
    assert sent == [0.0, 0.3]
    assert (requests.asked, requests.sent) == (102, 2)


def test_a_keyframe_arriving_first_makes_a_scheduled_request_unnecessary():
    time = FakeTime()
    sent: list[float] = []
    requests = KeyframeRequests("camera", lambda: sent.append(time.now), time, clock=time)
    requests.request()
    time.advance(0.1)
    requests.request()  # scheduled for 0.3
    time.advance(0.05)
    requests.keyframe_arrived()
    time.advance(1.0)
    assert sent == [0.0]


def test_an_unanswering_publisher_is_asked_again_while_someone_waits_and_logged_once(caplog):
    time = FakeTime()
    sent: list[float] = []
    waiting = [True]
    requests = KeyframeRequests(
        "camera of peer p1", lambda: sent.append(time.now), time, clock=time
    )
    requests.waiting_by(lambda: waiting[0])
    with caplog.at_level(logging.WARNING, logger="rooms.media.keyframes"):
        requests.request()
        time.advance(3.5)
        waiting[0] = False
        time.advance(5)
    assert sent == [0.0, 1.0, 2.0, 3.0]
    warnings = [r.getMessage() for r in caplog.records]
    assert warnings == [
        "camera of peer p1 has not answered 3 keyframe requests; asking again every 1.0 s"
    ]


def test_a_viewer_flooding_keyframe_requests_is_limited_and_logged_once_a_minute(caplog):
    time = FakeTime()
    limiter = RequestLimiter("floor video slot 0 of peer v", clock=time)
    with caplog.at_level(logging.WARNING, logger="rooms.media.keyframes"):
        allowed = []
        for _ in range(100):
            allowed.append(limiter.allow())
            time.advance(0.01)
    assert allowed.count(True) == 4
    assert (limiter.accepted, limiter.ignored) == (4, 96)
    assert len(caplog.records) == 1
    assert "floor video slot 0 of peer v" in caplog.records[0].getMessage()


def frame(keyframe: bool, pts: int) -> av.Packet:
    packet = av.Packet(bytes([0x10 if keyframe else 0x11, 1, 2]))
    packet.pts = pts
    packet.is_keyframe = keyframe
    return packet


async def test_a_hundred_viewers_switching_to_a_camera_cost_one_request_and_wait_for_its_keyframe():
    time = FakeTime()
    plis: list[float] = []
    camera = VideoFanout("p", scheduler=time, clock=time)
    camera.attach(lambda: plis.append(time.now))
    camera.publish("video/vp8", frame(False, 0))  # joined mid-stream: no keyframe to replay
    slots = [VideoForwardingTrack(f"slot {i}") for i in range(100)]
    reading = [asyncio.ensure_future(slot.recv()) for slot in slots]  # viewers' senders started
    await asyncio.sleep(0)
    for slot in slots:
        slot.switch(camera)
    assert plis == [0.0]
    camera.publish("video/vp8", frame(False, 3000))
    assert {slot.source for slot in slots} == {None}  # not a keyframe: nobody shows it
    time.advance(0.1)
    camera.publish("video/vp8", frame(True, 6000))
    assert {slot.source for slot in slots} == {camera}
    first = await reading[0]
    assert first.is_keyframe and first.pts == 0
    for slot in slots:
        slot.stop()
    await asyncio.gather(*reading, return_exceptions=True)


async def test_a_slot_whose_viewer_is_not_connected_yet_asks_for_its_keyframe_when_it_is():
    time = FakeTime()
    plis: list[float] = []
    camera = VideoFanout("p", scheduler=time, clock=time)
    camera.attach(lambda: plis.append(time.now))
    slot = VideoForwardingTrack("slot")
    slot.switch(camera)
    camera.publish("video/vp8", frame(True, 0))  # nothing can be sent yet: only cached
    assert plis == [] and slot.source is None
    reading = asyncio.ensure_future(slot.recv())
    await asyncio.sleep(0)
    assert plis == [0.0]
    assert slot.source is camera  # the cached keyframe, replayed as the sender starts
    camera.publish("video/vp8", frame(False, 3000))
    first = await reading
    assert (first.pts, first.is_keyframe) == (0, True)
    second = await slot.recv()
    assert (second.pts, second.is_keyframe) == (3000, False)  # the keyframe's picture goes on
    slot.stop()


def rtp(seq: int, ts: int, marker: bool, data: bytes = b"x") -> RtpPacket:
    packet = RtpPacket(payload_type=96, sequence_number=seq, timestamp=ts, ssrc=1)
    packet.marker = int(marker)
    packet._data = data
    return packet


def test_the_assembler_hands_each_frame_on_at_its_marker_and_skips_a_lost_one():
    time = FakeTime()
    losses: list[float] = []
    assembler = _FrameAssembler(lambda: losses.append(time.now), time)
    assert assembler.add(rtp(9, 0, True)) == (False, None)  # starts after a frame's end
    assert assembler.add(rtp(10, 3000, False, b"a"))[1] is None
    frames = assembler.add(rtp(11, 3000, True, b"b"))[1]
    assert [(f.data, f.timestamp) for f in frames.frames] == [(b"ab", 3000)]
    # 12 is lost: frame 6000 never completes; frames behind it wait, then the hole is skipped.
    assert assembler.add(rtp(13, 6000, True))[1] is None
    assert assembler.add(rtp(14, 9000, True))[1] is None
    time.advance(PATIENCE_S + 0.01)
    frames = assembler.add(rtp(15, 12000, True, b"k"))[1]
    assert losses == [PATIENCE_S + 0.01]
    assert [(f.data, f.timestamp) for f in frames.frames] == [(b"x", 9000), (b"k", 12000)]


def test_a_retransmission_filling_the_hole_completes_every_frame_behind_it():
    time = FakeTime()
    assembler = _FrameAssembler(lambda: None, time)
    assembler.add(rtp(1, 0, True))
    assembler.add(rtp(3, 3000, True))
    assembler.add(rtp(4, 6000, True))
    frames = assembler.add(rtp(2, 3000, False, b"y"))[1]
    assert [(f.data, f.timestamp) for f in frames.frames] == [(b"yx", 3000), (b"x", 6000)]
    assert assembler.add(rtp(2, 3000, False))[1] is None  # a duplicate

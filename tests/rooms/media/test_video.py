"""Video through the router with real aiortc peers on loopback: forwarded, never decoded."""

import asyncio
import threading
import time

import aiortc.rtcrtpreceiver
import pytest
from aiortc import sdp
from aiortc.codecs.vpx import Vp8Decoder, VpxPayloadDescriptor, vp8_depayload
from aiortc.jitterbuffer import JitterFrame

from rooms.media.colours import average_colour
from rooms.media.router import MediaRouter

pytestmark = pytest.mark.integration

RED = (255, 0, 0)
BLUE = (0, 0, 255)
YELLOW = (255, 255, 0)
FLOOR_VIDEO_0 = 0
SHARE = 2  # with two floor slots: floor video 0, floor video 1, share


@pytest.fixture(params=[True, False], ids=["video_send", "queued"])
async def router(request):
    """The default (rooms.media.video_send) and aiortc's queued sender path."""
    media = MediaRouter(loopback=True, video_fast_send=request.param)
    yield media
    await asyncio.wait_for(media.aclose(), 5)


async def until(condition, within: float = 5.0) -> None:
    for _ in range(round(within / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"not within {within} s")


def vp8_frames(received) -> list[tuple[int, int, bool, int]]:
    """(first sequence number, timestamp, keyframe, picture id) of each frame in RTP order."""
    frames = []
    for packet in received:
        descriptor, data = VpxPayloadDescriptor.parse(packet.payload)
        if descriptor.partition_start and descriptor.partition_id == 0:
            frames.append(
                (packet.sequence_number, packet.timestamp, data[0] & 1 == 0, descriptor.picture_id)
            )
    return frames


async def test_a_viewer_sees_the_speakers_camera_and_the_server_never_decodes_it(
    router, join, monkeypatch
):
    decoding: list[tuple[str, threading.Thread]] = []
    real_get_decoder = aiortc.rtcrtpreceiver.get_decoder

    def spy(codec):
        decoder = real_get_decoder(codec)
        real_decode = decoder.decode

        def decode(frame):
            decoding.append((codec.mimeType, threading.current_thread()))
            return real_decode(frame)

        decoder.decode = decode
        return decoder

    monkeypatch.setattr(aiortc.rtcrtpreceiver, "get_decoder", spy)
    router.place("speaker", "plenary", may_publish=True)
    router.place("viewer", "plenary", may_publish=False)
    router.place("elsewhere", "breakout", may_publish=False)
    router.set_camera("speaker", True)
    await join("speaker", tone=440, video=True, camera=RED)
    viewer = await join("viewer", video=True)
    elsewhere = await join("elsewhere", video=True)

    await viewer.sees(FLOOR_VIDEO_0, RED)

    camera = router.peer("speaker").camera_receiver.receiver
    server_decoder = camera._RTCRtpReceiver__decoder_thread
    assert server_decoder is not None and server_decoder.is_alive()
    assert server_decoder not in {thread for _, thread in decoding}
    assert ("video/VP8", server_decoder) not in decoding
    assert any(mime == "video/VP8" for mime, _ in decoding)  # the viewer's client decodes
    assert router.camera("speaker").frames_in >= len(viewer.pictures[FLOOR_VIDEO_0]) > 0
    assert camera.track._queue.qsize() == 0
    assert router.slots("viewer").floor_video == ("speaker", None)
    sent_directly = router.peer("viewer").floor_video[0].direct is not None
    assert sent_directly == router.video_fast_send
    assert elsewhere.pictures == [[], [], []]
    assert [len(r) for r in elsewhere.video_rtp] == [0, 0, 0]


async def test_a_late_viewers_first_frame_is_a_keyframe(router, join):
    router.place("speaker", "plenary", may_publish=True)
    router.set_camera("speaker", True)
    await join("speaker", video=True, camera=RED)
    await asyncio.sleep(1.5)  # the speaker's keyframe is long gone
    router.place("viewer", "plenary", may_publish=False)
    viewer = await join("viewer", video=True)
    await viewer.sees(FLOOR_VIDEO_0, RED)

    frames = vp8_frames(viewer.video_rtp[FLOOR_VIDEO_0])
    assert frames[0][2] is True
    assert router.camera("speaker").keyframes.sent >= 1


async def test_switching_source_keeps_sequence_timestamps_and_picture_ids_running(router, join):
    router.place("red", "plenary", may_publish=True)
    router.place("viewer", "plenary", may_publish=False)
    router.set_camera("red", True)
    await join("red", video=True, camera=RED)
    viewer = await join("viewer", video=True, floor_slots=1)
    await viewer.sees(FLOOR_VIDEO_0, RED)

    router.place("blue", "plenary", may_publish=True)
    router.set_camera("blue", True)
    await join("blue", video=True, camera=BLUE)
    router.place("red", "plenary", may_publish=False)  # red leaves the floor: the slot switches
    switched_at = time.monotonic()
    await viewer.sees(FLOOR_VIDEO_0, BLUE, since=switched_at)
    await asyncio.sleep(0.3)

    received = viewer.video_rtp[FLOOR_VIDEO_0]
    steps = [
        (b.sequence_number - a.sequence_number) % 65536
        for a, b in zip(received, received[1:], strict=False)
    ]
    assert set(steps) == {1}
    stamps = [
        (b.timestamp - a.timestamp) % (1 << 32)
        for a, b in zip(received, received[1:], strict=False)
    ]
    assert all(step < 1 << 31 for step in stamps)  # never backwards
    frames = vp8_frames(received)
    pictures = [(b[3] - a[3]) % (1 << 15) for a, b in zip(frames, frames[1:], strict=False)]
    assert set(pictures) == {1}
    # The first blue frame is a keyframe: the slot held red until blue's keyframe came.
    first_blue = next(
        i for i, (at, colour) in enumerate(viewer.pictures[FLOOR_VIDEO_0]) if colour[2] > 200
    )
    keyframes = [frame[2] for frame in frames]
    assert keyframes[first_blue] is True
    track = router.peer("viewer").floor_video[0]
    assert track.switches == 2
    assert (track.direct is not None) == router.video_fast_send


async def test_the_answer_puts_each_floor_slots_voice_and_picture_in_one_stream(router, join):
    router.place("viewer", "plenary", may_publish=False)
    viewer = await join("viewer", video=True, floor_slots=2)
    answer = sdp.SessionDescription.parse(viewer.pc.remoteDescription.sdp)
    streams = {m.rtp.muxId: m.msid.split()[0] for m in answer.media}
    audio = [m.rtp.muxId for m in answer.media if m.kind == "audio"]
    video = [m.rtp.muxId for m in answer.media if m.kind == "video"]
    floor_audio, floor_video = audio[1:3], video[2:4]
    for a, v in zip(floor_audio, floor_video, strict=False):
        assert streams[a] == streams[v]
    assert streams[floor_audio[0]] != streams[floor_audio[1]]
    assert streams[audio[-1]] not in {streams[v] for v in floor_video}


async def test_a_share_reaches_the_room_and_not_the_sharer(router, join):
    router.place("presenter", "plenary", may_publish=True)
    router.place("viewer", "plenary", may_publish=False)
    router.set_sharing("presenter", True)
    presenter = await join("presenter", video=True, screen=YELLOW)
    viewer = await join("viewer", video=True)
    await viewer.sees(SHARE, YELLOW)
    assert router.slots("viewer").share == "presenter"
    assert router.slots("presenter").share is None
    assert presenter.pictures[SHARE] == []


async def test_a_late_viewer_of_a_still_screen_sees_it_from_the_servers_last_keyframe(router, join):
    router.place("presenter", "plenary", may_publish=True)
    router.set_sharing("presenter", True)
    presenter = await join("presenter", video=True, screen=YELLOW, still_screen=True)
    screen = router.screen("presenter")
    await until(lambda: screen.keyframes_in == 1)  # its one and only frame
    await asyncio.sleep(1.5)
    router.place("viewer", "plenary", may_publish=False)
    viewer = await join("viewer", video=True)
    received = viewer.video_rtp[SHARE]
    await until(lambda: any(packet.marker for packet in received))

    assert presenter.screen.frames == 1  # filmed once, long before the viewer came
    assert (screen.frames_in, screen.keyframes_in) == (1, 1)
    frames = vp8_frames(received)
    # The cached keyframe (and, 0.5 s later, the same once more while the screen stays still).
    assert [keyframe for _, _, keyframe, _ in frames] in ([True], [True, True])
    # aiortc's own receiver shows a frame only once the next one starts: decode the first
    # frame received here.
    first = [packet for packet in received if packet.timestamp == received[0].timestamp]
    data = b"".join(vp8_depayload(packet.payload) for packet in first)
    pictures = Vp8Decoder().decode(JitterFrame(data=data, timestamp=received[0].timestamp))
    assert len(pictures) == 1
    assert all(abs(a - b) <= 40 for a, b in zip(average_colour(pictures[0]), YELLOW, strict=True))
    assert screen.cache.replayed in (1, 2)
    assert screen.keyframes.sent >= 1  # a fresh keyframe is still asked for


async def test_low_data_viewers_get_no_video(router, join):
    router.place("speaker", "plenary", may_publish=True)
    router.place("viewer", "plenary", may_publish=False)
    router.set_camera("speaker", True)
    router.set_low_data("viewer", True)
    await join("speaker", tone=440, video=True, camera=RED)
    viewer = await join("viewer", video=True)
    await viewer.hears(0, 440)
    await asyncio.sleep(0.5)
    assert [len(r) for r in viewer.video_rtp] == [0, 0, 0]
    assert router.slots("viewer").floor_video == (None, None)


async def test_keyframe_requests_of_many_viewers_joining_at_once_are_coalesced(router, join):
    router.place("speaker", "plenary", may_publish=True)
    router.set_camera("speaker", True)
    await join("speaker", video=True, camera=RED)
    await asyncio.sleep(1.0)
    camera = router.camera("speaker")
    asked, sent = camera.keyframes.asked, camera.keyframes.sent
    names = [f"viewer-{i}" for i in range(5)]
    for name in names:
        router.place(name, "plenary", may_publish=False)
    viewers = await asyncio.gather(*(join(name, video=True, floor_slots=1) for name in names))
    await asyncio.gather(*(v.sees(FLOOR_VIDEO_0, RED) for v in viewers))
    assert camera.keyframes.asked - asked >= 5
    assert camera.keyframes.sent - sent <= 3

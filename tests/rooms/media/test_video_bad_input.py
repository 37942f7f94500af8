"""Bad video input against the real router and real aiortc peers: refused clearly, contained.

An offer that breaks the video convention (too many video sections, no VP8 or H.264) is
refused with a sentence naming the problem, and the participant's current connection keeps
carrying voice and picture. A viewer that floods picture-loss reports costs the publisher a
few keyframes, and is logged by its seat id, nothing personal.
"""

import asyncio
import logging
import time

import pytest
from aiortc import RTCPeerConnection

from rooms.media.errors import NegotiationError
from rooms.media.ice import configuration
from rooms.media.router import MediaRouter
from rooms.media.slots import add_client_transceivers

pytestmark = pytest.mark.integration

RED = (255, 0, 0)
FLOOR_0 = FLOOR_VIDEO_0 = 0


@pytest.fixture
async def router():
    media = MediaRouter(loopback=True)
    yield media
    await asyncio.wait_for(media.aclose(), 5)


async def offer(extra_video: int = 0) -> str:
    """A viewer's offer (two floor slots, video, two pinned slots) plus extra video sections."""
    pc = RTCPeerConnection(configuration())
    add_client_transceivers(pc, None, 2, video=True, pinned_slots=2)
    for _ in range(extra_video):
        pc.addTransceiver("video", direction="recvonly")
    await pc.setLocalDescription(await pc.createOffer())
    sdp = pc.localDescription.sdp
    await pc.close()
    return sdp


async def more_pictures(client, slot: int, within: float = 5.0) -> None:
    seen = len(client.pictures[slot])
    for _ in range(int(within / 0.05)):
        if len(client.pictures[slot]) > seen + 3:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("no new pictures")


async def test_refused_offers_name_the_problem_and_the_connection_keeps_working(router, join):
    router.place("speaker", "plenary", may_publish=True)
    router.place("viewer", "plenary", may_publish=False)
    router.set_camera("speaker", True)
    await join("speaker", tone=440, video=True, camera=RED)
    viewer = await join("viewer", video=True)
    await viewer.sees(FLOOR_VIDEO_0, RED)
    connection = router.peer("viewer")

    with pytest.raises(NegotiationError) as refused:
        await router.negotiate("viewer", await offer(extra_video=1))
    assert str(refused.value) == (
        "the offer has 8 video m-sections; with 2 floor slots it needs 5 (camera, screen, "
        "2 floor video slots, share slot) plus at most 2 pinned slots"
    )
    unknown = (await offer()).replace("VP8/90000", "VP9/90000").replace("H264/90000", "AV1/90000")
    with pytest.raises(NegotiationError) as refused:
        await router.negotiate("viewer", unknown)
    assert str(refused.value).endswith(
        "offers av1, rtx, vp9; the server forwards VP8 and H.264 only"
    )

    assert router.peer("viewer") is connection
    assert router.slots("viewer").floor_video == ("speaker", None)
    await more_pictures(viewer, FLOOR_VIDEO_0)
    await viewer.hears(FLOOR_0, 440)


async def test_a_viewer_flooding_picture_loss_reports_is_limited_and_logged_by_seat_id(
    router, join, caplog
):
    router.place("speaker", "plenary", may_publish=True)
    router.place("viewer", "plenary", may_publish=False)
    router.set_camera("speaker", True)
    await join("speaker", video=True, camera=RED)
    viewer = await join("viewer", video=True)
    await viewer.sees(FLOOR_VIDEO_0, RED)
    camera = router.camera("speaker")
    sent_before = camera.keyframes.sent
    receiver = viewer.slots.floor_video[0].receiver
    ssrc = viewer.video_rtp[FLOOR_VIDEO_0][-1].ssrc

    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="rooms.media.keyframes"):
        for _ in range(100):  # 100 PLIs in about a second (longer on a loaded machine)
            await receiver._send_rtcp_pli(ssrc)
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)
    # At most one request per 0.3 s goes on to the publisher, however long the flood took.
    allowed = 1 + int((time.monotonic() - started) / 0.3)

    slot = router.peer("viewer").floor_video[0]
    assert slot.limiter.accepted + slot.limiter.ignored >= 90  # the server got them
    assert slot.limiter.accepted <= allowed
    assert camera.keyframes.sent - sent_before <= allowed
    flood = [r.getMessage() for r in caplog.records if "faster than" in r.getMessage()]
    assert flood == [
        "floor video slot 0 of viewer sends keyframe requests faster than one per 0.3 s; "
        "1 ignored since the last report"
    ]
    await more_pictures(viewer, FLOOR_VIDEO_0)  # and the viewer still gets its picture

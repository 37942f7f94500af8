import pytest
from aiortc import RTCPeerConnection

from rooms.media.errors import NegotiationError
from rooms.media.slots import (
    MAX_FLOOR_SLOTS,
    MAX_PINNED_SLOTS,
    SlotLayout,
    VideoLayout,
    add_client_transceivers,
    assign_floor,
    parse_layout,
)
from rooms.media.tones import ToneTrack


@pytest.mark.unit
def test_assign_floor_fills_empty_slots_in_rank_order():
    assert assign_floor([None, None, None], ["c", "b"]) == ["c", "b", None]


@pytest.mark.unit
def test_assign_floor_keeps_sitting_speakers_in_their_slot():
    assert assign_floor(["a", "b"], ["c", "b", "a"]) == ["c", "b"]
    assert assign_floor(["a", "b"], ["b", "a"]) == ["a", "b"]


@pytest.mark.unit
def test_assign_floor_empties_slots_of_speakers_who_left():
    assert assign_floor(["a", "b"], ["b"]) == [None, "b"]
    assert assign_floor([], ["a"]) == []


async def offer(floor_slots: int, mic: bool = True) -> str:
    pc = RTCPeerConnection()
    try:
        add_client_transceivers(pc, ToneTrack(440) if mic else None, floor_slots)
        return (await pc.createOffer()).sdp
    finally:
        await pc.close()


@pytest.mark.unit
async def test_the_offer_of_the_client_helper_follows_the_convention():
    assert parse_layout(await offer(3)) == SlotLayout(
        mic_mid="0", floor_mids=("1", "2", "3"), channel_mid="4"
    )
    assert parse_layout(await offer(0, mic=False)) == SlotLayout(
        mic_mid="0", floor_mids=(), channel_mid="1"
    )


@pytest.mark.unit
async def test_an_offer_without_a_channel_slot_is_refused():
    sdp = await offer(0)
    only_mic = sdp.split("m=audio")[0] + "m=audio" + sdp.split("m=audio")[1]
    only_mic = only_mic.replace("a=group:BUNDLE 0 1", "a=group:BUNDLE 0")
    with pytest.raises(NegotiationError, match="at least 2"):
        parse_layout(only_mic)


@pytest.mark.unit
def test_too_many_floor_slots_are_refused():
    with pytest.raises(ValueError):
        add_client_transceivers(RTCPeerConnection(), None, MAX_FLOOR_SLOTS + 1)


@pytest.mark.unit
def test_garbage_is_a_negotiation_error():
    with pytest.raises(NegotiationError):
        parse_layout("v=0\r\nm=audio x\r\n")


async def video_offer(floor_slots: int, pinned_slots: int = 0) -> str:
    pc = RTCPeerConnection()
    try:
        add_client_transceivers(
            pc, ToneTrack(440), floor_slots, video=True, pinned_slots=pinned_slots
        )
        return (await pc.createOffer()).sdp
    finally:
        await pc.close()


@pytest.mark.unit
async def test_video_sections_follow_the_audio_ones_by_role():
    assert parse_layout(await video_offer(2, pinned_slots=1)).video == VideoLayout(
        camera_mid="4",
        screen_mid="5",
        floor_mids=("6", "7"),
        share_mid="8",
        pinned_mids=("9",),
    )


def _drop_last_video_section(sdp: str) -> str:
    head, *videos = sdp.split("m=video")
    return head + "m=video" + "m=video".join(videos[:-1])


@pytest.mark.unit
async def test_too_many_or_too_few_video_sections_are_refused_with_the_count():
    too_many = await video_offer(1, pinned_slots=MAX_PINNED_SLOTS)
    extra = too_many.split("m=video")[-1].replace("a=mid:8", "a=mid:9")
    with pytest.raises(NegotiationError, match="has 7 video m-sections; with 1 floor slots"):
        parse_layout(too_many + "m=video" + extra)
    with pytest.raises(NegotiationError, match="has 3 video m-sections; with 1 floor slots"):
        parse_layout(_drop_last_video_section(await video_offer(1)))


@pytest.mark.unit
async def test_a_video_section_without_vp8_or_h264_is_refused_by_name():
    sdp = await video_offer(0)
    renamed = sdp.replace("VP8/90000", "AV1/90000").replace("H264/90000", "VP9/90000")
    with pytest.raises(
        NegotiationError, match="video m-section 2 offers av1, rtx, vp9; the server forwards VP8"
    ):
        parse_layout(renamed)

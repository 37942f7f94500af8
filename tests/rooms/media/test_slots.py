import pytest
from aiortc import RTCPeerConnection

from rooms.media.errors import NegotiationError
from rooms.media.slots import (
    MAX_FLOOR_SLOTS,
    SlotLayout,
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

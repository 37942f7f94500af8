"""rooms.media.relay: sealed between two nodes, opened only from a known peer with its key."""

import pytest

from rooms.media.relay import (
    KEY_BYTES,
    FrameAssembly,
    KeyframeRequest,
    RelayChunk,
    RelayControlOut,
    RelayCounts,
    RelayFrame,
    RelayIn,
    RelayOut,
    RelayPacket,
    new_key,
    stream_id,
    video_stream,
)

pytestmark = pytest.mark.unit

ORIGIN = ("10.0.0.1", 40000)


def pair() -> tuple[RelayOut, RelayIn]:
    key = new_key()
    inbound = RelayIn()
    inbound.allow("origin", ORIGIN, key)
    return RelayOut(key), inbound


def test_a_packet_arrives_as_it_was_sent_and_its_first_starts_the_stream():
    out, inbound = pair()
    first = out.seal(RelayPacket("booth-fr", 960, b"opus one"))
    second = out.seal(RelayPacket("booth-fr", 1920, b"opus two"))

    assert inbound.open(first, ORIGIN) == (
        "origin",
        RelayPacket("booth-fr", 960, b"opus one", restart=True),
    )
    assert inbound.open(second, ORIGIN) == (
        "origin",
        RelayPacket("booth-fr", 1920, b"opus two", restart=False),
    )
    assert inbound.counts == RelayCounts(received=2)


def test_the_source_id_and_the_audio_never_travel_in_clear():
    out, _ = pair()
    sealed = out.seal(RelayPacket("person-42-peer", 960, b"SPOKEN WORDS"))

    assert b"person-42" not in sealed
    assert b"SPOKEN WORDS" not in sealed


def test_sources_have_their_own_streams_and_a_restart_is_marked():
    out, inbound = pair()
    opened = [
        inbound.open(out.seal(packet), ORIGIN)
        for packet in (
            RelayPacket("floor-1", 100, b"a"),
            RelayPacket("floor-2", 100, b"b"),
            RelayPacket("floor-1", 1060, b"c"),
            RelayPacket("floor-1", 5, b"d", restart=True),  # reconnected
        )
    ]

    assert [(o[1].source_id, o[1].payload, o[1].restart) for o in opened if o] == [
        ("floor-1", b"a", True),
        ("floor-2", b"b", True),
        ("floor-1", b"c", False),
        ("floor-1", b"d", True),
    ]
    assert stream_id("floor-1") != stream_id("floor-2")


def test_a_datagram_from_an_unknown_address_is_dropped_and_counted():
    out, inbound = pair()
    sealed = out.seal(RelayPacket("floor-1", 100, b"a"))

    assert inbound.open(sealed, ("10.0.0.9", 40000)) is None
    assert inbound.open(sealed, (ORIGIN[0], ORIGIN[1] + 1)) is None
    assert inbound.counts == RelayCounts(unknown_peer=2)


def test_forged_replayed_or_wrongly_keyed_packets_from_a_peer_address_are_refused():
    out, inbound = pair()
    stranger = RelayOut(new_key())
    sealed = out.seal(RelayPacket("floor-1", 100, b"a"))
    tampered = bytearray(out.seal(RelayPacket("floor-1", 1060, b"b")))
    tampered[-20] ^= 1

    assert inbound.open(sealed, ORIGIN) is not None
    assert inbound.open(sealed, ORIGIN) is None  # replayed
    assert inbound.open(bytes(tampered), ORIGIN) is None
    assert inbound.open(stranger.seal(RelayPacket("floor-1", 2020, b"c")), ORIGIN) is None
    assert inbound.open(b"\x80\x6f" + bytes(30), ORIGIN) is None
    assert inbound.open(b"", ORIGIN) is None
    assert inbound.counts == RelayCounts(received=1, refused=5)


def test_a_peer_that_restarts_with_a_new_key_and_address_replaces_the_old():
    out, inbound = pair()
    moved = ("10.0.0.1", 40001)
    key = new_key()
    inbound.allow("origin", moved, key)

    assert inbound.open(out.seal(RelayPacket("floor-1", 1, b"old")), ORIGIN) is None
    assert inbound.open(RelayOut(key).seal(RelayPacket("floor-1", 1, b"new")), moved) == (
        "origin",
        RelayPacket("floor-1", 1, b"new", restart=True),
    )
    assert inbound.peers() == {"origin": moved}
    inbound.forget("origin")
    assert inbound.peers() == {}


def test_bad_keys_and_source_ids_are_refused_when_sealing():
    with pytest.raises(ValueError):
        RelayOut(b"short")
    with pytest.raises(ValueError):
        RelayIn().allow("origin", ORIGIN, bytes(KEY_BYTES + 1))
    out, _ = pair()
    with pytest.raises(ValueError):
        out.seal(RelayPacket("", 1, b"a"))
    with pytest.raises(ValueError):
        out.seal(RelayPacket("x" * 256, 1, b"a"))


def test_a_source_relayed_again_after_a_pause_goes_on_and_is_marked_as_restarting():
    out, inbound = pair()
    assert inbound.open(out.seal(RelayPacket("floor-1", 1, b"a")), ORIGIN) is not None
    out.pause("floor-1")
    out.pause("never-relayed")

    opened = inbound.open(out.seal(RelayPacket("floor-1", 2, b"b")), ORIGIN)
    then = inbound.open(out.seal(RelayPacket("floor-1", 3, b"c")), ORIGIN)

    assert opened == ("origin", RelayPacket("floor-1", 2, b"b", restart=True))
    assert then == ("origin", RelayPacket("floor-1", 3, b"c", restart=False))


def test_the_audio_level_crosses_when_known():
    out, inbound = pair()
    loud = inbound.open(out.seal(RelayPacket("floor-1", 1, b"a", level=12)), ORIGIN)
    unknown = inbound.open(out.seal(RelayPacket("floor-1", 2, b"b")), ORIGIN)

    assert loud is not None and (loud[1].level, loud[1].payload) == (12, b"a")
    assert unknown is not None and (unknown[1].level, unknown[1].payload) == (None, b"b")


# Video: frames in chunks, put back together at the edge; keyframe requests back.

EDGE = ("10.0.0.2", 40001)


def frame(pts: int, data: bytes, keyframe: bool = False, kind: str = "camera") -> RelayFrame:
    return RelayFrame("speaker-1", kind, "video/vp8", pts, data, keyframe)


def chunks_of(out: RelayOut, inbound: RelayIn, sent: RelayFrame) -> list[RelayChunk]:
    opened = [inbound.open(datagram, ORIGIN) for datagram in out.seal_frame(sent)]
    assert all(o is not None and o[0] == "origin" for o in opened)
    return [o[1] for o in opened if o is not None and isinstance(o[1], RelayChunk)]


def test_a_video_frame_crosses_in_chunks_and_is_put_back_together():
    out, inbound = pair()
    big = bytes(range(256)) * 20  # 5,120 bytes: five chunks
    assembly = FrameAssembly()
    datagrams = out.seal_frame(frame(3000, big, keyframe=True))
    opened = [inbound.open(datagram, ORIGIN) for datagram in datagrams]
    results = [assembly.add(o[1]) for o in opened if o and isinstance(o[1], RelayChunk)]

    assert [r[0] is not None for r in results] == [False] * 4 + [True]
    done, lost = results[-1]
    assert done == RelayFrame("speaker-1", "camera", "video/vp8", 3000, big, True, restart=True)
    assert not lost
    assert inbound.counts == RelayCounts(received=5)
    # No datagram needs IP fragmentation (a 1,200-byte path is enough).
    assert max(len(d) for d in datagrams) + 28 <= 1200
    # The next frame is no restart, and H.264 is told apart from VP8.
    h264 = RelayFrame("speaker-1", "camera", "video/h264", 6000, b"\x00\x00\x01\x65", False)
    (chunk,) = chunks_of(out, inbound, h264)
    assert assembly.add(chunk) == (h264, False)


def test_video_frames_travel_sealed():
    out, _ = pair()
    sealed = b"".join(out.seal_frame(frame(0, b"A PICTURE OF A FACE" * 10, keyframe=True)))
    assert b"A PICTURE" not in sealed
    assert b"speaker-1" not in sealed


def test_a_lost_chunk_or_frame_is_noted_with_the_next_frame():
    out, inbound = pair()
    assembly = FrameAssembly()
    first = chunks_of(out, inbound, frame(0, bytes(3000), keyframe=True))
    second = chunks_of(out, inbound, frame(3000, bytes(3000)))
    third = chunks_of(out, inbound, frame(6000, b"small"))
    fourth = chunks_of(out, inbound, frame(9000, b"small too"))
    fifth = chunks_of(out, inbound, frame(12000, b"small again"))
    for chunk in first:
        assembly.add(chunk)
    # The second frame's middle chunk is lost: the third frame completes, marked lost.
    assembly.add(second[0])
    assembly.add(second[2])
    done, lost = assembly.add(third[0])
    assert done is not None and done.data == b"small" and lost
    # The fourth frame never arrives: the fifth says so.
    done, lost = assembly.add(fifth[0])
    assert done is not None and done.data == b"small again" and lost
    # A late chunk of a frame already given up on is ignored.
    assert assembly.add(fourth[0]) == (None, False)
    assert assembly.add(second[1]) == (None, False)


def test_cameras_and_screens_are_streams_of_their_own():
    assert video_stream("speaker-1", "camera") != video_stream("speaker-1", "screen")
    assert video_stream("speaker-1", "camera") != stream_id("speaker-1")
    out, inbound = pair()
    camera = chunks_of(out, inbound, frame(0, b"c", keyframe=True))
    screen = chunks_of(out, inbound, frame(0, b"s", keyframe=True, kind="screen"))
    assert (camera[0].kind, screen[0].kind) == ("camera", "screen")
    assert camera[0].restart and screen[0].restart


def test_an_edge_s_keyframe_request_is_opened_only_from_that_edge_with_the_pair_s_key():
    key = new_key()
    origin = RelayIn()
    origin.allow_control("edge-a", EDGE, key)
    request = RelayControlOut(key).keyframe_request(video_stream("speaker-1", "camera"))

    assert b"speaker-1" not in request
    assert origin.open(request, EDGE) == (
        "edge-a",
        KeyframeRequest(video_stream("speaker-1", "camera")),
    )
    # From another address; from the edge's address with another key; replayed.
    assert origin.open(RelayControlOut(key).keyframe_request(1), ("10.0.0.9", 1)) is None
    assert origin.open(RelayControlOut(new_key()).keyframe_request(1), EDGE) is None
    assert origin.open(request, EDGE) is None
    assert origin.counts == RelayCounts(unknown_peer=1, refused=2, keyframe_requests=1)
    # An origin's media packets are no keyframe requests, nor the other way round.
    edge_in = RelayIn()
    edge_in.allow("origin", EDGE, key)
    assert edge_in.open(request, EDGE) is None
    assert edge_in.counts.unknown_peer == 1

"""rooms.media.relay: sealed between two nodes, opened only from a known peer with its key."""

import pytest

from rooms.media.relay import (
    KEY_BYTES,
    RelayCounts,
    RelayIn,
    RelayOut,
    RelayPacket,
    new_key,
    stream_id,
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

"""rooms.media.fast_send: pinned to aiortc/aioice internals, byte-identical to aiortc's packets.

The behaviour tests in test_router.py run with the fast path too (the ``router``
fixture is parametrized); these cover what only the fast path has.
"""

import asyncio
import itertools
import logging
import time
from collections.abc import AsyncIterator
from importlib.metadata import version

import av
import pytest
from aiortc import (
    RTCCertificate,
    RTCDtlsTransport,
    RTCIceGatherer,
    RTCIceTransport,
    RTCRtpSender,
)
from aiortc.rtcrtpparameters import (
    RTCRtcpFeedback,
    RTCRtpCodecParameters,
    RTCRtpHeaderExtensionParameters,
    RTCRtpSendParameters,
)
from aiortc.rtp import HeaderExtensionsMap, RtpPacket

from rooms.media import fast_send
from rooms.media import peer as peer_module
from rooms.media.fast_send import (
    ABS_SEND_TIME_URI,
    MID_URI,
    PINNED_AIOICE_VERSION,
    PINNED_AIORTC_VERSION,
    FastSender,
    FastSendError,
    check_fast_send,
)
from rooms.media.forwarding import ForwardingTrack
from rooms.media.router import MediaRouter

from .conftest import CLOSE_TIMEOUT, Client

FLOOR_0 = 0
CHANNEL = -1
AUDIO_LEVEL_URI = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"


def bare_sender() -> RTCRtpSender:
    transport = RTCDtlsTransport(
        RTCIceTransport(RTCIceGatherer()), [RTCCertificate.generateCertificate()]
    )
    return RTCRtpSender("audio", transport)


def parameters(*uris: str, nack: bool = False) -> RTCRtpSendParameters:
    feedback = [RTCRtcpFeedback(type="nack")] if nack else []
    return RTCRtpSendParameters(
        codecs=[
            RTCRtpCodecParameters(
                mimeType="audio/opus",
                clockRate=48000,
                channels=2,
                payloadType=111,
                rtcpFeedback=feedback,
            )
        ],
        headerExtensions=[
            RTCRtpHeaderExtensionParameters(id=i, uri=uri) for i, uri in enumerate(uris, 1)
        ],
        muxId="4",
    )


@pytest.fixture
async def router() -> AsyncIterator[MediaRouter]:
    media = MediaRouter(loopback=True, fast_send=True)
    yield media
    await asyncio.wait_for(media.aclose(), CLOSE_TIMEOUT)


@pytest.mark.unit
def test_the_installed_aiortc_and_aioice_are_the_pinned_ones():
    assert version("aiortc") == PINNED_AIORTC_VERSION, (
        "rooms/media/fast_send.py is pinned to another aiortc: re-read rtcrtpsender.py and "
        "rtcdtlstransport.py and update the module with its pin"
    )
    assert version("aioice") == PINNED_AIOICE_VERSION, (
        "rooms/media/fast_send.py is pinned to another aioice: re-read ice.py "
        "(Connection.sendto, StunProtocol.send_data) and update the module with its pin"
    )
    check_fast_send()


@pytest.mark.unit
def test_another_version_is_refused_and_the_router_falls_back_with_one_warning(monkeypatch, caplog):
    monkeypatch.setattr(fast_send, "version", lambda package: "9.9.9")
    with pytest.raises(FastSendError, match="pinned to aiortc 1.16.0"):
        check_fast_send()
    # Fast send is the default; another aiortc means aiortc's own sender loop, never a crash.
    with caplog.at_level(logging.WARNING):
        media = MediaRouter(video_fast_send=False)  # video's fast path refuses to start
    assert media.fast_send is False
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1, warnings
    assert "audio fast send off" in warnings[0].getMessage()
    assert "pinned to aiortc 1.16.0" in warnings[0].getMessage()


async def test_a_sender_the_fast_path_cannot_drive_is_sent_by_aiortc_and_still_heard(
    monkeypatch, caplog
):
    # aiortc's sender lost an attribute the fast path writes: each slot keeps aiortc's loop.
    monkeypatch.setattr(fast_send, "_SENDER_ATTRIBUTES", (*fast_send._SENDER_ATTRIBUTES, "_gone"))
    monkeypatch.setattr(peer_module, "_fast_send_refused", False)
    media = MediaRouter(loopback=True)
    assert media.fast_send
    booth, listener = Client(tone=440), Client()
    try:
        media.place("booth", "plenary", may_publish=False)
        media.place("listener", "plenary", may_publish=False)
        media.set_channel("listener", "booth")
        with caplog.at_level(logging.WARNING):
            await booth.join(media, "booth")
            await listener.join(media, "listener")
        await listener.hears(CHANNEL, 440)
        assert media.channel_track("listener").direct is None
        warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(warnings) == 1, warnings  # one line, not one per slot or per peer
        assert "_gone" in warnings[0].getMessage()
    finally:
        await asyncio.gather(booth.close(), listener.close(), return_exceptions=True)
        await asyncio.wait_for(media.aclose(), CLOSE_TIMEOUT)


@pytest.mark.unit
def test_changed_aiortc_source_is_refused(monkeypatch):
    fragments = ((RTCRtpSender._run_rtp, ("self.__packet_count += 2",)),)
    monkeypatch.setattr(fast_send, "_SOURCE_FRAGMENTS", fragments)
    fast_send._check_sources.cache_clear()
    try:
        with pytest.raises(FastSendError, match="packet_count"):
            check_fast_send()
    finally:
        fast_send._check_sources.cache_clear()


async def test_a_sender_without_the_private_counters_is_refused():
    sender = bare_sender()
    check_fast_send(sender)
    del sender._RTCRtpSender__octet_count
    with pytest.raises(FastSendError, match="octet_count"):
        check_fast_send(sender)


@pytest.mark.parametrize(
    "uris",
    [
        (MID_URI, AUDIO_LEVEL_URI),  # what Chrome and aiortc negotiate for audio
        (AUDIO_LEVEL_URI, MID_URI, ABS_SEND_TIME_URI),
        (),
    ],
)
async def test_the_header_is_byte_identical_to_aiortcs(uris):
    sender = bare_sender()
    fast = FastSender(sender, ForwardingTrack())
    params = parameters(*uris)
    assert fast.configure(params)
    extensions = HeaderExtensionsMap()
    extensions.configure(params)
    for sequence_number, timestamp, abs_send_time in [(0, 0, 0), (65535, 2**32 - 1, 0xABCDEF)]:
        packet = RtpPacket(payload_type=111, sequence_number=sequence_number, timestamp=timestamp)
        packet.ssrc = sender._ssrc
        packet.marker = 1
        packet.payload = b"\xfc\x01\x02"
        packet.extensions.mid = "4"
        packet.extensions.abs_send_time = abs_send_time
        expected = packet.serialize(extensions)
        assert fast.header(sequence_number, timestamp, abs_send_time) + b"\xfc\x01\x02" == expected


async def test_nack_keeps_a_history_to_resend_from():
    sender = bare_sender()
    fast = FastSender(sender, ForwardingTrack())
    assert fast.configure(parameters(MID_URI, nack=True))
    assert fast.history is not None
    assert not fast.holds(fast.sequence_number)


async def test_packets_before_the_sender_starts_are_dropped_and_counted():
    track = ForwardingTrack()
    fast = fast_send.attach(bare_sender(), track)
    packet = av.Packet(b"\xfc\x00")
    packet.pts = 0
    track.push(packet)
    assert fast.not_ready == 1
    assert track.packets_out == 0
    assert len(track._queue) == 0


async def test_listeners_get_every_packet_with_rtcp_counters_kept(router, join):
    router.place("booth", "plenary", may_publish=False)
    router.place("listener", "plenary", may_publish=False)
    router.set_channel("listener", "booth")
    await join("booth", tone=440)
    listener = await join("listener")
    await listener.hears(CHANNEL, 440)

    track = router.channel_track("listener")
    fast = track.direct
    assert isinstance(fast, FastSender)
    assert fast.errors == 0
    assert track.dropped == 0 and len(track._queue) == 0
    # Every packet the track rebased went out, numbered one after the other.
    received = listener.rtp[CHANNEL]
    assert fast.sent == track.packets_out
    assert {
        (b.sequence_number - a.sequence_number) % 65536 for a, b in itertools.pairwise(received)
    } == {1}

    sender = fast.sender
    stats = await sender.getStats()
    outbound = next(s for s in stats.values() if s.type == "outbound-rtp")
    assert outbound.packetsSent == fast.sent
    assert (
        sender._RTCRtpSender__rtp_timestamp
        == (fast.timestamp_origin + track._last_pts) & 0xFFFFFFFF
    )
    # aiortc's RTCP task still sends sender reports from those counters.
    receiver = listener.slot_receivers[CHANNEL]
    deadline = time.monotonic() + 4
    remote = None
    while time.monotonic() < deadline and remote is None:
        stats = await receiver.getStats()
        remote = next((s for s in stats.values() if s.type == "remote-outbound-rtp"), None)
        await asyncio.sleep(0.1)
    assert remote is not None, "no RTCP sender report within 4 s"
    assert remote.ssrc == sender._ssrc
    assert 0 < remote.packetsSent <= fast.sent
    assert remote.bytesSent > 20 * remote.packetsSent


class Broken:
    """An SRTP session whose RTP protection fails (RTCP, from aiortc's own task, still works)."""

    def __init__(self, session) -> None:
        self.protect_rtcp = session.protect_rtcp

    def protect(self, data: bytes) -> bytes:
        raise OSError("broken listener")


async def test_a_broken_listener_does_not_hold_up_others(router, join):
    router.place("speaker", "plenary", may_publish=True)
    for peer_id in ("broken", "fine"):
        router.place(peer_id, "plenary", may_publish=False)
    await join("speaker", tone=440)
    await join("broken")
    fine = await join("fine")
    await fine.hears(FLOOR_0, 440)

    broken = router.peer("broken").floor[FLOOR_0].direct
    assert isinstance(broken, FastSender)
    broken._dtls._tx_srtp = Broken(broken._dtls._tx_srtp)
    errors_before = broken.errors
    window = await packets_within(fine.rtp[FLOOR_0], 1.0)

    # The fine listener gets every packet of that second, in order and none missing, while
    # each one failed on the broken listener's transport: counts, not times, so that a
    # loaded machine slows both alike.
    steps = {(b.sequence_number - a.sequence_number) % 65536
             for a, b in itertools.pairwise(window)}  # fmt: skip
    assert len(window) >= 20 and steps == {1}
    assert broken.errors - errors_before >= len(window) - 2


async def test_a_transport_no_longer_connected_ends_the_track():
    # aiortc's loop ends on ConnectionError from _send_rtp and stops its track: so does ours.
    sender = bare_sender()
    track = ForwardingTrack()
    fast = fast_send.attach(sender, track)
    assert fast.configure(parameters(MID_URI))
    packet = av.Packet(b"\xfc\x00")
    packet.pts = 0
    assert sender.transport.state == "new"
    track.push(packet)
    assert track.readyState == "ended"
    assert fast.sent == 0 and fast.errors == 0


async def packets_within(received: list, seconds: float) -> list:
    start = len(received)
    await asyncio.sleep(seconds)
    return received[start:]

"""RTCP pacing: idle slots send no reports, audio reports every 5 s, keyframe requests untouched."""

import asyncio
import inspect
from importlib.metadata import version

import pytest
from aiortc import (
    RTCCertificate,
    RTCDtlsTransport,
    RTCIceGatherer,
    RTCIceTransport,
    RTCRtpReceiver,
    RTCRtpSender,
)
from aiortc.rtp import RtcpPacket, RtcpPsfbPacket, RtcpRrPacket, RtcpSrPacket, is_rtcp

from rooms.media import rtcp_pacing
from rooms.media.router import MediaRouter
from rooms.media.tones import ToneTrack

FLOOR_0 = 0


@pytest.mark.unit
async def test_pinned_to_the_installed_aiortc_and_its_private_names():
    assert version("aiortc") == rtcp_pacing.PINNED_AIORTC_VERSION
    rtcp_pacing.check_rtcp_pacing()
    for cls in (RTCRtpSender, RTCRtpReceiver):
        assert inspect.iscoroutinefunction(cls._send_rtcp)
    transport = RTCDtlsTransport(
        RTCIceTransport(RTCIceGatherer()), [RTCCertificate.generateCertificate()]
    )
    sender = RTCRtpSender(ToneTrack(440), transport)
    assert sender._RTCRtpSender__packet_count == 0  # type: ignore[attr-defined]
    # aiortc's loops still build a report every 0.5 to 1.5 s and hand it to _send_rtcp.
    assert "asyncio.sleep(0.5 + random.random())" in inspect.getsource(RTCRtpSender._run_rtcp)
    assert "self._send_rtcp" in inspect.getsource(RTCRtpSender._run_rtcp)
    assert "self._send_rtcp" in inspect.getsource(RTCRtpReceiver._run_rtcp)


def spy_rtcp(router: MediaRouter, peer_id: str) -> list:
    """Every RTCP packet the server sends to ``peer_id`` from now on (one bundled transport)."""
    transport = router.peer(peer_id).pc.getTransceivers()[0].sender.transport
    sent: list = []
    original = transport._send_rtp

    async def send(data: bytes) -> None:
        if is_rtcp(data):
            sent.extend(RtcpPacket.parse(data))
        await original(data)

    transport._send_rtp = send
    return sent


@pytest.mark.integration
async def test_only_the_slot_that_carries_a_voice_reports_and_at_most_every_5_s(router, join):
    router.place("speaker", "plenary", may_publish=True)
    router.place("listener", "plenary", may_publish=False)
    await join("speaker", tone=440)
    listener = await join("listener")
    await listener.hears(FLOOR_0, 440)

    to_listener = spy_rtcp(router, "listener")
    to_speaker = spy_rtcp(router, "speaker")
    await asyncio.sleep(3.5)

    senders = {t.sender: t for t in router.peer("listener").pc.getTransceivers()}
    active = next(
        s for s, t in senders.items() if t.sender.track is router.peer("listener").floor[0]
    )
    reports = [p for p in to_listener if isinstance(p, RtcpSrPacket)]
    # aiortc alone: one report per slot sender every second or so (3 slots, about 10 here).
    assert {p.ssrc for p in reports} <= {active._ssrc}
    assert len(reports) <= 1
    # The speaker hears nobody: no sender reports; its microphone's receiver reports at most once.
    assert [p for p in to_speaker if isinstance(p, RtcpSrPacket)] == []
    assert len([p for p in to_speaker if isinstance(p, RtcpRrPacket)]) <= 1


@pytest.mark.integration
async def test_keyframe_requests_are_never_held_back(router, join):
    router.place("speaker", "plenary", may_publish=True)
    await join("speaker", tone=440)
    to_speaker = spy_rtcp(router, "speaker")
    receiver = router.peer("speaker").pc.getTransceivers()[0].receiver
    for _ in range(3):
        await receiver._send_rtcp_pli(1234)
    assert [p.fmt for p in to_speaker if isinstance(p, RtcpPsfbPacket)] == [1, 1, 1]


@pytest.mark.integration
async def test_a_sender_reports_at_once_when_it_starts_sending(router, join):
    router.place("speaker", "plenary", may_publish=True)
    router.place("listener", "plenary", may_publish=False)
    listener = await join("listener")
    to_listener = spy_rtcp(router, "listener")
    await join("speaker", tone=440)
    await listener.hears(FLOOR_0, 440)
    # The first report follows the first packets within one tick of aiortc's loop (<= 1.5 s).
    await asyncio.sleep(1.6)
    assert len([p for p in to_listener if isinstance(p, RtcpSrPacket)]) == 1

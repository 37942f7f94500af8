"""RTCP from one timer: idle slots send no reports, audio reports every 5 s, PLI untouched."""

import asyncio
import inspect
import time
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
from aiortc import clock as aiortc_clock
from aiortc.rtp import (
    RtcpByePacket,
    RtcpPacket,
    RtcpPsfbPacket,
    RtcpRrPacket,
    RtcpSrPacket,
    is_rtcp,
)

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
    # The reports are built as aiortc's own loops build them, from the same fields.
    assert "self._send_rtcp" in inspect.getsource(RTCRtpSender._run_rtcp)
    assert "self._send_rtcp" in inspect.getsource(RTCRtpReceiver._run_rtcp)


@pytest.mark.unit
def test_another_aiortc_is_refused(monkeypatch):
    rtcp_pacing.check_rtcp_pacing.cache_clear()
    monkeypatch.setattr(rtcp_pacing, "version", lambda package: "9.9.9")
    try:
        with pytest.raises(rtcp_pacing.RtcpPacingError, match="aiortc 1.16.0"):
            rtcp_pacing.check_rtcp_pacing()
    finally:
        rtcp_pacing.check_rtcp_pacing.cache_clear()


@pytest.mark.unit
def test_a_changed_report_loop_is_refused(monkeypatch):
    fragments = ((RTCRtpSender._run_rtcp, ("ntp_timestamp=self.__wall_clock",)),)
    rtcp_pacing.check_rtcp_pacing.cache_clear()
    monkeypatch.setattr(rtcp_pacing, "_SOURCE_FRAGMENTS", fragments)
    try:
        with pytest.raises(rtcp_pacing.RtcpPacingError, match="RTCP changed"):
            rtcp_pacing.check_rtcp_pacing()
    finally:
        rtcp_pacing.check_rtcp_pacing.cache_clear()


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
    # The first report follows the first packets at the next tick of the one timer.
    await asyncio.sleep(1.6)
    assert len([p for p in to_listener if isinstance(p, RtcpSrPacket)]) == 1


async def until(condition, within: float) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


@pytest.mark.integration
async def test_a_sender_report_maps_wall_clock_to_an_rtp_timestamp_that_was_sent(router, join):
    # What a browser lines a voice and a picture up with: the SR's NTP time and RTP timestamp.
    router.place("speaker", "plenary", may_publish=True)
    router.place("listener", "plenary", may_publish=False)
    listener = await join("listener")
    to_listener = spy_rtcp(router, "listener")
    before = aiortc_clock.current_ntp_time()
    await join("speaker", tone=440)
    await listener.hears(FLOOR_0, 440)
    await until(lambda: any(isinstance(p, RtcpSrPacket) for p in to_listener), within=3)
    after = aiortc_clock.current_ntp_time()

    report = next(p for p in to_listener if isinstance(p, RtcpSrPacket))
    received = listener.rtp[FLOOR_0]
    assert report.ssrc == received[-1].ssrc
    assert report.sender_info.rtp_timestamp in {p.timestamp for p in received}
    assert before <= report.sender_info.ntp_timestamp <= after
    assert 0 < report.sender_info.packet_count <= len(received) + 5


@pytest.mark.integration
async def test_a_receiver_report_still_reaches_the_publisher(router, join):
    # The publisher's browser reads its loss (and rooms.media.loss its listeners' loss) from it.
    router.place("speaker", "plenary", may_publish=True)
    speaker = await join("speaker", tone=440)
    to_speaker = spy_rtcp(router, "speaker")
    mic = speaker.slots.mic.sender._ssrc

    def reported() -> bool:
        return any(
            isinstance(p, RtcpRrPacket) and mic in {r.ssrc for r in p.reports} for p in to_speaker
        )

    await until(reported, within=rtcp_pacing.AUDIO_INTERVAL_S + 2)
    report = next(p for p in to_speaker if isinstance(p, RtcpRrPacket))
    assert report.reports[0].highest_sequence > 0


@pytest.mark.integration
async def test_one_task_sends_every_peers_reports_and_a_stopped_slot_says_bye(router, join):
    router.place("speaker", "plenary", may_publish=True)
    router.place("listener", "plenary", may_publish=False)
    await join("speaker", tone=440)
    listener = await join("listener")
    await listener.hears(FLOOR_0, 440)

    tasks = asyncio.all_tasks()
    assert [t for t in tasks if t.get_name() == "rtcp reports"] == [rtcp_pacing.reports()._task]
    # aiortc's own report loops run only in the clients (aiortc too, in this process).
    server = {
        part
        for peer_id in ("speaker", "listener")
        for t in router.peer(peer_id).pc.getTransceivers()
        for part in (t.sender, t.receiver)
    }
    loops = [t.get_coro() for t in tasks]
    assert not [
        c
        for c in loops
        if getattr(c, "__qualname__", "").endswith("._run_rtcp")
        and c.cr_frame.f_locals.get("self") in server
    ]

    to_listener = spy_rtcp(router, "listener")
    senders = [t.sender for t in router.peer("listener").pc.getTransceivers() if t.sender.track]
    await router.peer("listener").close()
    said_bye = {s for p in to_listener if isinstance(p, RtcpByePacket) for s in p.sources}
    assert {s._ssrc for s in senders} <= said_bye
    assert not set(senders) & set(rtcp_pacing.reports().senders)

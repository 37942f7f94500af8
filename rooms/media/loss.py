"""Listeners' loss, gathered per source and reported upstream to the publisher.

A browser's Opus encoder adds in-band FEC (and lowers its bitrate) only when its
receiver reports loss, and a publisher's receiver is this server, which loses
nothing on a good first leg. So the server reports, in the receiver reports it
sends the publisher, the loss its *listeners* see:

- :func:`watch_reports` reads the receiver reports (RTCP RR) each listener's slot
  sender gets, and files the ``fraction_lost`` under the slot's current source;
- :class:`LossBoard` keeps the latest report of every listener slot for every
  source, for :data:`FRESH_S`, and gives the loss seen by the worst tenth of them
  (:meth:`LossBoard.worst`: the 90th percentile, so one listener on a broken link
  does not set the whole room's FEC, and ten on bad links do);
- :func:`report_upstream` raises the ``fraction_lost`` of the RRs the publisher's
  microphone receiver sends to that figure (never lowers it).

Low-data listeners are filed apart (``low_data``): their source is the server's
own rendition (rooms.media.rendition), which reads its figure to turn on FEC.
Pinned to aiortc 1.16.0 through rooms.media.sender_hook and rooms.media.rtcp_pacing.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiortc import RTCRtpReceiver, RTCRtpSender
from aiortc.rtp import AnyRtcpPacket, RtcpReceiverInfo, RtcpRrPacket, RtcpSrPacket

from rooms.media.forwarding import ForwardingTrack
from rooms.media.rtcp_pacing import check_rtcp_pacing
from rooms.media.sender_hook import check_sender_hooks

__all__ = ["FRESH_S", "LossBoard", "report_upstream", "watch_reports"]

FRESH_S = 12.0
"""A listener's report counts this long (browsers report audio every 5 s)."""
WORST_SHARE = 0.1

SourceKey = tuple[str, bool]  # (publisher's peer id, low-data rendition)


class LossBoard:
    """The latest loss each listener slot reported, per source: fractions of 256 (RTCP's unit)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._reports: dict[SourceKey, dict[int, tuple[int, float]]] = {}

    def record(self, source: SourceKey, listener: int, fraction_lost: int) -> None:
        reports = self._reports.setdefault(source, {})
        reports[listener] = (max(0, min(255, fraction_lost)), self._clock())

    def worst(self, source: SourceKey) -> int:
        """The loss of the worst tenth of the source's listeners (0: none reported)."""
        reports = self._reports.get(source)
        if not reports:
            return 0
        now = self._clock()
        for listener, (_, at) in list(reports.items()):
            if now - at > FRESH_S:
                del reports[listener]
        if not reports:
            del self._reports[source]
            return 0
        values = sorted(fraction for fraction, _ in reports.values())
        index = min(len(values) - 1, int(len(values) * (1 - WORST_SHARE)))
        return values[index]

    def forget(self, peer_id: str) -> None:
        for low_data in (False, True):
            self._reports.pop((peer_id, low_data), None)


def watch_reports(sender: RTCRtpSender, track: ForwardingTrack, board: LossBoard) -> None:
    """File the loss in every RR ``sender``'s listener sends under the slot's source then."""
    check_sender_hooks()
    original: Callable[[AnyRtcpPacket], Awaitable[None]] = sender._handle_rtcp_packet
    listener = id(track)

    async def handle(packet: AnyRtcpPacket) -> None:
        if isinstance(packet, RtcpRrPacket | RtcpSrPacket) and track.source is not None:
            for report in packet.reports:
                if report.ssrc == sender._ssrc:
                    key = (track.source.source_id, track.source.low_data)
                    board.record(key, listener, report.fraction_lost)
        await original(packet)

    sender._handle_rtcp_packet = handle  # type: ignore[method-assign]


def report_upstream(receiver: RTCRtpReceiver, source_id: str, board: LossBoard) -> None:
    """Raise the loss in the publisher's receiver reports to what its listeners see."""
    check_rtcp_pacing()
    original: Callable[[Any], Awaitable[None]] = receiver._send_rtcp

    async def send_rtcp(packet: Any) -> None:
        if isinstance(packet, RtcpRrPacket):
            listeners = board.worst((source_id, False))
            if listeners:
                packet.reports = [_raised(report, listeners) for report in packet.reports]
        await original(packet)

    receiver._send_rtcp = send_rtcp  # type: ignore[method-assign]


def _raised(report: RtcpReceiverInfo, fraction_lost: int) -> RtcpReceiverInfo:
    if report.fraction_lost >= fraction_lost:
        return report
    return RtcpReceiverInfo(
        ssrc=report.ssrc,
        fraction_lost=fraction_lost,
        packets_lost=report.packets_lost,
        highest_sequence=report.highest_sequence,
        jitter=report.jitter,
        lsr=report.lsr,
        dlsr=report.dlsr,
    )

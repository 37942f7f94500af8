"""RTCP at the pace a forwarding server needs: no reports for idle slots, audio reports every 5 s.

aiortc 1.16 sends, for every sender, a sender report and a CNAME every 0.5 to
1.5 s whether or not it has sent anything, and for every receiver a receiver
report at the same pace. A listener's connection has one sender per slot
(floor slots, channel, video slots), most of them idle most of the time, so
that is about 110 bytes a second per slot on the wire: measured in Chromium,
RTCP was a fifth of what a low-data listener received (1.9 of 9.9 MB an hour).

:func:`pace` wraps the ``_send_rtcp`` method of one sender and one receiver
(the instances, not the classes):

- a sender report (with its CNAME) goes out only if the sender sent packets
  since its previous report, and at most once per ``interval`` (5 s for audio,
  RFC 3550's minimum and what Chromium uses for audio; 1 s for video). The
  first report after sending starts goes out at once, so a browser can line
  up audio and video (lip sync) as soon as both flow;
- a receiver report goes out at most once per ``interval`` for the kind;
- everything else (BYE, NACK, PLI, FIR) passes untouched: keyframe requests
  are never delayed.

Dropping a report is harmless to aiortc: its loop keeps ticking and builds
the next one; only its round-trip-time statistic, which matches reports by
their timestamps, may be missing. Pinned to aiortc 1.16.0:
:func:`check_rtcp_pacing` fails loudly when the version or the attributes
used here change.
"""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Awaitable, Callable
from importlib.metadata import version
from typing import Any

from aiortc import RTCRtpReceiver, RTCRtpSender
from aiortc.rtp import RtcpRrPacket, RtcpSrPacket

from rooms.media.errors import MediaError

__all__ = [
    "AUDIO_INTERVAL_S",
    "PINNED_AIORTC_VERSION",
    "VIDEO_INTERVAL_S",
    "RtcpPacingError",
    "check_rtcp_pacing",
    "pace",
]

PINNED_AIORTC_VERSION = "1.16.0"
AUDIO_INTERVAL_S = 5.0
VIDEO_INTERVAL_S = 1.0

_PACKET_COUNT = "_RTCRtpSender__packet_count"
_PACED = "_rooms_rtcp_paced"


class RtcpPacingError(MediaError):
    """aiortc changed under the RTCP pacing hook; re-check rooms/media/rtcp_pacing.py."""


@functools.cache
def check_rtcp_pacing() -> None:
    """Raise :class:`RtcpPacingError` unless aiortc is the version this hook was written for."""
    installed = version("aiortc")
    if installed != PINNED_AIORTC_VERSION:
        raise RtcpPacingError(
            f"rooms.media.rtcp_pacing was written for aiortc {PINNED_AIORTC_VERSION}, "
            f"found {installed}: re-check the hook and its tests"
        )
    for cls in (RTCRtpSender, RTCRtpReceiver):
        method = getattr(cls, "_send_rtcp", None)
        if method is None or not inspect.iscoroutinefunction(method):
            raise RtcpPacingError(f"{cls.__name__}._send_rtcp is gone or no longer a coroutine")


def _interval(kind: str) -> float:
    return VIDEO_INTERVAL_S if kind == "video" else AUDIO_INTERVAL_S


def pace(
    sender: RTCRtpSender | None,
    receiver: RTCRtpReceiver | None,
    kind: str,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Pace the reports of ``sender`` and ``receiver`` (either may be ``None``); idempotent."""
    check_rtcp_pacing()
    if sender is not None and not isinstance(getattr(sender, _PACKET_COUNT, None), int):
        raise RtcpPacingError("RTCRtpSender no longer counts its packets in __packet_count")
    if sender is not None and not getattr(sender, _PACED, False):
        _pace_sender(sender, _interval(kind), clock)
    if receiver is not None and not getattr(receiver, _PACED, False):
        _pace_receiver(receiver, _interval(kind), clock)


def _pace_sender(sender: RTCRtpSender, interval: float, clock: Callable[[], float]) -> None:
    original: Callable[[Any], Awaitable[None]] = sender._send_rtcp
    reported = {"count": 0, "at": -interval}

    async def send_rtcp(packets: Any) -> None:
        if isinstance(packets, list) and packets and isinstance(packets[0], RtcpSrPacket):
            count = getattr(sender, _PACKET_COUNT)
            now = clock()
            if count == reported["count"] or now - reported["at"] < interval:
                return
            reported["count"], reported["at"] = count, now
        await original(packets)

    sender._send_rtcp = send_rtcp  # type: ignore[method-assign]
    setattr(sender, _PACED, True)


def _pace_receiver(receiver: RTCRtpReceiver, interval: float, clock: Callable[[], float]) -> None:
    original: Callable[[Any], Awaitable[None]] = receiver._send_rtcp
    last = {"at": -interval}

    async def send_rtcp(packet: Any) -> None:
        if isinstance(packet, RtcpRrPacket):
            now = clock()
            if now - last["at"] < interval:
                return
            last["at"] = now
        await original(packet)

    receiver._send_rtcp = send_rtcp  # type: ignore[method-assign]
    setattr(receiver, _PACED, True)

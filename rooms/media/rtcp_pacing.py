"""RTCP reports from one timer per process: none for idle slots, audio reports every 5 s.

aiortc 1.16 runs, for every sender and every started receiver, an asyncio task
that wakes every 0.5 to 1.5 s to build a report: a sender report (SR) and a
CNAME whether or not the sender sent anything, a receiver report (RR) for
whatever it receives. A viewer's connection has one sender per slot (floor
slots, channel, video slots), most of them idle most of the time: those
wake-ups were about a quarter of what a connected viewer who watches nothing
cost the server (docs/performance.md, "Where a viewer's CPU goes"), and the
reports themselves a fifth of what a low-data listener received (1.9 of 9.9 MB
an hour, measured in Chromium, when they were still sent).

:func:`pace` replaces the ``_run_rtcp`` loop of one sender and one receiver
(the instances, before aiortc starts them) with a registration in the event
loop's :class:`Reports`, one task that ticks every :data:`TICK_S` and looks at
every registered slot:

- a sender report (with its CNAME, built exactly as aiortc builds it: the NTP
  and RTP timestamps of the last packet sent, which is what a browser lines
  audio and video up with) goes out only if the sender sent packets since its
  previous report, and at most once per ``interval`` (5 s for audio, RFC 3550's
  minimum and what Chromium uses for audio; 1 s for video). The first report
  after sending starts goes out at the next tick, so a browser can line up
  audio and video (lip sync) as soon as both flow;
- a receiver report (a publisher's microphone, camera or screen) goes out at
  most once per ``interval`` for the kind, when packets arrived since the
  previous one (the same report aiortc builds: loss, jitter, LSR/DLSR), through
  the receiver's ``_send_rtcp``, so rooms.media.loss still raises its loss;
- everything else is untouched and never waits for the tick: NACK, PLI and FIR
  go out when aiortc or our hooks send them, and a stopped sender still says
  BYE.

What is left of aiortc's loops is one task per slot that waits, without ever
waking, to be cancelled by aiortc's ``stop()``. Pinned to aiortc 1.16.0:
:func:`check_rtcp_pacing` fails loudly when the version or the code relied on
changes.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import time
import weakref
from collections.abc import Callable
from importlib.metadata import version
from typing import Any

from aiortc import RTCRtpReceiver, RTCRtpSender
from aiortc.rtp import (
    AnyRtcpPacket,
    RtcpByePacket,
    RtcpReceiverInfo,
    RtcpRrPacket,
    RtcpSdesPacket,
    RtcpSenderInfo,
    RtcpSourceInfo,
    RtcpSrPacket,
)

from rooms.media.errors import MediaError

__all__ = [
    "AUDIO_INTERVAL_S",
    "PINNED_AIORTC_VERSION",
    "TICK_S",
    "VIDEO_INTERVAL_S",
    "Reports",
    "RtcpPacingError",
    "check_rtcp_pacing",
    "pace",
    "reports",
]

PINNED_AIORTC_VERSION = "1.16.0"
AUDIO_INTERVAL_S = 5.0
VIDEO_INTERVAL_S = 1.0
TICK_S = 0.25
"""How often the one timer looks at the registered slots (a report waits at most this long)."""

_PACED = "_rooms_rtcp_paced"

_SOURCE_FRAGMENTS: tuple[tuple[Callable[..., Any], tuple[str, ...]], ...] = (
    (RTCRtpSender.send, ("self.__rtcp_task = asyncio.ensure_future(self._run_rtcp())",)),
    (
        RTCRtpSender.stop,
        ("self.__rtcp_started.wait()", "self.__rtcp_task.cancel()", "self.__rtcp_exited.wait()"),
    ),
    (
        RTCRtpSender._run_rtcp,
        (
            "ntp_timestamp=self.__ntp_timestamp",
            "rtp_timestamp=self.__rtp_timestamp",
            "packet_count=self.__packet_count & 0xFFFFFFFF",
            "octet_count=self.__octet_count & 0xFFFFFFFF",
            "self.__lsr = ((self.__ntp_timestamp) >> 16) & 0xFFFFFFFF",
            "self.__lsr_time = time.time()",
            'items=[(1, self.__cname.encode("utf8"))]',
            "RtcpByePacket(sources=[self._ssrc])",
        ),
    ),
    (RTCRtpReceiver.receive, ("self.__rtcp_task = asyncio.ensure_future(self._run_rtcp())",)),
    (
        RTCRtpReceiver.stop,
        ("self.__rtcp_started.wait()", "self.__rtcp_task.cancel()", "self.__rtcp_exited.wait()"),
    ),
    (
        RTCRtpReceiver._run_rtcp,
        (
            "for ssrc, stream in self.__remote_streams.items():",
            "lsr = self.__lsr[ssrc]",
            "delay = time.time() - self.__lsr_time[ssrc]",
            "dlsr = int(delay * 65536)",
            "fraction_lost=stream.fraction_lost",
            "packets_lost=stream.packets_lost",
            "highest_sequence=stream.max_seq",
            "jitter=stream.jitter",
            "RtcpRrPacket(ssrc=self.__rtcp_ssrc, reports=reports)",
        ),
    ),
)

logger = logging.getLogger(__name__)


class RtcpPacingError(MediaError):
    """aiortc changed under the RTCP hook; re-check rooms/media/rtcp_pacing.py."""


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
    for function, fragments in _SOURCE_FRAGMENTS:
        source = inspect.getsource(function)
        for fragment in fragments:
            if fragment not in source:
                raise RtcpPacingError(
                    f"aiortc's RTCP changed: {function.__qualname__} lacks {fragment!r}"
                )


def _interval(kind: str) -> float:
    return VIDEO_INTERVAL_S if kind == "video" else AUDIO_INTERVAL_S


class _Slot:
    """A registered sender or receiver: its interval, what it had at its last report, when."""

    __slots__ = ("at", "count", "interval")

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.count = 0
        self.at = -interval


class Reports:
    """The RTCP reports of every paced slot on one event loop, from one task."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.senders: dict[RTCRtpSender, _Slot] = {}
        self.receivers: dict[RTCRtpReceiver, _Slot] = {}
        self.sent_reports = 0
        self.received_reports = 0
        """Sender and receiver reports sent (counters for tests and diagnostics)."""
        self._task: asyncio.Task[None] | None = None

    def add_sender(self, sender: RTCRtpSender, interval: float) -> None:
        self.senders[sender] = _Slot(interval)
        self._start()

    def add_receiver(self, receiver: RTCRtpReceiver, interval: float) -> None:
        self.receivers[receiver] = _Slot(interval)
        self._start()

    def _start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="rtcp reports")

    async def _run(self) -> None:
        # Ends when the last slot is gone (the next registration starts it again).
        while self.senders or self.receivers:
            await asyncio.sleep(TICK_S)
            try:
                await self.tick()
            except Exception:  # one broken slot must not end everybody's reports
                logger.exception("RTCP reports failed")
        self._task = None

    async def tick(self) -> None:
        """Send the reports that are due now."""
        now = self.clock()
        due_senders = []
        for sender, slot in self.senders.items():
            count = sender._RTCRtpSender__packet_count  # type: ignore[attr-defined]
            if count != slot.count and now - slot.at >= slot.interval:
                slot.count, slot.at = count, now
                due_senders.append(sender)
        due_receivers = []
        for receiver, slot in self.receivers.items():
            streams = receiver._RTCRtpReceiver__remote_streams  # type: ignore[attr-defined]
            if not streams or now - slot.at < slot.interval:
                continue
            count = sum(stream.packets_received for stream in streams.values())
            if count != slot.count:
                slot.count, slot.at = count, now
                due_receivers.append(receiver)
        for sender in due_senders:
            if sender in self.senders:  # not stopped while an earlier report was sent
                self.sent_reports += 1
                await sender._send_rtcp(sender_report(sender))
        for receiver in due_receivers:
            report = receiver_report(receiver)
            if report is not None and receiver in self.receivers:
                self.received_reports += 1
                await receiver._send_rtcp(report)


_loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Reports] = weakref.WeakKeyDictionary()


def reports() -> Reports:
    """The running event loop's :class:`Reports` (one per loop, so one per server process)."""
    loop = asyncio.get_running_loop()
    found = _loops.get(loop)
    if found is None:
        found = _loops[loop] = Reports()
    return found


def sender_report(sender: RTCRtpSender) -> list[AnyRtcpPacket]:
    """The SR and CNAME aiortc 1.16's loop would send now (and the LSR it notes for RTT)."""
    s: Any = sender
    ntp = s._RTCRtpSender__ntp_timestamp
    packets: list[AnyRtcpPacket] = [
        RtcpSrPacket(
            ssrc=s._ssrc,
            sender_info=RtcpSenderInfo(
                ntp_timestamp=ntp,
                rtp_timestamp=s._RTCRtpSender__rtp_timestamp,
                packet_count=s._RTCRtpSender__packet_count & 0xFFFFFFFF,
                octet_count=s._RTCRtpSender__octet_count & 0xFFFFFFFF,
            ),
        )
    ]
    s._RTCRtpSender__lsr = (ntp >> 16) & 0xFFFFFFFF
    s._RTCRtpSender__lsr_time = time.time()
    cname = s._RTCRtpSender__cname
    if cname is not None:
        packets.append(
            RtcpSdesPacket(chunks=[RtcpSourceInfo(ssrc=s._ssrc, items=[(1, cname.encode("utf8"))])])
        )
    return packets


def receiver_report(receiver: RTCRtpReceiver) -> RtcpRrPacket | None:
    """The RR aiortc 1.16's loop would send now; None when it would send none."""
    r: Any = receiver
    rtcp_ssrc = r._RTCRtpReceiver__rtcp_ssrc
    streams = r._RTCRtpReceiver__remote_streams
    if rtcp_ssrc is None or not streams:
        return None
    lsrs, lsr_times = r._RTCRtpReceiver__lsr, r._RTCRtpReceiver__lsr_time
    reports = []
    for ssrc, stream in streams.items():
        lsr = 0
        dlsr = 0
        if ssrc in lsrs:
            lsr = lsrs[ssrc]
            delay = time.time() - lsr_times[ssrc]
            if 0 < delay < 65536:
                dlsr = int(delay * 65536)
        reports.append(
            RtcpReceiverInfo(
                ssrc=ssrc,
                fraction_lost=stream.fraction_lost,
                packets_lost=stream.packets_lost,
                highest_sequence=stream.max_seq,
                jitter=stream.jitter,
                lsr=lsr,
                dlsr=dlsr,
            )
        )
    return RtcpRrPacket(ssrc=rtcp_ssrc, reports=reports)


def pace(sender: RTCRtpSender | None, receiver: RTCRtpReceiver | None, kind: str) -> None:
    """Have the loop's :class:`Reports` send ``sender``'s and ``receiver``'s reports; idempotent.

    Call before aiortc starts them (``setLocalDescription``): it replaces their
    ``_run_rtcp``. Either may be ``None``.
    """
    check_rtcp_pacing()
    interval = _interval(kind)
    if sender is not None and not getattr(sender, _PACED, False):
        if not isinstance(getattr(sender, "_RTCRtpSender__packet_count", None), int):
            raise RtcpPacingError("RTCRtpSender no longer counts its packets in __packet_count")
        sender._run_rtcp = functools.partial(_sender_rtcp, sender, interval)  # type: ignore[method-assign]
        setattr(sender, _PACED, True)
    if receiver is not None and not getattr(receiver, _PACED, False):
        if not isinstance(getattr(receiver, "_RTCRtpReceiver__remote_streams", None), dict):
            raise RtcpPacingError("RTCRtpReceiver no longer keeps __remote_streams")
        receiver._run_rtcp = functools.partial(_receiver_rtcp, receiver, interval)  # type: ignore[method-assign]
        setattr(receiver, _PACED, True)


async def _sender_rtcp(sender: RTCRtpSender, interval: float) -> None:
    """In place of ``RTCRtpSender._run_rtcp``: registered until aiortc's ``stop()``, then BYE."""
    s: Any = sender
    s._RTCRtpSender__rtcp_started.set()
    paced = reports()
    paced.add_sender(sender, interval)
    try:
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        pass
    finally:
        paced.senders.pop(sender, None)
    await sender._send_rtcp([RtcpByePacket(sources=[sender._ssrc])])
    s._RTCRtpSender__rtcp_exited.set()


async def _receiver_rtcp(receiver: RTCRtpReceiver, interval: float) -> None:
    """In place of ``RTCRtpReceiver._run_rtcp``: registered until aiortc's ``stop()``."""
    r: Any = receiver
    r._RTCRtpReceiver__rtcp_started.set()
    paced = reports()
    paced.add_receiver(receiver, interval)
    try:
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        pass
    finally:
        paced.receivers.pop(receiver, None)
    r._RTCRtpReceiver__rtcp_exited.set()

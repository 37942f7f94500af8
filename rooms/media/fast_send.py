"""Send forwarded Opus packets to a listener synchronously, bypassing aiortc's sender loop.

With :mod:`rooms.media.forwarding` alone, every packet a Fanout publishes wakes
one ``RTCRtpSender`` task per listener, which awaits ``track.recv()``, runs
``encoder.pack``, builds an ``RtpPacket``, serialises it and awaits
``RTCDtlsTransport._send_rtp`` → ``RTCIceTransport._send`` → aioice. That chain
is most of the server's CPU per listener.

:func:`attach` sets ``ForwardingTrack.direct`` to a :class:`FastSender`, so
``Fanout.publish`` sends to every listener in its own loop, without awaiting:

- the track's ``_rebase_pts`` gives the pts exactly as the queued path does
  (segments, ``SourceSwitch.first_ordinal`` and ``on_switch``, the fresh-packet
  replay at switch time all unchanged);
- the RTP header is packed with ``struct`` from values fixed per sender: its
  SSRC, the first negotiated codec's payload type, marker 1 (aiortc marks the
  last payload of a frame, and an Opus frame is one payload), and the header
  extensions aiortc writes for a pre-encoded packet: ``mid`` and, if
  negotiated, ``abs-send-time`` (``ssrc-audio-level`` only for decoded
  frames). Sequence numbers and the timestamp origin are random per sender as
  in aiortc, so the listener cannot tell the difference;
- the DTLS transport's tx SRTP session protects it and the bytes go to the
  nominated ICE pair's datagram transport (``StunProtocol.send_data`` does
  exactly that, without awaiting anything);
- the sender's RTCP counters (packets, octets, last RTP and NTP timestamps) and
  the DTLS transport's tx counters are kept up to date, so the sender reports
  (rooms.media.rtcp_pacing builds them from those counters) are right and
  ``getStats`` stays right.

aiortc's sender task keeps running: it waits in ``ForwardingTrack.recv()``,
which never yields while ``direct`` is set, and ends with the track as before.
Its RTCP (rooms.media.rtcp_pacing), RTCP handling and stop are untouched. When the slot
negotiated ``nack`` (rooms.media.audio_sdp), the sender keeps a
:class:`rooms.media.retransmit.History` of what it sent and :meth:`FastSender.resend`
sends a packet again, byte for byte, when rooms.media.retransmit asks.

Packets published before the sender started (DTLS not yet connected) are
dropped and counted (``not_ready``): the queued path would have sent up to 5
stale ones. A send that fails is counted (``errors``) and never reaches the
other listeners; a transport that is no longer connected ends the track, as
aiortc's loop does on ``ConnectionError``.

Pinned to aiortc 1.16.0 and aioice 0.13.0: :func:`check_fast_send` fails
loudly when the versions or the private attributes used here change. It is the
default path; on such a failure the router (at start) or the peer (per sender) logs
one warning and leaves the track on aiortc's queued path: audio keeps working.
"""

from __future__ import annotations

import functools
import inspect
import logging
import struct
from collections.abc import Awaitable, Callable
from fractions import Fraction
from importlib.metadata import version
from typing import Any

import av
from aioice.ice import Connection, StunProtocol
from aiortc import RTCDtlsTransport, RTCRtpSender
from aiortc import clock as aiortc_clock
from aiortc.mediastreams import convert_timebase
from aiortc.rtcdtlstransport import State as DtlsState
from aiortc.rtcrtpparameters import RTCRtpSendParameters
from aiortc.rtcrtpsender import random_sequence_number
from aiortc.rtp import pack_header_extensions
from aiortc.utils import random32

from rooms.media.errors import MediaError
from rooms.media.forwarding import ForwardingTrack
from rooms.media.retransmit import History

__all__ = [
    "PINNED_AIOICE_VERSION",
    "PINNED_AIORTC_VERSION",
    "FastSendError",
    "FastSender",
    "attach",
    "check_fast_send",
]

PINNED_AIORTC_VERSION = "1.16.0"
PINNED_AIOICE_VERSION = "0.13.0"

MID_URI = "urn:ietf:params:rtp-hdrext:sdes:mid"
ABS_SEND_TIME_URI = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
CLOCK_RATE = 48_000
TIME_BASE = Fraction(1, CLOCK_RATE)

# Private attributes used, all set in the owners' __init__.
_SENDER_ATTRIBUTES = (
    "_ssrc",
    "_enabled",
    "_RTCRtpSender__packet_count",
    "_RTCRtpSender__octet_count",
    "_RTCRtpSender__ntp_timestamp",
    "_RTCRtpSender__rtp_timestamp",
)
_DTLS_ATTRIBUTES = (
    "_state",
    "_tx_srtp",
    "_RTCDtlsTransport__tx_bytes",
    "_RTCDtlsTransport__tx_packets",
)
# Source fragments the fast path reproduces; a change means re-reading aiortc/aioice.
_SOURCE_FRAGMENTS: tuple[tuple[Callable[..., Any], tuple[str, ...]], ...] = (
    (
        RTCRtpSender._run_rtp,
        (
            "timestamp = uint32_add(timestamp_origin, enc_frame.timestamp)",
            "packet.marker = (i == len(enc_frame.payloads) - 1) and 1 or 0",
            "packet.extensions.mid = self.__mid",
            "self.__ntp_timestamp = clock.current_ntp_time()",
            "self.__rtp_timestamp = packet.timestamp",
            "self.__octet_count += len(payload)",
            "self.__packet_count += 1",
        ),
    ),
    (
        RTCDtlsTransport._send_rtp,
        (
            "self._state != State.CONNECTED",
            "data = self._tx_srtp.protect(data)",
            "await self.transport._send(data)",
            "self.__tx_bytes += len(data)",
            "self.__tx_packets += 1",
        ),
    ),
    (Connection.sendto, ("active_pair = self._nominated.get(component)",)),
    (StunProtocol.send_data, ("self.transport.sendto(data, addr)",)),
)

_HEADER = struct.Struct("!BBHLL")

logger = logging.getLogger(__name__)


class FastSendError(MediaError):
    """aiortc's or aioice's sender internals are not the ones the fast path was written for."""


@functools.cache
def _check_sources() -> str | None:
    for function, fragments in _SOURCE_FRAGMENTS:
        source = inspect.getsource(function)
        for fragment in fragments:
            if fragment not in source:
                return f"{function.__qualname__} no longer contains {fragment!r}"
    return None


def check_fast_send(sender: RTCRtpSender | None = None) -> None:
    """Raise FastSendError unless aiortc, aioice (and ``sender``, if given) match the pin."""
    for package, pinned in (("aiortc", PINNED_AIORTC_VERSION), ("aioice", PINNED_AIOICE_VERSION)):
        installed = version(package)
        if installed != pinned:
            raise FastSendError(
                f"rooms.media.fast_send is pinned to {package} {pinned}, but {package} "
                f"{installed} is installed. Re-read aiortc's rtcrtpsender.py (_run_rtp, "
                "_run_rtcp), rtcdtlstransport.py (_send_rtp) and aioice's ice.py "
                "(Connection.sendto, StunProtocol.send_data); update the module and its pins."
            )
    problem = _check_sources()
    if problem is not None:
        raise FastSendError(f"aiortc/aioice internals changed: {problem}")
    if sender is None:
        return
    missing = [name for name in _SENDER_ATTRIBUTES if not hasattr(sender, name)]
    transport = sender.transport
    missing += [f"transport.{name}" for name in _DTLS_ATTRIBUTES if not hasattr(transport, name)]
    connection = getattr(getattr(transport, "transport", None), "_connection", None)
    if not isinstance(getattr(connection, "_nominated", None), dict):
        missing.append("transport.transport._connection._nominated")
    if missing:
        raise FastSendError(
            f"RTCRtpSender lacks {', '.join(missing)}: aiortc's sender internals changed."
        )


def header_extensions(
    parameters: RTCRtpSendParameters, abs_send_time: int = 0
) -> tuple[int, bytes]:
    """The extension profile and bytes aiortc's sender writes for a pre-encoded packet."""
    ids = {ext.uri: ext.id for ext in parameters.headerExtensions}
    extensions: list[tuple[int, bytes]] = []
    # Same order as aiortc.rtp.HeaderExtensionsMap.set.
    if ids.get(MID_URI) and parameters.muxId is not None:
        extensions.append((ids[MID_URI], parameters.muxId.encode("utf8")))
    if ids.get(ABS_SEND_TIME_URI):
        extensions.append((ids[ABS_SEND_TIME_URI], struct.pack("!L", abs_send_time)[1:]))
    return pack_header_extensions(extensions)


class _Current:
    """What every listener needs from the packet being published, computed once per packet."""

    packet: av.Packet | None = None
    payload = b""
    pts = 0
    same_base = True
    time_base: Fraction = TIME_BASE
    ntp = 0

    @classmethod
    def of(cls, packet: av.Packet) -> type[_Current]:
        if packet is not cls.packet:
            cls.packet = packet
            cls.payload = bytes(packet)
            cls.pts = packet.pts or 0
            time_base = packet.time_base
            cls.same_base = time_base is None or time_base == TIME_BASE
            cls.time_base = TIME_BASE if time_base is None else Fraction(time_base)
            cls.ntp = aiortc_clock.current_ntp_time()
        return cls


class FastSender:
    """Sends one listener track's packets straight to its peer; set as ``track.direct``."""

    def __init__(self, sender: RTCRtpSender, track: ForwardingTrack) -> None:
        check_fast_send(sender)
        self.sender: Any = sender
        self.track = track
        self.sent = 0
        self.errors = 0
        self.not_ready = 0
        self.parameters: RTCRtpSendParameters | None = None
        self.sequence_number = random_sequence_number()
        self.timestamp_origin = random32()
        self._dtls: Any = sender.transport
        self._nominated: dict[int, Any] = sender.transport.transport._connection._nominated
        self._byte0 = 0
        self._byte1 = 0
        self._ssrc = 0
        self._extension = b""
        self._abs_send_time = False
        self._ready = False
        self.history: History | None = None
        """What was sent, for NACKs (set when the slot negotiated ``nack``)."""
        self.resent = 0
        self.drop: Callable[[], bool] | None = None
        """Benchmark-only loss on this listener's leg (rooms.media.lossy); None in service."""

    def configure(self, parameters: RTCRtpSendParameters) -> bool:
        """Take the negotiated parameters; False (queued path kept) if fast sending cannot match."""
        codec = parameters.codecs[0]
        if any(
            feedback.type == "nack" and not feedback.parameter for feedback in codec.rtcpFeedback
        ):
            self.history = History()
        profile, value = header_extensions(parameters)
        self.parameters = parameters
        self._abs_send_time = any(
            ext.uri == ABS_SEND_TIME_URI for ext in parameters.headerExtensions
        )
        has_extension = bool(value)
        self._byte0 = 0x80 | (has_extension << 4)  # version 2, no padding, no CSRC
        self._byte1 = 0x80 | (codec.payloadType or 0)  # marker: the frame's only (last) payload
        self._extension = struct.pack("!HH", profile, len(value) >> 2) + value if value else b""
        self._ssrc = self.sender._ssrc
        self._dtls = self.sender.transport
        self._nominated = self._dtls.transport._connection._nominated
        self._ready = True
        return True

    def header(self, sequence_number: int, timestamp: int, abs_send_time: int = 0) -> bytes:
        """The RTP header (extensions included) of one packet."""
        if self._abs_send_time and self.parameters is not None:
            profile, value = header_extensions(self.parameters, abs_send_time)
            extension = struct.pack("!HH", profile, len(value) >> 2) + value
        else:
            extension = self._extension
        fixed = _HEADER.pack(self._byte0, self._byte1, sequence_number, timestamp, self._ssrc)
        return fixed + extension

    def __call__(self, packet: av.Packet) -> None:
        try:
            self._send(packet)
        except Exception:
            self.errors += 1
            if self.errors == 1 or self.errors % 1000 == 0:
                logger.exception("fast send to %s failed (%d errors)", self.track, self.errors)

    def _send(self, packet: av.Packet) -> None:
        if not self._ready:
            self.not_ready += 1
            return
        dtls = self._dtls
        pair = self._nominated.get(1)
        if dtls._state is not DtlsState.CONNECTED or pair is None:
            # aiortc's loop ends on ConnectionError and stops its track: so do we.
            self._ready = False
            self.track.stop()
            return
        current = _Current.of(packet)
        pts = self.track._rebase_pts(current.pts)
        sender = self.sender
        if not sender._enabled:
            return
        if not current.same_base:
            pts = convert_timebase(pts, current.time_base, TIME_BASE)
        timestamp = (self.timestamp_origin + pts) & 0xFFFFFFFF
        sequence_number = self.sequence_number
        self.sequence_number = (sequence_number + 1) & 0xFFFF
        payload = current.payload
        abs_send_time = (current.ntp >> 14) & 0x00FFFFFF
        if self._abs_send_time:
            header = self.header(sequence_number, timestamp, abs_send_time)
        else:
            header = (
                _HEADER.pack(self._byte0, self._byte1, sequence_number, timestamp, self._ssrc)
                + self._extension
            )
        if self.history is not None:
            self.history.add(sequence_number, timestamp, payload)
        data = dtls._tx_srtp.protect(header + payload)
        if self.drop is None or not self.drop():
            pair.protocol.transport.sendto(data, pair.remote_addr)
        dtls._RTCDtlsTransport__tx_bytes += len(data)
        dtls._RTCDtlsTransport__tx_packets += 1
        sender._RTCRtpSender__ntp_timestamp = current.ntp
        sender._RTCRtpSender__rtp_timestamp = timestamp
        sender._RTCRtpSender__octet_count += len(payload)
        sender._RTCRtpSender__packet_count += 1
        self.sent += 1

    def holds(self, sequence_number: int) -> bool:
        return self.history is not None and self.history.get(sequence_number) is not None

    def resend(self, sequence_number: int) -> None:
        """Send the packet ``sequence_number`` again, as it was (a listener's NACK)."""
        kept = None if self.history is None else self.history.get(sequence_number)
        pair = self._nominated.get(1)
        if kept is None or pair is None or self._dtls._state is not DtlsState.CONNECTED:
            return
        timestamp, payload = kept
        abs_send_time = (aiortc_clock.current_ntp_time() >> 14) & 0x00FFFFFF
        header = self.header(sequence_number, timestamp, abs_send_time)
        try:
            data = self._dtls._tx_srtp.protect(header + payload)
            if self.drop is None or not self.drop():
                pair.protocol.transport.sendto(data, pair.remote_addr)
        except Exception:
            self.errors += 1
            return
        self._dtls._RTCDtlsTransport__tx_bytes += len(data)
        self._dtls._RTCDtlsTransport__tx_packets += 1
        self.resent += 1


def attach(sender: RTCRtpSender, track: ForwardingTrack) -> FastSender:
    """Send ``track``'s packets through a FastSender once aiortc starts ``sender``.

    Call before the answer is applied. Until ``sender.send()`` (DTLS connected),
    packets are dropped; if the negotiated parameters do not suit the fast path,
    the track keeps aiortc's queued path.
    """
    fast = FastSender(sender, track)
    original: Callable[[RTCRtpSendParameters], Awaitable[None]] = sender.send

    async def send(parameters: RTCRtpSendParameters) -> None:
        await original(parameters)
        if not fast.configure(parameters):
            track.direct = None

    sender.send = send  # type: ignore[method-assign]
    track.direct = fast
    return fast

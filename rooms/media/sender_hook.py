"""Two small hooks into aiortc's sender side, pinned to aiortc 1.16.0.

- :func:`on_keyframe_request`: a viewer's PLI or FIR reaches
  ``RTCRtpSender._handle_rtcp_packet``, which only sets a force-keyframe flag for
  its own encoder. A forwarding sender never encodes, so the request is handed to
  ``callback`` (which passes it on to the publisher, coalesced) instead. Every other
  RTCP packet (receiver reports, NACKs for retransmission, REMB) still goes to aiortc.
- :func:`prefer_codecs`: an answering aiortc peer takes the offer's codec order and
  ``setCodecPreferences`` only applies to offers, so the negotiated list
  (``RTCRtpTransceiver._codecs``, set by ``setRemoteDescription``) is reordered
  before the answer is written: every viewer and publisher settles on VP8 when it is
  offered, so any publisher's frames suit any viewer's slot.
- :func:`share_stream`: aiortc gives every sender of a peer connection one stream id,
  so a browser would put every slot in one ``MediaStream``. The floor slot pairs (audio
  slot i, video slot i) each get their own stream id, the same for both, so the browser
  keeps a speaker's voice and picture in lip sync; every other slot gets its own.

:func:`check_sender_hooks` fails loudly when the version or the code relied on changes.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Iterable, Sequence
from importlib.metadata import version

from aiortc import RTCPeerConnection, RTCRtpSender, RTCRtpTransceiver, rtcpeerconnection
from aiortc.codecs import is_rtx
from aiortc.rtcdtlstransport import RtpRouter
from aiortc.rtp import RTCP_PSFB_FIR, RTCP_PSFB_PLI, AnyRtcpPacket, RtcpPsfbPacket

from rooms.media.errors import ReceiverHookError

__all__ = [
    "PINNED_AIORTC_VERSION",
    "check_sender_hooks",
    "on_keyframe_request",
    "prefer_codecs",
    "share_stream",
]

PINNED_AIORTC_VERSION = "1.16.0"

_SOURCE_FRAGMENTS: tuple[tuple[Callable[..., object], str], ...] = (
    (rtcpeerconnection.create_media_description_for_transceiver, "transceiver.sender._stream_id"),
    (RtpRouter.route_rtcp, "add_recipient(self.senders.get(packet.media_ssrc))"),
    (RTCRtpSender._handle_rtcp_packet, "RTCP_PSFB_PLI"),
    (RTCPeerConnection.setRemoteDescription, "transceiver._codecs = common"),
)


@functools.cache
def _problem() -> str | None:
    installed = version("aiortc")
    if installed != PINNED_AIORTC_VERSION:
        return (
            f"rooms.media.sender_hook is pinned to aiortc {PINNED_AIORTC_VERSION}, but aiortc "
            f"{installed} is installed. Re-read rtcrtpsender.py (_handle_rtcp_packet), "
            "rtcdtlstransport.py (RtpRouter.route_rtcp) and rtcpeerconnection.py (msid)."
        )
    for function, fragment in _SOURCE_FRAGMENTS:
        if fragment not in inspect.getsource(function):
            return f"aiortc internals changed: {function.__qualname__} lacks {fragment!r}"
    return None


def check_sender_hooks() -> None:
    """Raise ReceiverHookError unless aiortc is the version these hooks were written for."""
    problem = _problem()
    if problem is not None:
        raise ReceiverHookError(problem)


def on_keyframe_request(sender: RTCRtpSender, callback: Callable[[], None]) -> None:
    """Call ``callback`` (on the event loop) for every PLI or FIR the viewer sends this sender."""
    check_sender_hooks()
    original: Callable[[AnyRtcpPacket], Awaitable[None]] = sender._handle_rtcp_packet

    async def handle(packet: AnyRtcpPacket) -> None:
        if isinstance(packet, RtcpPsfbPacket) and packet.fmt in (RTCP_PSFB_FIR, RTCP_PSFB_PLI):
            callback()
            return
        await original(packet)

    sender._handle_rtcp_packet = handle  # type: ignore[method-assign]


def share_stream(senders: Iterable[RTCRtpSender], stream_id: str) -> None:
    """Put ``senders``' tracks in one stream (msid) in the next SDP the peer writes."""
    check_sender_hooks()
    for sender in senders:
        sender._stream_id = stream_id


def prefer_codecs(transceiver: RTCRtpTransceiver, mime_types: Sequence[str]) -> None:
    """Reorder a negotiated transceiver's codecs: ``mime_types`` first, in that order.

    Call between ``setRemoteDescription`` and ``createAnswer``. Retransmission (RTX)
    entries stay, after their codecs.
    """
    check_sender_hooks()
    codecs = transceiver._codecs
    rank = {name: index for index, name in enumerate(mime_types)}

    def key(codec: object) -> int:
        mime = codec.mimeType.lower()  # type: ignore[attr-defined]
        return len(rank) + 1 if is_rtx(codec) else rank.get(mime, len(rank))  # type: ignore[arg-type]

    transceiver._codecs = sorted(codecs, key=key)

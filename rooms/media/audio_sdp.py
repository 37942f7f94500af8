"""What the server's answer says about audio: RED before Opus, in-band FEC, NACK on the slots.

aiortc 1.16 knows neither RED nor audio NACK: its answer keeps only the codecs it
can encode (Opus, G.722, PCMU, PCMA) and only the feedback both sides list, and
its Opus line has no ``fmtp``. :func:`negotiate_audio` rewrites the negotiated
codecs of every audio transceiver (``RTCRtpTransceiver._codecs``, set by
``setRemoteDescription``) before the answer is written:

- **RED** (``red/48000/2``, RFC 2198) when the offer has it over Opus
  (``a=fmtp:63 111/111``): listed *first*, then Opus. libwebrtc sends RED only
  when the remote description lists it ahead of the codec it carries, and
  Chromium's own offers list it after Opus. On the microphone the publisher then
  sends RED; on a slot, everything the server sends is RED
  (:class:`rooms.media.red.RedView`), so the sender's first codec is always right.
- **In-band FEC**: Opus gets ``useinbandfec=1`` (and ``minptime=10``), which tells
  the publisher's encoder that the server decodes its forward error correction, so
  it adds FEC when the loss the server reports (rooms.media.loss) calls for it.
- **NACK** on the slots (``a=rtcp-fb:<pt> nack`` on Opus and RED), so a listener
  may ask for a lost packet again (rooms.media.retransmit answers).

With ``recovery`` off the answer is what aiortc writes: the
benchmark's baseline. Slots that send RED get a pack-only encoder, since aiortc's
sender looks an encoder up by its first codec's name and has none for RED.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

import av
from aiortc import RTCRtpSender, RTCRtpTransceiver, sdp
from aiortc.codecs.base import Encoder
from aiortc.mediastreams import convert_timebase
from aiortc.rtcrtpparameters import RTCRtcpFeedback, RTCRtpCodecParameters

from rooms.media.errors import ReceiverHookError

__all__ = ["AudioFormat", "negotiate_audio", "pack_only"]

_ENCODER = "_RTCRtpSender__encoder"
_OPUS_FMTP: dict[str, int | str | None] = {"minptime": 10, "useinbandfec": 1}
_TIME_BASE = Fraction(1, 48000)


@dataclass(frozen=True)
class AudioFormat:
    """What one audio m-section settled on: Opus's payload type, and RED's if negotiated."""

    opus: int
    red: int | None = None
    nack: bool = False


def _red_over(codec: RTCRtpCodecParameters, opus: int) -> bool:
    """A ``red/48000/2`` line whose blocks are all Opus (``opus/opus``)."""
    if codec.mimeType.lower() != "audio/red" or codec.clockRate != 48000:
        return False
    fmtp = "/".join(str(key) for key in codec.parameters)
    return bool(fmtp) and all(part == str(opus) for part in fmtp.split("/"))


def negotiate_audio(
    transceivers: Iterable[RTCRtpTransceiver],
    offer_sdp: str,
    slot_mids: Iterable[str],
    *,
    recovery: bool = True,
) -> dict[str, AudioFormat]:
    """Rewrite the audio transceivers' negotiated codecs; each audio mid's format.

    Call between ``setRemoteDescription`` and ``createAnswer``.
    """
    offered = {
        media.rtp.muxId: media.rtp.codecs
        for media in sdp.SessionDescription.parse(offer_sdp).media
        if media.kind == "audio"
    }
    slots = set(slot_mids)
    formats: dict[str, AudioFormat] = {}
    for transceiver in transceivers:
        if transceiver.kind != "audio" or transceiver.mid not in offered:
            continue
        codecs = list(getattr(transceiver, "_codecs", None) or [])
        opus = next((c for c in codecs if c.mimeType.lower() == "audio/opus"), None)
        if opus is None:
            continue  # refused later: the answer must settle on Opus
        if recovery:
            opus.parameters = {**_OPUS_FMTP, **opus.parameters}
        red = next(
            (c for c in offered[transceiver.mid] if _red_over(c, opus.payloadType or 0)), None
        )
        nack = recovery and transceiver.mid in slots
        ours: list[RTCRtpCodecParameters] = []
        if recovery and red is not None:
            ours.append(
                RTCRtpCodecParameters(
                    mimeType="audio/red",
                    clockRate=48000,
                    channels=2,
                    payloadType=red.payloadType,
                    parameters={f"{opus.payloadType}/{opus.payloadType}": None},
                )
            )
        ours.append(opus)
        for codec in ours:
            if nack and not any(
                fb.type == "nack" and not fb.parameter for fb in codec.rtcpFeedback
            ):
                codec.rtcpFeedback = [*codec.rtcpFeedback, RTCRtcpFeedback(type="nack")]
        transceiver._codecs = [*ours, *(c for c in codecs if c is not opus)]
        formats[transceiver.mid or ""] = AudioFormat(
            opus=opus.payloadType or 0,
            red=ours[0].payloadType if len(ours) == 2 else None,
            nack=nack,
        )
    return formats


class _PackOnly(Encoder):
    """Pre-encoded packets only: aiortc's sender packetises them, whatever the codec's name."""

    def encode(
        self, frame: av.frame.Frame, force_keyframe: bool = False
    ) -> tuple[list[bytes], int]:
        raise ReceiverHookError("a forwarding slot never encodes")

    def pack(self, packet: av.Packet) -> tuple[list[bytes], int]:
        time_base = packet.time_base or _TIME_BASE
        return [bytes(packet)], convert_timebase(packet.pts or 0, time_base, _TIME_BASE)


def pack_only(sender: RTCRtpSender) -> None:
    """Give ``sender`` an encoder that only packs (its first codec may be RED)."""
    if not hasattr(sender, _ENCODER):
        raise ReceiverHookError(f"RTCRtpSender lacks {_ENCODER}: aiortc's sender changed")
    setattr(sender, _ENCODER, _PackOnly())

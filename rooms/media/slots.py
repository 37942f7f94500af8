"""The slot convention: what each audio m-section of a client's offer carries.

The client (browser or headless) offers, in this order and nothing else
audio-wise, in one offer negotiated once:

1. the **microphone**: ``sendonly`` (or ``sendrecv``) when it may speak,
   ``recvonly`` or ``inactive`` when it has no microphone; always present;
2. zero to :data:`MAX_FLOOR_SLOTS` **floor slots**: ``recvonly``;
3. one **channel slot**: ``recvonly``; always present and always last.

So with ``n`` audio m-sections: index 0 is the microphone, indices
``1 .. n-2`` are floor slots 0 .. n-3, index ``n-1`` is the channel slot.
Indices count audio m-sections in offer order (for browsers and aiortc, that
is ascending mid order: ``"0"``, ``"1"``...). Video m-sections are answered
``inactive``; a data channel may sit anywhere and does not count.

The server fills the floor slots with the room's speakers and the channel
slot with whatever :meth:`MediaRouter.set_channel` chose (an interpreter), and
changes them without renegotiating.

When a room has more speakers than a listener has floor slots, the speakers
who most recently became audible (placed with ``may_publish``, unmuted, or
connected their microphone) win; :func:`assign_floor` keeps a speaker in the
slot it already has, so a newcomer only takes over a freed slot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aiortc import MediaStreamTrack, RTCPeerConnection, RTCRtpTransceiver, sdp

from rooms.media.errors import NegotiationError

__all__ = [
    "MAX_FLOOR_SLOTS",
    "RECOMMENDED_FLOOR_SLOTS",
    "ClientSlots",
    "SlotLayout",
    "add_client_transceivers",
    "assign_floor",
    "parse_layout",
]

MAX_FLOOR_SLOTS = 8
RECOMMENDED_FLOOR_SLOTS = 3


@dataclass(frozen=True)
class SlotLayout:
    """The mids of an offer's audio m-sections, by role."""

    mic_mid: str
    floor_mids: tuple[str, ...]
    channel_mid: str
    other_mids: tuple[str, ...] = ()


def parse_layout(offer_sdp: str) -> SlotLayout:
    """Read the slot layout from an offer; raise NegotiationError if it breaks the convention."""
    try:
        description = sdp.SessionDescription.parse(offer_sdp)
    except Exception as exc:  # aiortc's parser raises assorted errors on bad input
        raise NegotiationError(f"unreadable SDP offer: {exc}") from exc
    audio = [m.rtp.muxId for m in description.media if m.kind == "audio"]
    other = tuple(m.rtp.muxId for m in description.media if m.kind == "video")
    if len(audio) < 2:
        raise NegotiationError(
            f"the offer has {len(audio)} audio m-sections; at least 2 are needed "
            "(microphone first, channel slot last)"
        )
    if len(audio) - 2 > MAX_FLOOR_SLOTS:
        raise NegotiationError(
            f"the offer asks for {len(audio) - 2} floor slots; at most {MAX_FLOOR_SLOTS}"
        )
    if any(not mid for mid in audio):
        raise NegotiationError("every audio m-section needs a mid")
    return SlotLayout(
        mic_mid=audio[0], floor_mids=tuple(audio[1:-1]), channel_mid=audio[-1], other_mids=other
    )


def assign_floor(current: Sequence[str | None], ranked: Sequence[str]) -> list[str | None]:
    """New floor slot contents: the first ``len(current)`` of ``ranked``, keeping sitting speakers.

    ``ranked`` lists the speakers a listener may hear, best first.
    """
    wanted = list(ranked[: len(current)])
    slots: list[str | None] = [s if s in wanted else None for s in current]
    newcomers = (s for s in wanted if s not in slots)
    for i, source in enumerate(slots):
        if source is None:
            slots[i] = next(newcomers, None)
    return slots


@dataclass
class ClientSlots:
    """A client's transceivers, by role; slot tracks exist once the answer is applied."""

    mic: RTCRtpTransceiver
    floor: list[RTCRtpTransceiver]
    channel: RTCRtpTransceiver

    def floor_tracks(self) -> list[MediaStreamTrack]:
        return [t.receiver.track for t in self.floor]

    def channel_track(self) -> MediaStreamTrack:
        return self.channel.receiver.track


def add_client_transceivers(
    pc: RTCPeerConnection,
    mic: MediaStreamTrack | None,
    floor_slots: int = RECOMMENDED_FLOOR_SLOTS,
) -> ClientSlots:
    """Add the transceivers of the convention to a client-side aiortc peer, in order."""
    if not 0 <= floor_slots <= MAX_FLOOR_SLOTS:
        raise ValueError(f"floor_slots must be between 0 and {MAX_FLOOR_SLOTS}")
    if mic is not None:
        mic_transceiver = pc.addTransceiver(mic, direction="sendonly")
    else:
        mic_transceiver = pc.addTransceiver("audio", direction="inactive")
    floor = [pc.addTransceiver("audio", direction="recvonly") for _ in range(floor_slots)]
    channel = pc.addTransceiver("audio", direction="recvonly")
    return ClientSlots(mic=mic_transceiver, floor=floor, channel=channel)

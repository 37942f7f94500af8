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
is ascending mid order: ``"0"``, ``"1"``...). A data channel may sit anywhere
and does not count.

Video is optional. A client without video offers no video m-section. A client
with video offers, after its audio and in this order:

1. the **camera**: ``sendonly`` (with or without a track yet: ``replaceTrack``
   turns it on later without renegotiation), or ``inactive``;
2. the **screen**: ``sendonly`` or ``inactive``, the same way;
3. one **floor video slot** per floor slot, ``recvonly``: floor video slot i
   shows whoever floor slot i carries, in the same stream (``msid``) so the
   browser keeps voice and picture in sync;
4. the **share slot**: ``recvonly``, the room's screen share;
5. zero to :data:`MAX_PINNED_SLOTS` **pinned slots**: ``recvonly``, each showing
   one chosen peer's camera wherever it is (a sign-language interpreter).

Only VP8 and H.264 are forwarded.

The server fills the floor slots with the room's speakers and the channel
slot with whatever :meth:`MediaRouter.set_channel` chose (an interpreter), and
changes them without renegotiating.

When a room has more speakers than a listener has floor slots, the speakers
who most recently started talking (:mod:`rooms.media.voice`) or became audible
(placed with ``may_publish``, unmuted, or connected their microphone) win; :func:`assign_floor` keeps a speaker in the
slot it already has, so a newcomer only takes over a freed slot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from aiortc import MediaStreamTrack, RTCPeerConnection, RTCRtpTransceiver, sdp

from rooms.media.errors import NegotiationError

__all__ = [
    "MAX_FLOOR_SLOTS",
    "MAX_PINNED_SLOTS",
    "RECOMMENDED_FLOOR_SLOTS",
    "ClientSlots",
    "SlotLayout",
    "add_client_transceivers",
    "assign_floor",
    "parse_layout",
]

MAX_FLOOR_SLOTS = 8
RECOMMENDED_FLOOR_SLOTS = 3
MAX_PINNED_SLOTS = 2
VIDEO_CODECS = ("video/vp8", "video/h264")
"""Forwarded video codecs, the server's preference first."""


@dataclass(frozen=True)
class SlotLayout:
    """The mids of an offer's audio m-sections, by role."""

    mic_mid: str
    floor_mids: tuple[str, ...]
    channel_mid: str
    video: VideoLayout | None = None


@dataclass(frozen=True)
class VideoLayout:
    """The mids of an offer's video m-sections, by role."""

    camera_mid: str
    screen_mid: str
    floor_mids: tuple[str, ...]
    share_mid: str
    pinned_mids: tuple[str, ...] = ()


def parse_layout(offer_sdp: str) -> SlotLayout:
    """Read the slot layout from an offer; raise NegotiationError if it breaks the convention."""
    try:
        description = sdp.SessionDescription.parse(offer_sdp)
    except Exception as exc:  # aiortc's parser raises assorted errors on bad input
        raise NegotiationError(f"unreadable SDP offer: {exc}") from exc
    audio = [m.rtp.muxId for m in description.media if m.kind == "audio"]
    video = [m.rtp.muxId for m in description.media if m.kind == "video"]
    for media in description.media:
        offered = [codec.mimeType.lower() for codec in media.rtp.codecs]
        if media.kind == "video" and not set(offered) & set(VIDEO_CODECS):
            names = ", ".join(sorted({name.split("/")[-1] for name in offered})) or "no codec"
            raise NegotiationError(
                f"video m-section {media.rtp.muxId} offers {names}; "
                "the server forwards VP8 and H.264 only"
            )
    if len(audio) < 2:
        raise NegotiationError(
            f"the offer has {len(audio)} audio m-sections; at least 2 are needed "
            "(microphone first, channel slot last)"
        )
    if len(audio) - 2 > MAX_FLOOR_SLOTS:
        raise NegotiationError(
            f"the offer asks for {len(audio) - 2} floor slots; at most {MAX_FLOOR_SLOTS}"
        )
    if any(not mid for mid in audio + video):
        raise NegotiationError("every audio and video m-section needs a mid")
    return SlotLayout(
        mic_mid=audio[0],
        floor_mids=tuple(audio[1:-1]),
        channel_mid=audio[-1],
        video=_video_layout(video, len(audio) - 2) if video else None,
    )


def _video_layout(video: list[str], floor_slots: int) -> VideoLayout:
    least = 3 + floor_slots
    if not least <= len(video) <= least + MAX_PINNED_SLOTS:
        raise NegotiationError(
            f"the offer has {len(video)} video m-sections; with {floor_slots} floor slots "
            f"it needs {least} (camera, screen, {floor_slots} floor video slots, share slot) "
            f"plus at most {MAX_PINNED_SLOTS} pinned slots"
        )
    return VideoLayout(
        camera_mid=video[0],
        screen_mid=video[1],
        floor_mids=tuple(video[2 : 2 + floor_slots]),
        share_mid=video[2 + floor_slots],
        pinned_mids=tuple(video[3 + floor_slots :]),
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
    camera: RTCRtpTransceiver | None = None
    screen: RTCRtpTransceiver | None = None
    floor_video: list[RTCRtpTransceiver] = field(default_factory=list)
    share: RTCRtpTransceiver | None = None
    pinned: list[RTCRtpTransceiver] = field(default_factory=list)

    def floor_tracks(self) -> list[MediaStreamTrack]:
        return [t.receiver.track for t in self.floor]

    def channel_track(self) -> MediaStreamTrack:
        return self.channel.receiver.track


def add_client_transceivers(
    pc: RTCPeerConnection,
    mic: MediaStreamTrack | None,
    floor_slots: int = RECOMMENDED_FLOOR_SLOTS,
    *,
    video: bool = False,
    camera: MediaStreamTrack | None = None,
    screen: MediaStreamTrack | None = None,
    pinned_slots: int = 0,
) -> ClientSlots:
    """Add the transceivers of the convention to a client-side aiortc peer, in order.

    With ``video`` (implied by a ``camera`` or ``screen`` track), the video m-sections
    follow the audio ones.
    """
    if not 0 <= floor_slots <= MAX_FLOOR_SLOTS:
        raise ValueError(f"floor_slots must be between 0 and {MAX_FLOOR_SLOTS}")
    if not 0 <= pinned_slots <= MAX_PINNED_SLOTS:
        raise ValueError(f"pinned_slots must be between 0 and {MAX_PINNED_SLOTS}")
    if mic is not None:
        mic_transceiver = pc.addTransceiver(mic, direction="sendonly")
    else:
        mic_transceiver = pc.addTransceiver("audio", direction="inactive")
    floor = [pc.addTransceiver("audio", direction="recvonly") for _ in range(floor_slots)]
    channel = pc.addTransceiver("audio", direction="recvonly")
    slots = ClientSlots(mic=mic_transceiver, floor=floor, channel=channel)
    if not (video or camera is not None or screen is not None or pinned_slots):
        return slots
    for name, track in (("camera", camera), ("screen", screen)):
        transceiver = (
            pc.addTransceiver(track, direction="sendonly")
            if track is not None
            else pc.addTransceiver("video", direction="inactive")
        )
        setattr(slots, name, transceiver)
    slots.floor_video = [
        pc.addTransceiver("video", direction="recvonly") for _ in range(floor_slots)
    ]
    slots.share = pc.addTransceiver("video", direction="recvonly")
    slots.pinned = [pc.addTransceiver("video", direction="recvonly") for _ in range(pinned_slots)]
    return slots

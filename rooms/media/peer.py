"""The server side of one participant's WebRTC connection: one RTCPeerConnection, fixed slots."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

import av
from aiortc import (
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpReceiver,
    RTCRtpSender,
    RTCRtpTransceiver,
    RTCSessionDescription,
    sdp,
)

from rooms.media import audio_sdp, ice, loss, retransmit, rtcp_pacing, slots, video_send
from rooms.media import fast_send as fast_send_module
from rooms.media.errors import NegotiationError
from rooms.media.forwarding import ForwardingTrack
from rooms.media.lossy import LossyLeg, drop_on_transport
from rooms.media.receiver_hook import (
    AudioTap,
    VideoReceiver,
    forward_encoded,
    forward_encoded_video,
)
from rooms.media.sender_hook import on_keyframe_request, prefer_codecs, share_stream
from rooms.media.video import VideoFanout, VideoForwardingTrack

__all__ = ["ServerPeer"]

logger = logging.getLogger(__name__)

_fast_send_refused = False
"""A sender refused the fast path already (logged once per process)."""


def _discard(packet: av.Packet) -> None:
    """Packets from a track we do not use (a client sending on a slot)."""


class ServerPeer:
    """Answers one offer; forwards the microphone to ``on_mic`` and fills slots from ForwardingTracks.

    A peer answers exactly once. A second offer from the same participant
    (a reconnect) gets a new ServerPeer.
    """

    def __init__(
        self,
        peer_id: str,
        configuration: RTCConfiguration,
        on_mic: Callable[[av.Packet], None],
        *,
        loopback: bool = False,
        fast_send: bool = True,
        recovery: bool = True,
        loss_board: loss.LossBoard | None = None,
        video_fast_send: bool = True,
        camera: VideoFanout | None = None,
        screen: VideoFanout | None = None,
        on_level: Callable[[int], None] | None = None,
    ) -> None:
        """``on_level``: each microphone packet's audio level (rooms.media.voice)."""
        self.peer_id = peer_id
        self.pc = RTCPeerConnection(configuration)
        self.floor: list[ForwardingTrack] = []
        self.channel = ForwardingTrack()
        self.has_mic = False
        self.mic_tap: AudioTap | None = None
        self.formats: dict[str, audio_sdp.AudioFormat] = {}
        """Each audio mid's negotiated Opus and RED payload types."""
        self.floor_video: list[VideoForwardingTrack] = []
        self.share: VideoForwardingTrack | None = None
        self.pinned: list[VideoForwardingTrack] = []
        self.camera_receiver: VideoReceiver | None = None
        self.screen_receiver: VideoReceiver | None = None
        self._camera = camera
        self._screen = screen
        self._on_mic = on_mic
        self._on_level = on_level
        self._loopback = loopback
        self._fast_send = fast_send
        self._recovery = recovery
        self._loss = loss_board if recovery else None
        self._fast_senders: list[fast_send_module.FastSender] = []
        self.nacks: dict[ForwardingTrack, retransmit.NackBudget] = {}
        """Each slot's NACK counts (slots that negotiated ``nack``)."""
        self._video_fast_send = video_fast_send

    def __repr__(self) -> str:
        return f"ServerPeer({self.peer_id!r}, {self.pc.connectionState})"

    async def answer(self, offer_sdp: str) -> str:
        """Apply the client's offer and return the SDP answer."""
        layout = slots.parse_layout(offer_sdp)
        offer = RTCSessionDescription(sdp=ice.drop_mdns_candidates(offer_sdp), type="offer")
        await self.pc.setRemoteDescription(offer)

        by_mid = {t.mid: t for t in self.pc.getTransceivers()}
        mic = by_mid[layout.mic_mid]
        slot_mids = (*layout.floor_mids, layout.channel_mid)
        self.formats = audio_sdp.negotiate_audio(
            self.pc.getTransceivers(), offer_sdp, slot_mids, recovery=self._recovery
        )
        for transceiver in self.pc.getTransceivers():
            rtcp_pacing.pace(transceiver.sender, transceiver.receiver, transceiver.kind)
        # setRemoteDescription only scheduled the connection; no packet can
        # arrive before setLocalDescription, so hooking here loses nothing.
        for transceiver in self.pc.getTransceivers():
            track = transceiver.receiver.track
            if track is None or transceiver.kind != "audio":
                continue
            if transceiver is mic:
                self.mic_tap = forward_encoded(
                    transceiver.receiver, self._on_mic, on_level=self._on_level
                )
                self.has_mic = True
                if self._loss is not None:
                    loss.report_upstream(transceiver.receiver, self.peer_id, self._loss)
            else:
                forward_encoded(transceiver.receiver, _discard)
        for mid in layout.floor_mids:
            self.floor.append(self._send_on(by_mid[mid]))
        self._send_on(by_mid[layout.channel_mid], self.channel)
        video_mids: dict[str, VideoForwardingTrack] = {}
        if layout.video is not None:
            video_mids = self._video(layout.video, layout.floor_mids, by_mid)
        share_stream([by_mid[layout.channel_mid].sender], str(uuid.uuid4()))

        if self._loopback:
            await ice.add_loopback_candidates(self.pc)
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        answer = self.pc.localDescription.sdp
        negotiated = _check_codecs(answer)
        for mid, track in video_mids.items():
            track.mime = negotiated.get(mid)
        return answer

    def _video(
        self,
        layout: slots.VideoLayout,
        floor_mids: tuple[str, ...],
        by_mid: dict[str | None, RTCRtpTransceiver],
    ) -> dict[str, VideoForwardingTrack]:
        """Hook the camera and screen, and put a forwarding track on every video slot."""
        for transceiver in by_mid.values():
            if transceiver.kind == "video":
                # One codec for everyone where the offer allows: VP8, else H.264.
                prefer_codecs(transceiver, slots.VIDEO_CODECS)
        for mid, fanout, name in (
            (layout.camera_mid, self._camera, "camera"),
            (layout.screen_mid, self._screen, "screen"),
        ):
            receiver = by_mid[mid].receiver
            if receiver.track is None or fanout is None:
                continue
            hooked = forward_encoded_video(receiver, fanout.publish, fanout.lost)
            setattr(self, f"{name}_receiver", hooked)
        for transceiver in by_mid.values():
            if transceiver.kind == "video" and transceiver.mid not in (
                layout.camera_mid,
                layout.screen_mid,
            ):
                _discard_video(transceiver.receiver)
        tracks: dict[str, VideoForwardingTrack] = {}
        for index, (audio_mid, mid) in enumerate(zip(floor_mids, layout.floor_mids, strict=True)):
            track = self._video_slot(by_mid[mid], f"floor video slot {index} of {self.peer_id}")
            self.floor_video.append(track)
            tracks[mid] = track
            # Voice and picture of floor slot i in one stream: the browser syncs them.
            share_stream([by_mid[audio_mid].sender, by_mid[mid].sender], str(uuid.uuid4()))
        self.share = tracks[layout.share_mid] = self._video_slot(
            by_mid[layout.share_mid], f"share slot of {self.peer_id}"
        )
        share_stream([by_mid[layout.share_mid].sender], str(uuid.uuid4()))
        for index, mid in enumerate(layout.pinned_mids):
            track = self._video_slot(by_mid[mid], f"pinned slot {index} of {self.peer_id}")
            self.pinned.append(track)
            tracks[mid] = track
            share_stream([by_mid[mid].sender], str(uuid.uuid4()))
        return tracks

    def _video_slot(self, transceiver: RTCRtpTransceiver, label: str) -> VideoForwardingTrack:
        track = VideoForwardingTrack(label)
        transceiver.direction = "sendonly"
        transceiver.sender.replaceTrack(track)
        on_keyframe_request(transceiver.sender, track.keyframe_requested)
        if self._video_fast_send:
            video_send.attach(transceiver.sender, track)
        return track

    @property
    def has_camera(self) -> bool:
        return self.camera_receiver is not None

    @property
    def has_screen(self) -> bool:
        return self.screen_receiver is not None

    def _send_on(
        self, transceiver: RTCRtpTransceiver, track: ForwardingTrack | None = None
    ) -> ForwardingTrack:
        track = track or ForwardingTrack()
        transceiver.direction = "sendonly"
        transceiver.sender.replaceTrack(track)
        sender = transceiver.sender
        audio = self.formats.get(transceiver.mid or "")
        if audio is not None and audio.red is not None:
            # Everything this slot sends is RED (rooms.media.red), the answer's first codec.
            track.red_payload_type = audio.opus
            audio_sdp.pack_only(sender)
        fast = self._attach_fast(sender, track) if self._fast_send else None
        if audio is not None and audio.nack:
            budget = self.nacks[track] = retransmit.NackBudget()
            resend = None if fast is None else retransmit.FastResend(fast.holds, fast.resend)
            retransmit.answer_nacks(sender, budget, resend)
        if self._loss is not None:
            loss.watch_reports(sender, track, self._loss)
        return track

    def _attach_fast(
        self, sender: RTCRtpSender, track: ForwardingTrack
    ) -> fast_send_module.FastSender | None:
        """Send ``track`` by rooms.media.fast_send; None (aiortc's sender loop) if it cannot."""
        try:
            fast = fast_send_module.attach(sender, track)
        except fast_send_module.FastSendError as error:
            global _fast_send_refused
            if not _fast_send_refused:
                _fast_send_refused = True
                logger.warning("audio fast send off for this sender, aiortc's instead: %s", error)
            return None
        self._fast_senders.append(fast)
        return fast

    def set_leg_loss(self, share: float, seed: int | None = None) -> LossyLeg:
        """Drop ``share`` of what the server sends this peer, at random: tests and benchmarks only."""
        leg = LossyLeg(share, seed)
        for transceiver in self.pc.getTransceivers():
            drop_on_transport(transceiver.sender.transport, leg)
            break  # max-bundle: one transport carries every m-section
        for fast in self._fast_senders:
            fast.drop = leg
        return leg

    def slot_tracks(self) -> list[ForwardingTrack]:
        return [*self.floor, self.channel]

    def video_tracks(self) -> list[VideoForwardingTrack]:
        share = [] if self.share is None else [self.share]
        return [*self.floor_video, *share, *self.pinned]

    async def close(self) -> None:
        for track in self.slot_tracks():
            track.stop()
        for video in self.video_tracks():
            video.stop()
        await self.pc.close()


def _discard_video(receiver: RTCRtpReceiver) -> None:
    """A client sending on a video slot: never decode it."""
    if receiver.track is not None:
        forward_encoded_video(receiver, lambda mime, packet: None, lambda: None)


def _check_codecs(answer_sdp: str) -> dict[str, str]:
    """Refuse an answer that forwards anything but Opus and VP8/H.264; mids' video codecs."""
    description = sdp.SessionDescription.parse(answer_sdp)
    video: dict[str, str] = {}
    for media in description.media:
        if media.kind not in ("audio", "video") or media.direction == "inactive":
            continue
        names = [codec.mimeType.lower() for codec in media.rtp.codecs]
        if names[:2] == ["audio/red", "audio/opus"]:
            names = names[1:]  # RED over Opus: Opus in RED's blocks
        first = names[0] if names else ""
        if media.kind == "audio" and first != "audio/opus":
            raise NegotiationError(
                f"audio m-section {media.rtp.muxId} did not settle on Opus; "
                "the server forwards Opus packets only"
            )
        if media.kind == "video":
            if first not in slots.VIDEO_CODECS:
                raise NegotiationError(
                    f"video m-section {media.rtp.muxId} did not settle on VP8 or H.264"
                )
            video[media.rtp.muxId or ""] = first
    return video

"""The server side of one participant's WebRTC connection: one RTCPeerConnection, fixed slots."""

from __future__ import annotations

import logging
from collections.abc import Callable

import av
from aiortc import (
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpTransceiver,
    RTCSessionDescription,
    sdp,
)

from rooms.media import fast_send as fast_send_module
from rooms.media import ice, slots
from rooms.media.errors import NegotiationError
from rooms.media.forwarding import ForwardingTrack
from rooms.media.receiver_hook import forward_encoded

__all__ = ["ServerPeer"]

logger = logging.getLogger(__name__)


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
        fast_send: bool = False,
    ) -> None:
        self.peer_id = peer_id
        self.pc = RTCPeerConnection(configuration)
        self.floor: list[ForwardingTrack] = []
        self.channel = ForwardingTrack()
        self.has_mic = False
        self._on_mic = on_mic
        self._loopback = loopback
        self._fast_send = fast_send

    def __repr__(self) -> str:
        return f"ServerPeer({self.peer_id!r}, {self.pc.connectionState})"

    async def answer(self, offer_sdp: str) -> str:
        """Apply the client's offer and return the SDP answer."""
        layout = slots.parse_layout(offer_sdp)
        offer = RTCSessionDescription(sdp=ice.drop_mdns_candidates(offer_sdp), type="offer")
        await self.pc.setRemoteDescription(offer)

        by_mid = {t.mid: t for t in self.pc.getTransceivers()}
        mic = by_mid[layout.mic_mid]
        # setRemoteDescription only scheduled the connection; no packet can
        # arrive before setLocalDescription, so hooking here loses nothing.
        for transceiver in self.pc.getTransceivers():
            track = transceiver.receiver.track
            if track is None or transceiver.kind != "audio":
                continue
            forward_encoded(transceiver.receiver, self._on_mic if transceiver is mic else _discard)
            if transceiver is mic:
                self.has_mic = True
        for mid in layout.other_mids:
            by_mid[mid].direction = "inactive"
        for mid in layout.floor_mids:
            self.floor.append(self._send_on(by_mid[mid]))
        self._send_on(by_mid[layout.channel_mid], self.channel)

        if self._loopback:
            await ice.add_loopback_candidates(self.pc)
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        answer = self.pc.localDescription.sdp
        _check_opus(answer)
        return answer

    def _send_on(
        self, transceiver: RTCRtpTransceiver, track: ForwardingTrack | None = None
    ) -> ForwardingTrack:
        track = track or ForwardingTrack()
        transceiver.direction = "sendonly"
        transceiver.sender.replaceTrack(track)
        if self._fast_send:
            fast_send_module.attach(transceiver.sender, track)
        return track

    def slot_tracks(self) -> list[ForwardingTrack]:
        return [*self.floor, self.channel]

    async def close(self) -> None:
        for track in self.slot_tracks():
            track.stop()
        await self.pc.close()


def _check_opus(answer_sdp: str) -> None:
    description = sdp.SessionDescription.parse(answer_sdp)
    for media in description.media:
        if media.kind != "audio" or media.direction == "inactive":
            continue
        if not media.rtp.codecs or media.rtp.codecs[0].mimeType.lower() != "audio/opus":
            raise NegotiationError(
                f"audio m-section {media.rtp.muxId} did not settle on Opus; "
                "the server forwards Opus packets only"
            )

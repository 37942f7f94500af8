"""Fixtures for the media tests: a router on loopback, and aiortc clients that follow the slot convention.

Every await in these helpers has its own time limit, so a test built from them is bounded.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest
from aiortc import RTCPeerConnection, RTCRtpReceiver, RTCRtpTransceiver, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtp import RtpPacket
from av import AudioFrame, VideoFrame

from rooms.media.audio_sdp import pack_only
from rooms.media.colours import ColourTrack, average_colour
from rooms.media.ice import add_loopback_candidates, configuration
from rooms.media.receiver_hook import forward_encoded
from rooms.media.router import MediaRouter
from rooms.media.slots import add_client_transceivers
from rooms.media.tones import ToneTrack, dominant_frequency

CONNECT_TIMEOUT = 10.0
CLOSE_TIMEOUT = 5.0


@dataclass(frozen=True)
class Received:
    at: float
    sequence_number: int
    timestamp: int
    payload: bytes
    payload_type: int = 0
    ssrc: int = 0
    marker: bool = False


class Client:
    """A participant's browser, played by aiortc: a tone as microphone, slots read continuously."""

    def __init__(
        self,
        tone: float | None = None,
        floor_slots: int = 2,
        *,
        video: bool = False,
        camera: tuple[int, int, int] | None = None,
        screen: tuple[int, int, int] | None = None,
        still_screen: bool = False,
        pinned_slots: int = 0,
        red: bool = False,
        mic: MediaStreamTrack | None = None,
    ) -> None:
        self.pc = RTCPeerConnection(configuration())
        self.mic = mic if mic is not None else ToneTrack(tone) if tone is not None else None
        self.red = red
        self.unpacked: list[list[bytes]] = []
        """With ``red``: per slot, the Opus frames the client took out of the RED it got."""
        """Offer RED over Opus (as Chromium does; aiortc does not) and, with a packet mic, send it."""
        self.camera = ColourTrack(camera) if camera is not None else None
        # A still screen films one frame, then nothing (as a browser sharing a still slide).
        self.screen = (
            ColourTrack(screen, width=640, height=360, fps=5, limit=1 if still_screen else None)
            if screen
            else None
        )
        self.slots = add_client_transceivers(
            self.pc,
            self.mic,
            floor_slots,
            video=video,
            camera=self.camera,
            screen=self.screen,
            pinned_slots=pinned_slots,
        )
        self.frames: list[deque[tuple[float, AudioFrame]]] = []
        self.rtp: list[list[Received]] = []
        self.pictures: list[list[tuple[float, tuple[int, int, int]]]] = []
        """Per video slot (floor video slots, share, pinned): (time, average colour) per frame."""
        self.video_rtp: list[list[Received]] = []
        self._readers: list[asyncio.Task[None]] = []

    @property
    def video_receivers(self) -> list[RTCRtpReceiver]:
        share = [] if self.slots.share is None else [self.slots.share]
        return [t.receiver for t in [*self.slots.floor_video, *share, *self.slots.pinned]]

    @property
    def slot_receivers(self) -> list[RTCRtpReceiver]:
        return [t.receiver for t in [*self.slots.floor, self.slots.channel]]

    async def join(self, router: MediaRouter, peer_id: str) -> str:
        await add_loopback_candidates(self.pc)
        await self.pc.setLocalDescription(await self.pc.createOffer())
        offer = self.pc.localDescription.sdp
        if self.red:
            offer = offer_red(offer)
        answer = await asyncio.wait_for(router.negotiate(peer_id, offer), CONNECT_TIMEOUT)
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
        if self.red and self.mic is not None and not isinstance(self.mic, ToneTrack):
            send_red(self.slots.mic)
        if self.red:
            for transceiver in [*self.slots.floor, self.slots.channel]:
                self.unpacked.append([])
                receive_red(transceiver, self.unpacked[-1])
        for index, receiver in enumerate(self.slot_receivers):
            self.frames.append(deque(maxlen=500))
            self.rtp.append([])
            self._capture_rtp(receiver, self.rtp[index])
            self._readers.append(asyncio.create_task(self._read(receiver.track, index)))
        for index, receiver in enumerate(self.video_receivers):
            self.pictures.append([])
            self.video_rtp.append([])
            self._capture_rtp(receiver, self.video_rtp[index])
            self._readers.append(asyncio.create_task(self._watch(receiver.track, index)))
        await asyncio.wait_for(self._connected(), CONNECT_TIMEOUT)
        return offer

    async def _watch(self, track: MediaStreamTrack, index: int) -> None:
        try:
            while True:
                frame = await track.recv()
                assert isinstance(frame, VideoFrame)
                self.pictures[index].append((time.monotonic(), average_colour(frame)))
        except MediaStreamError:
            pass

    async def sees(
        self, slot: int, rgb: tuple[int, int, int], within: float = 5.0, since: float = 0.0
    ) -> float:
        """Wait until the video slot shows ``rgb`` (within 40 per channel); return the time."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            for at, colour in self.pictures[slot]:
                if at >= since and all(abs(a - b) <= 40 for a, b in zip(colour, rgb, strict=True)):
                    return at
            await asyncio.sleep(0.05)
        recent = self.pictures[slot][-1:] if self.pictures[slot] else None
        raise AssertionError(f"video slot {slot} did not show {rgb} within {within} s ({recent})")

    async def _connected(self) -> None:
        while self.pc.connectionState != "connected":
            if self.pc.connectionState in ("failed", "closed"):
                raise AssertionError(f"connection {self.pc.connectionState}")
            await asyncio.sleep(0.02)

    @staticmethod
    def _capture_rtp(receiver: RTCRtpReceiver, into: list[Received]) -> None:
        # Test-only tap at the RTP level, before aiortc's jitter buffer.
        original = receiver._handle_rtp_packet

        async def capture(packet: RtpPacket, arrival_time_ms: int) -> None:
            into.append(
                Received(
                    time.monotonic(),
                    packet.sequence_number,
                    packet.timestamp,
                    packet.payload,
                    packet.payload_type,
                    packet.ssrc,
                    bool(packet.marker),
                )
            )
            await original(packet, arrival_time_ms)

        receiver._handle_rtp_packet = capture  # type: ignore[method-assign]

    async def _read(self, track: MediaStreamTrack, index: int) -> None:
        try:
            while True:
                frame = await track.recv()
                assert isinstance(frame, AudioFrame)
                self.frames[index].append((time.monotonic(), frame))
        except MediaStreamError:
            pass

    def frequency(self, slot: int, seconds: float = 0.4) -> float | None:
        since = time.monotonic() - seconds
        recent = [frame for at, frame in self.frames[slot] if at >= since]
        # At least half the time's worth of samples, whatever the frame length (20 or 60 ms).
        if sum(frame.samples for frame in recent) < seconds * 48_000 * 0.5:
            return None
        return dominant_frequency(recent)

    async def hears(self, slot: int, hz: float, within: float = 5.0) -> float:
        """Wait until the slot's recent audio peaks at ``hz`` (within 10 Hz); return the time."""
        deadline = time.monotonic() + within
        last = None
        while time.monotonic() < deadline:
            last = self.frequency(slot)
            if last is not None and abs(last - hz) < 10:
                return time.monotonic()
            await asyncio.sleep(0.05)
        raise AssertionError(f"slot {slot} did not hear {hz} Hz within {within} s (last: {last})")

    async def close(self) -> None:
        await asyncio.wait_for(self.pc.close(), CLOSE_TIMEOUT)
        for task in self._readers:
            task.cancel()
        await asyncio.gather(*self._readers, return_exceptions=True)


RED_PT = 63


def offer_red(offer: str) -> str:
    """The offer with ``red/48000/2`` over Opus after Opus, as Chromium writes it."""
    lines = []
    for line in offer.split("\r\n"):
        if line.startswith("m=audio "):
            line += f" {RED_PT}"
        lines.append(line)
        if line.startswith("a=rtpmap:") and " opus/48000/2" in line:
            opus = line.split(":")[1].split(" ")[0]
            lines += [f"a=rtpmap:{RED_PT} red/48000/2", f"a=fmtp:{RED_PT} {opus}/{opus}"]
    return "\r\n".join(lines)


def send_red(transceiver: RTCRtpTransceiver) -> None:
    """Make an aiortc client's microphone send RED (aiortc has no RED of its own).

    Between ``setRemoteDescription`` and the connection: the sender starts with the
    codecs negotiated then, RED first; its track yields RED payloads (rooms.media.red).
    """
    transceiver._codecs = [_red_codec(transceiver), *transceiver._codecs]
    pack_only(transceiver.sender)


def receive_red(transceiver: RTCRtpTransceiver, into: list[bytes]) -> None:
    """Let an aiortc client's slot take RED packets; what it unpacks goes ``into``, undecoded."""
    transceiver._codecs = [_red_codec(transceiver), *transceiver._codecs]
    forward_encoded(transceiver.receiver, lambda packet: into.append(bytes(packet)))


def _red_codec(transceiver: RTCRtpTransceiver) -> RTCRtpCodecParameters:
    opus = next(c for c in transceiver._codecs if c.mimeType.lower() == "audio/opus")
    return RTCRtpCodecParameters(
        mimeType="audio/red",
        clockRate=48000,
        channels=2,
        payloadType=RED_PT,
        parameters={f"{opus.payloadType}/{opus.payloadType}": None},
    )


Join = Callable[..., Awaitable[Client]]


@pytest.fixture(params=[False, True], ids=["queued", "fast_send"])
async def router(request: pytest.FixtureRequest) -> AsyncIterator[MediaRouter]:
    """The router, once with aiortc's queued sender path and once with rooms.media.fast_send."""
    media = MediaRouter(loopback=True, fast_send=request.param)
    yield media
    await asyncio.wait_for(media.aclose(), CLOSE_TIMEOUT)


@pytest.fixture
async def join(router: MediaRouter) -> AsyncIterator[Join]:
    """``await join(peer_id, tone=440, floor_slots=2)``: a connected client, closed after the test."""
    created: list[Client] = []

    async def connect(
        peer_id: str, tone: float | None = None, floor_slots: int = 2, **video: object
    ) -> Client:
        client = Client(tone, floor_slots, **video)  # type: ignore[arg-type]
        created.append(client)
        await client.join(router, peer_id)
        return client

    yield connect
    await asyncio.gather(*(client.close() for client in created), return_exceptions=True)

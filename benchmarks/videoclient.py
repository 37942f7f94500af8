"""Light aiortc clients for the video benchmark, run in worker processes (procs.Workers).

The publisher sends a clip encoded once at start (VP8, 640×360, 30 frames/s, about
500 kbit/s, a keyframe first): the track yields encoded ``av.Packet``s, so publishing
costs no encoding, and a keyframe request restarts the clip at its keyframe. Counting
viewers never decode (their pinned slot's ``_handle_rtp_packet`` only counts bytes);
timing viewers decode normally, to see the first picture after a subscribe.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import json
import time
from typing import Any

import av
import numpy as np
from aiortc import RTCPeerConnection, RTCRtpReceiver, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.rtp import RtpPacket
from websockets.asyncio.client import ClientConnection, connect

from rooms.media.ice import add_loopback_candidates, configuration
from rooms.media.sender_hook import on_keyframe_request
from rooms.media.slots import add_client_transceivers

FPS = 30
BITRATE = 500_000
TIME_BASE = fractions.Fraction(1, 90_000)
CONNECT_TIMEOUT = 30.0


def encode_clip(frames: int = 90, width: int = 640, height: int = 360) -> list[bytes]:
    """A moving picture encoded once with libvpx: frame 0 a keyframe, the rest deltas."""
    codec = av.CodecContext.create("libvpx", "w")
    codec.width, codec.height, codec.pix_fmt = width, height, "yuv420p"
    codec.bit_rate = BITRATE
    codec.framerate = fractions.Fraction(FPS, 1)
    codec.time_base = fractions.Fraction(1, FPS)
    codec.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
    out: list[bytes] = []
    for i in range(frames):
        picture = np.zeros((height, width, 3), dtype=np.uint8)
        picture[:, :, 0] = (np.arange(width) * 255 // width + i * 3) % 256
        picture[:, :, 2] = 200
        frame = av.VideoFrame.from_ndarray(picture, format="rgb24").reformat(format="yuv420p")
        frame.pts = i
        out += [bytes(p) for p in codec.encode(frame)]
    out += [bytes(p) for p in codec.encode(None)]
    return out


class ClipTrack(MediaStreamTrack):
    """Encoded frames on the wall clock; ``restart()`` (a keyframe request) goes back to frame 0."""

    kind = "video"

    def __init__(self, clip: list[bytes]) -> None:
        super().__init__()
        self.clip = clip
        self.count = 0
        self.position = 0
        self.restarts = 0
        self._start: float | None = None

    def restart(self) -> None:
        self.position = 0
        self.restarts += 1

    async def recv(self) -> av.Packet:
        now = time.monotonic()
        if self._start is None:
            self._start = now
        due = self._start + self.count / FPS
        if due > now:
            await asyncio.sleep(due - now)
        packet = av.Packet(self.clip[self.position])
        packet.pts = self.count * 90_000 // FPS
        packet.time_base = TIME_BASE
        self.count += 1
        self.position = (self.position + 1) % len(self.clip)
        return packet


async def _negotiate(pc: RTCPeerConnection, ws: ClientConnection, fields: dict[str, Any]) -> None:
    await add_loopback_candidates(pc)
    await pc.setLocalDescription(await pc.createOffer())
    await ws.send(json.dumps({"op": "offer", "sdp": pc.localDescription.sdp, **fields}))
    answer = json.loads(await ws.recv())
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))


async def _connected(pc: RTCPeerConnection, within: float = CONNECT_TIMEOUT) -> None:
    deadline = time.monotonic() + within
    while pc.connectionState != "connected":
        if pc.connectionState in ("failed", "closed") or time.monotonic() > deadline:
            raise RuntimeError(f"media connection {pc.connectionState}")
        await asyncio.sleep(0.02)


class Viewer:
    def __init__(self, peer_id: str, decode: bool) -> None:
        self.peer_id = peer_id
        self.pc = RTCPeerConnection(configuration(None))
        self.slots = add_client_transceivers(self.pc, None, 0, video=True, pinned_slots=1)
        self.bytes = 0
        self.frames: list[float] = []  # decoded frame times
        self.decoded = asyncio.Event()
        self.ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        receiver = self.slots.pinned[0].receiver
        if not decode:
            self._count(receiver)

    def _count(self, receiver: RTCRtpReceiver) -> None:
        async def counted(packet: RtpPacket, arrival_time_ms: int) -> None:
            self.bytes += len(packet.payload)

        receiver._handle_rtp_packet = counted  # type: ignore[method-assign]

    def start_reading(self) -> None:
        track = self.slots.pinned[0].receiver.track

        async def read() -> None:
            try:
                while True:
                    await track.recv()
                    self.frames.append(time.monotonic())
                    self.decoded.set()
            except MediaStreamError:
                pass

        self._reader = asyncio.create_task(read())


class VideoClients:
    """One worker's publisher or viewers."""

    def __init__(self) -> None:
        self.publishers: list[tuple[RTCPeerConnection, ClipTrack]] = []
        self.viewers: list[Viewer] = []

    async def publish(self, url: str, peer_id: str) -> int:
        clip = await asyncio.get_running_loop().run_in_executor(None, encode_clip)
        track = ClipTrack(clip)
        pc = RTCPeerConnection(configuration(None))
        slots = add_client_transceivers(pc, None, 0, video=True, camera=track, pinned_slots=1)
        assert slots.camera is not None
        on_keyframe_request(slots.camera.sender, track.restart)
        async with connect(url, max_size=2**22) as ws:
            await _negotiate(pc, ws, {"peer": peer_id, "role": "publisher"})
        await _connected(pc)
        self.publishers.append((pc, track))
        return len(clip)

    async def watch(self, url: str, peer_ids: list[str], source: str, decode: bool = False) -> int:
        gate = asyncio.Semaphore(8)

        async def one(peer_id: str) -> None:
            async with gate:
                viewer = Viewer(peer_id, decode)
                viewer.ws = await connect(url, max_size=2**22, ping_interval=None)
                await _negotiate(
                    viewer.pc,
                    viewer.ws,
                    {"peer": peer_id, "role": "viewer", "source": None if decode else source},
                )
                await _connected(viewer.pc)
                if decode:
                    viewer.start_reading()
                self.viewers.append(viewer)

        await asyncio.gather(*(one(p) for p in peer_ids))
        return len(self.viewers)

    async def reset(self) -> None:
        for viewer in self.viewers:
            viewer.bytes = 0

    async def received(self) -> list[int]:
        return [viewer.bytes for viewer in self.viewers]

    async def first_frames(self, source: str, rounds: int) -> list[float]:
        """Subscribe each decoding viewer to ``source`` in turn; ms until its first decoded frame."""
        samples: list[float] = []
        for _ in range(rounds):
            for viewer in self.viewers:
                assert viewer.ws is not None
                await asyncio.sleep(0.4)  # apart, so keyframe requests are not merged
                viewer.frames.clear()
                viewer.decoded.clear()
                t0 = time.monotonic()
                await viewer.ws.send(
                    json.dumps({"op": "subscribe", "peer": viewer.peer_id, "source": source})
                )
                await viewer.ws.recv()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(viewer.decoded.wait(), 5)
                if viewer.frames:
                    samples.append((viewer.frames[0] - t0) * 1000)
                await viewer.ws.send(
                    json.dumps({"op": "subscribe", "peer": viewer.peer_id, "source": None})
                )
                await viewer.ws.recv()
        return samples

    async def keyframe_restarts(self) -> int:
        return sum(track.restarts for _, track in self.publishers)

    async def drop(self) -> None:
        await self.close()
        self.publishers, self.viewers = [], []

    async def close(self) -> None:
        for viewer in self.viewers:
            if viewer._reader is not None:
                viewer._reader.cancel()
            if viewer.ws is not None:
                await viewer.ws.close()
        pcs = [v.pc for v in self.viewers] + [pc for pc, _ in self.publishers]
        await asyncio.gather(
            *(asyncio.wait_for(pc.close(), 5) for pc in pcs), return_exceptions=True
        )

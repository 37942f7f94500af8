"""The video server under test, as a process of its own: ``python -m benchmarks.videoserver``.

``--mode forward`` is the product: a :class:`rooms.media.router.MediaRouter` with its
default video path (rooms.media.video_send); a viewer's pinned video slot shows the
publisher's camera (``set_pinned``), forwarded encoded. ``--mode queued`` is the same router
with ``video_fast_send=False``: aiortc's ``RTCRtpSender`` loop per viewer slot.
``--mode relay`` is the naive baseline: aiortc decodes the publisher's VP8 and each
viewer's sender gets a ``MediaRelay`` subscription, so every viewer re-encodes VP8.

JSON over a websocket (benchmarks only):

- ``{"op": "offer", "peer", "sdp", "role": "publisher"|"viewer", "source"}`` → ``{"op": "answer"}``;
  a relay viewer is subscribed at once, a forward viewer on ``subscribe``
- ``{"op": "subscribe", "peer", "source"}`` (``source`` null: unsubscribe) → ``{"op": "subscribed"}``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
from typing import Any

from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from websockets.asyncio.server import ServerConnection, serve

from rooms.media import ice, slots
from rooms.media.router import MediaRouter


class ForwardServer:
    def __init__(self, video_fast_send: bool = True) -> None:
        self.router = MediaRouter(loopback=True, video_fast_send=video_fast_send)

    async def offer(self, message: dict[str, Any]) -> dict[str, Any]:
        peer = message["peer"]
        answer = await self.router.negotiate(peer, message["sdp"])
        if message["role"] == "publisher":
            self.router.set_camera(peer, True)
        elif message.get("source"):
            self.router.set_pinned(peer, [message["source"]])
        return {"op": "answer", "sdp": answer}

    async def subscribe(self, message: dict[str, Any]) -> dict[str, Any]:
        self.router.set_pinned(message["peer"], [message["source"]])
        return {"op": "subscribed"}

    async def close(self) -> None:
        await self.router.aclose()


class RelayServer:
    """Decode once in aiortc's receiver, re-encode per viewer (MediaRelay)."""

    def __init__(self) -> None:
        self.relay = MediaRelay()
        self.sources: dict[str, MediaStreamTrack] = {}
        self.peers: list[RTCPeerConnection] = []
        self._drains: list[asyncio.Task[None]] = []

    async def offer(self, message: dict[str, Any]) -> dict[str, Any]:
        pc = RTCPeerConnection(ice.configuration(None))
        self.peers.append(pc)
        layout = slots.parse_layout(message["sdp"])
        assert layout.video is not None
        await pc.setRemoteDescription(RTCSessionDescription(sdp=message["sdp"], type="offer"))
        by_mid = {t.mid: t for t in pc.getTransceivers()}
        for transceiver in by_mid.values():
            if transceiver.mid not in (layout.video.camera_mid, *layout.video.pinned_mids):
                transceiver.direction = "inactive"
        if message["role"] == "publisher":
            track = by_mid[layout.video.camera_mid].receiver.track
            self.sources[message["peer"]] = track
            self._drains.append(asyncio.create_task(_drain(self.relay.subscribe(track))))
        else:
            pinned = by_mid[layout.video.pinned_mids[0]]
            pinned.direction = "sendonly"
            pinned.sender.replaceTrack(
                self.relay.subscribe(self.sources[message["source"]], buffered=False)
            )
        await ice.add_loopback_candidates(pc)
        await pc.setLocalDescription(await pc.createAnswer())
        return {"op": "answer", "sdp": pc.localDescription.sdp}

    async def subscribe(self, message: dict[str, Any]) -> dict[str, Any]:
        return {"op": "subscribed"}

    async def close(self) -> None:
        for task in self._drains:
            task.cancel()
        await asyncio.gather(*(pc.close() for pc in self.peers), return_exceptions=True)


async def _drain(track: MediaStreamTrack) -> None:
    with contextlib.suppress(MediaStreamError):
        while True:
            await track.recv()


async def main(mode: str, port: int) -> None:
    app: ForwardServer | RelayServer = (
        RelayServer() if mode == "relay" else ForwardServer(video_fast_send=mode == "forward")
    )

    async def handle(ws: ServerConnection) -> None:
        async for raw in ws:
            message = json.loads(raw)
            await ws.send(json.dumps(await getattr(app, message["op"])(message)))

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGINT, stop.set)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    async with serve(handle, "127.0.0.1", port, max_size=2**22, ping_interval=None):
        await stop.wait()
    await asyncio.wait_for(app.close(), 20)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=["forward", "queued", "relay"], default="forward")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    asyncio.run(main(args.mode, args.port))

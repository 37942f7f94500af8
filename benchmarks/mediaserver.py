"""The media server under test, as a process of its own: ``python -m benchmarks.mediaserver``.

``--mode forward`` is the product: a :class:`rooms.media.router.MediaRouter` with loopback
candidates; listeners hear an interpreter on their channel slot (``set_channel``).
``--mode relay`` is the naive baseline: aiortc decodes the interpreter's audio and each
listener's sender gets a ``MediaRelay`` subscription, so every listener re-encodes Opus.

Clients talk to it over a small JSON websocket protocol (benchmarks only; the product's
signalling has no message for choosing a channel yet):

- ``{"op": "offer", "peer", "sdp", "role": "publisher"|"listener"|"renegotiator", "source"}``
  → ``{"op": "answer", "sdp"}``
- ``{"op": "switch", "peer", "source"}`` → ``{"op": "switched", "first_ordinal", ...}`` once
  the new source's first packet has left (``ForwardingTrack.on_switch``)
- ``{"op": "renegotiate", "peer", "sdp", "source"}`` (baseline switch) → ``{"op": "answer"}``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
from typing import Any

from aiortc import RTCPeerConnection, RTCRtpTransceiver, RTCSessionDescription
from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from websockets.asyncio.server import ServerConnection, serve

from rooms.media import ice, slots
from rooms.media.forwarding import ForwardingTrack, SourceSwitch
from rooms.media.router import MediaRouter


class ForwardServer:
    """The product path, plus renegotiating peers for the switch baseline."""

    def __init__(self, fast_send: bool = True) -> None:
        self.router = MediaRouter(loopback=True, fast_send=fast_send)
        self._renegotiators: dict[str, tuple[RTCPeerConnection, RTCRtpTransceiver]] = {}

    async def offer(self, ws: ServerConnection, message: dict[str, Any]) -> dict[str, Any]:
        peer = message["peer"]
        if message["role"] == "renegotiator":
            return await self._renegotiator_offer(peer, message)
        answer = await self.router.negotiate(peer, message["sdp"])
        if message["role"] == "listener":
            self.router.set_channel(peer, message["source"])
        return {"op": "answer", "sdp": answer}

    async def switch(self, ws: ServerConnection, message: dict[str, Any]) -> dict[str, Any] | None:
        peer = message["peer"]
        track = self.router.channel_track(peer)
        loop = asyncio.get_running_loop()

        def switched(change: SourceSwitch) -> None:
            reply = {
                "op": "switched",
                "peer": peer,
                "source": change.source_id,
                "first_ordinal": change.first_ordinal,
                "server_ms": (
                    None
                    if change.first_sent_at is None
                    else (change.first_sent_at - change.requested_at) * 1000
                ),
            }
            loop.create_task(ws.send(json.dumps(reply)))
            track.on_switch = None

        track.on_switch = switched
        self.router.set_channel(peer, message["source"])
        return None

    async def _renegotiator_offer(self, peer: str, message: dict[str, Any]) -> dict[str, Any]:
        # A plain peer whose channel sender gets a fresh track on every renegotiation.
        pc = RTCPeerConnection(ice.configuration(None))
        layout = slots.parse_layout(message["sdp"])
        await pc.setRemoteDescription(RTCSessionDescription(sdp=message["sdp"], type="offer"))
        by_mid = {t.mid: t for t in pc.getTransceivers()}
        channel = by_mid[layout.channel_mid]
        channel.direction = "sendonly"
        for mid in (layout.mic_mid, *layout.floor_mids):
            by_mid[mid].direction = "inactive"
        channel.sender.replaceTrack(self._fed_by(message["source"]))
        await ice.add_loopback_candidates(pc)
        await pc.setLocalDescription(await pc.createAnswer())
        self._renegotiators[peer] = (pc, channel)
        return {"op": "answer", "sdp": pc.localDescription.sdp}

    async def renegotiate(self, ws: ServerConnection, message: dict[str, Any]) -> dict[str, Any]:
        pc, channel = self._renegotiators[message["peer"]]
        await pc.setRemoteDescription(RTCSessionDescription(sdp=message["sdp"], type="offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        # The new source only flows once the new description is in place.
        old = channel.sender.track
        channel.sender.replaceTrack(self._fed_by(message["source"]))
        if isinstance(old, ForwardingTrack):
            # The sender still awaits one packet from the old track (stopping it would end
            # the sender's loop), so unsubscribe it only once that packet has gone.
            asyncio.get_running_loop().call_later(0.2, old.switch, None)
        return {"op": "answer", "sdp": pc.localDescription.sdp}

    def _fed_by(self, source: str) -> ForwardingTrack:
        track = ForwardingTrack()
        track.switch(self.router.publisher(source))
        return track

    async def info(self, ws: ServerConnection, message: dict[str, Any]) -> dict[str, Any]:
        return {"op": "info"}

    async def close(self) -> None:
        await self.router.aclose()
        for pc, _ in self._renegotiators.values():
            await pc.close()


class RelayServer:
    """The baseline: decode once in aiortc's receiver, re-encode per listener (MediaRelay)."""

    def __init__(self) -> None:
        self.relay = MediaRelay()
        self.sources: dict[str, MediaStreamTrack] = {}
        self.peers: list[RTCPeerConnection] = []
        self._drains: list[asyncio.Task[None]] = []

    async def offer(self, ws: ServerConnection, message: dict[str, Any]) -> dict[str, Any]:
        pc = RTCPeerConnection(ice.configuration(None))
        self.peers.append(pc)
        layout = slots.parse_layout(message["sdp"])
        await pc.setRemoteDescription(RTCSessionDescription(sdp=message["sdp"], type="offer"))
        by_mid = {t.mid: t for t in pc.getTransceivers()}
        if message["role"] == "publisher":
            track = by_mid[layout.mic_mid].receiver.track
            self.sources[message["peer"]] = track
            # Read the source from the start (an unread aiortc track grows without bound).
            self._drains.append(asyncio.create_task(_drain(self.relay.subscribe(track))))
            for mid in (*layout.floor_mids, layout.channel_mid):
                by_mid[mid].direction = "inactive"
        else:
            channel = by_mid[layout.channel_mid]
            channel.direction = "sendonly"
            channel.sender.replaceTrack(
                self.relay.subscribe(self.sources[message["source"]], buffered=False)
            )
            for mid in (layout.mic_mid, *layout.floor_mids):
                by_mid[mid].direction = "inactive"
        await ice.add_loopback_candidates(pc)
        await pc.setLocalDescription(await pc.createAnswer())
        return {"op": "answer", "sdp": pc.localDescription.sdp}

    async def info(self, ws: ServerConnection, message: dict[str, Any]) -> dict[str, Any]:
        return {"op": "info"}

    async def close(self) -> None:
        for task in self._drains:
            task.cancel()
        await asyncio.gather(*(pc.close() for pc in self.peers), return_exceptions=True)


async def _drain(track: MediaStreamTrack) -> None:
    with contextlib.suppress(MediaStreamError):
        while True:
            await track.recv()


async def main(mode: str, port: int, fast_send: bool = True) -> None:
    app: ForwardServer | RelayServer = (
        ForwardServer(fast_send) if mode == "forward" else RelayServer()
    )

    async def handle(ws: ServerConnection) -> None:
        async for raw in ws:
            message = json.loads(raw)
            reply = await getattr(app, message["op"])(ws, message)
            if reply is not None:
                await ws.send(json.dumps(reply))

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGINT, stop.set)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    async with serve(handle, "127.0.0.1", port, max_size=2**22, ping_interval=None):
        await stop.wait()
    await asyncio.wait_for(app.close(), 20)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=["forward", "relay"], default="forward")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument(
        "--fast-send",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="forward mode: listeners sent by rooms.media.fast_send (the product default); "
        "--no-fast-send: aiortc's RTCRtpSender loop per listener",
    )
    args = parser.parse_args()
    asyncio.run(main(args.mode, args.port, args.fast_send))

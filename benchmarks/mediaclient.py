"""Light aiortc clients for the media benchmarks, run in worker processes (see procs.Workers).

Publishers send marker packets: Opus-sized payloads that carry the publisher's index, a
counter and the send time (``time.monotonic_ns``, one clock for every process on the
machine). The server forwards payloads untouched, so a listener reads the send time back.
Listeners never decode: the channel receiver's ``_handle_rtp_packet`` is replaced by a
counter (as ``rooms.client`` does for its byte counts), so no jitter buffer or decoder runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import json
import random
import struct
import time
from dataclasses import dataclass, field
from typing import Any

import av
from aiortc import RTCPeerConnection, RTCRtpReceiver, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack
from aiortc.rtp import RtpPacket
from websockets.asyncio.client import ClientConnection, connect

from rooms.media.ice import add_loopback_candidates, configuration
from rooms.media.slots import add_client_transceivers
from rooms.media.tones import ToneTrack

MAGIC = b"BNCH"
MARK = struct.Struct("!BIQ")  # publisher index, counter, send time (ns)
PAYLOAD_BYTES = 80  # about 32 kbit/s of 20 ms Opus frames
FRAME_NS = 20_000_000
TIME_BASE = fractions.Fraction(1, 48_000)
CONNECT_TIMEOUT = 30.0


class MarkerTrack(MediaStreamTrack):
    """Encoded 20 ms packets on the wall clock, each carrying its own send time."""

    kind = "audio"

    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index
        self.counter = 0
        self.sent: list[int] = []  # send times, ns
        self._start: int | None = None

    async def recv(self) -> av.Packet:
        now = time.monotonic_ns()
        if self._start is None:
            self._start = now
        due = self._start + self.counter * FRAME_NS
        if due > now:
            await asyncio.sleep((due - now) / 1e9)
        sent_at = time.monotonic_ns()
        # 0xFC: an Opus TOC byte (CELT, fullband, 20 ms); the rest is ours.
        body = b"\xfc" + MAGIC + MARK.pack(self.index, self.counter, sent_at)
        packet = av.Packet(body.ljust(PAYLOAD_BYTES, b"\0"))
        packet.pts = self.counter * 960
        packet.time_base = TIME_BASE
        self.counter += 1
        self.sent.append(sent_at)
        return packet


@dataclass
class Arrival:
    seq: int
    at: int  # ns
    publisher: int | None = None
    counter: int | None = None
    sent_at: int | None = None


@dataclass
class Listener:
    peer_id: str
    pc: RTCPeerConnection
    ws: ClientConnection | None = None
    arrivals: list[Arrival] = field(default_factory=list)
    first_seq: int | None = None


def hook_receiver(receiver: RTCRtpReceiver, listener: Listener) -> None:
    """Record each RTP packet's arrival without handing it to the jitter buffer or decoder."""

    async def counted(packet: RtpPacket, arrival_time_ms: int) -> None:
        at = time.monotonic_ns()
        if listener.first_seq is None:
            listener.first_seq = packet.sequence_number
        payload = packet.payload
        arrival = Arrival(packet.sequence_number, at)
        if payload[1:5] == MAGIC:
            arrival.publisher, arrival.counter, arrival.sent_at = MARK.unpack_from(payload, 5)
        listener.arrivals.append(arrival)

    receiver._handle_rtp_packet = counted  # type: ignore[method-assign]


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


class MediaClients:
    """One worker's publishers and listeners."""

    def __init__(self) -> None:
        self.publishers: list[tuple[RTCPeerConnection, MediaStreamTrack]] = []
        self.listeners: list[Listener] = []
        self.sockets: list[ClientConnection] = []
        self.room_clients: list[Any] = []  # rooms.client.RoomClient, for join_room

    async def publish(self, url: str, peer_id: str, index: int, marker: bool = True) -> None:
        pc = RTCPeerConnection(configuration(None))
        track: MediaStreamTrack = MarkerTrack(index) if marker else ToneTrack(440)
        add_client_transceivers(pc, track, 0)
        async with connect(url, max_size=2**22) as ws:
            await _negotiate(pc, ws, {"peer": peer_id, "role": "publisher"})
        await _connected(pc)
        self.publishers.append((pc, track))

    async def listen(
        self, url: str, peer_ids: list[str], source: str, role: str = "listener", keep: bool = False
    ) -> int:
        """Connect listeners to ``source``'s channel, a few at a time; returns how many."""
        gate = asyncio.Semaphore(8)

        async def one(peer_id: str) -> None:
            async with gate:
                pc = RTCPeerConnection(configuration(None))
                layout = add_client_transceivers(pc, None, 0)
                listener = Listener(peer_id, pc)
                hook_receiver(layout.channel.receiver, listener)
                ws = await connect(url, max_size=2**22, ping_interval=None)
                await _negotiate(pc, ws, {"peer": peer_id, "role": role, "source": source})
                if keep:
                    listener.ws = ws
                    self.sockets.append(ws)
                else:
                    await ws.close()
                await _connected(pc)
                self.listeners.append(listener)

        await asyncio.gather(*(one(p) for p in peer_ids))
        return len(self.listeners)

    async def reset(self) -> None:
        for listener in self.listeners:
            listener.arrivals = []

    async def sent(self, t0: int, t1: int) -> list[int]:
        """Per publisher: marker packets sent with a send time in [t0, t1]."""
        counts = []
        for _, track in self.publishers:
            sent = track.sent if isinstance(track, MarkerTrack) else []
            counts.append(sum(1 for at in sent if t0 <= at <= t1))
            if isinstance(track, MarkerTrack):
                track.sent = [at for at in sent if at > t1]
        return counts

    async def collect(self, t0: int, t1: int) -> dict[str, Any]:
        """Packets each listener got that were sent (marker) or arrived (no marker) in [t0, t1]."""
        received: list[int] = []
        latencies: list[float] = []
        for listener in self.listeners:
            counters = set()
            count = 0
            for a in listener.arrivals:
                if a.sent_at is not None:
                    if t0 <= a.sent_at <= t1 and a.counter not in counters:
                        counters.add(a.counter)
                        latencies.append((a.at - a.sent_at) / 1e6)
                elif t0 <= a.at <= t1:
                    count += 1
            received.append(len(counters) or count)
            listener.arrivals = []
        return {"received": received, "latencies_ms": latencies}

    async def switches(self, sources: list[str], count: int, renegotiate: bool) -> dict[str, Any]:
        """Each kept listener switches between ``sources`` ``count`` times, one at a time."""
        results = await asyncio.gather(
            *(self._switch_loop(li, sources, count, renegotiate) for li in self.listeners)
        )
        latencies = [ms for each in results for ms in each["ms"]]
        return {
            "ms": latencies,
            "mismatched": sum(each["mismatched"] for each in results),
            "timeouts": sum(each["timeouts"] for each in results),
            "server_ms": [ms for each in results for ms in each["server_ms"]],
        }

    async def _switch_loop(
        self, listener: Listener, sources: list[str], count: int, renegotiate: bool
    ) -> dict[str, Any]:
        assert listener.ws is not None
        rng = random.Random(listener.peer_id)
        ms: list[float] = []
        server_ms: list[float] = []
        mismatched = timeouts = 0
        current = 0
        for _ in range(count):
            await asyncio.sleep(rng.uniform(0.12, 0.25))
            target = (current + 1) % len(sources)
            t0 = time.monotonic_ns()
            if renegotiate:
                pc = listener.pc
                await pc.setLocalDescription(await pc.createOffer())
                await listener.ws.send(
                    json.dumps(
                        {
                            "op": "renegotiate",
                            "peer": listener.peer_id,
                            "sdp": pc.localDescription.sdp,
                            "source": sources[target],
                        }
                    )
                )
                answer = json.loads(await listener.ws.recv())
                await pc.setRemoteDescription(
                    RTCSessionDescription(sdp=answer["sdp"], type="answer")
                )
                first = await _first_from(listener, target, t0)
            else:
                await listener.ws.send(
                    json.dumps(
                        {"op": "switch", "peer": listener.peer_id, "source": sources[target]}
                    )
                )
                reply = json.loads(await listener.ws.recv())
                if reply.get("server_ms") is not None:
                    server_ms.append(reply["server_ms"])
                assert listener.first_seq is not None
                seq = (listener.first_seq + reply["first_ordinal"]) % 65536
                first = await _by_seq(listener, seq, t0)
                if first is not None and first.publisher != target:
                    mismatched += 1
            current = target
            if first is None:
                timeouts += 1
                continue
            ms.append((first.at - t0) / 1e6)
            # Keep the records short: only this switch's packets matter.
            listener.arrivals = listener.arrivals[-10:]
        return {"ms": ms, "server_ms": server_ms, "mismatched": mismatched, "timeouts": timeouts}

    async def join_room(self, site: str, session_id: int, tokens: list[str]) -> int:
        """Seat a listener per token in the session's room of the real app (its signalling).

        Each offers one floor slot and the channel slot and only counts packets, like the
        fan-out's listeners; returns how many this worker holds.
        """
        from rooms.client import RoomClient, connect_info  # the app's client, for its websocket

        info = await connect_info(site, session_id, tokens[0])
        gate = asyncio.Semaphore(8)

        async def one(token: str) -> None:
            async with gate:
                client = RoomClient(info["ws_url"], token=token)
                await client.connect()
                await client.join(info["room_id"])
                pc = RTCPeerConnection(configuration(None))
                layout = add_client_transceivers(pc, None, 1)
                listener = Listener(client.seat_id, pc)
                hook_receiver(layout.floor[0].receiver, listener)
                hook_receiver(layout.channel.receiver, listener)
                await add_loopback_candidates(pc)
                await pc.setLocalDescription(await pc.createOffer())
                await client.send("offer", sdp=pc.localDescription.sdp)
                answer = await client.expect("answer")
                await pc.setRemoteDescription(
                    RTCSessionDescription(sdp=answer["sdp"], type="answer")
                )
                await _connected(pc)
                self.listeners.append(listener)
                self.room_clients.append(client)

        await asyncio.gather(*(one(t) for t in tokens))
        return len(self.listeners)

    async def received(self) -> list[int]:
        """Packets each listener has received so far (their records are then cleared)."""
        counts = [len(listener.arrivals) for listener in self.listeners]
        for listener in self.listeners:
            listener.arrivals = []
        return counts

    async def drop(self) -> None:
        """Close every peer and socket, keeping the process for the next server."""
        await self.close()
        self.publishers, self.listeners, self.sockets = [], [], []

    async def close(self) -> None:
        for client in self.room_clients:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.close(), 2)
        self.room_clients = []
        for ws in self.sockets:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), 2)
        pcs = [li.pc for li in self.listeners] + [pc for pc, _ in self.publishers]
        await asyncio.gather(
            *(asyncio.wait_for(pc.close(), 5) for pc in pcs), return_exceptions=True
        )


async def _by_seq(listener: Listener, seq: int, since: int, within: float = 2.0) -> Arrival | None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        for a in reversed(listener.arrivals):
            if a.seq == seq and a.at >= since:
                return a
        await asyncio.sleep(0.002)
    return None


async def _first_from(
    listener: Listener, publisher: int, since: int, within: float = 3.0
) -> Arrival | None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        for a in listener.arrivals:
            if a.at >= since and a.publisher == publisher:
                return a
        await asyncio.sleep(0.002)
    return None

"""A headless participant: signalling over websockets, audio (and video) through aiortc.

It follows the slot convention like a browser (microphone first, floor slots,
channel slot last), can publish a tone, and measures what each slot receives.
With ``video=True`` it offers the video slots too, and with ``camera=(r, g, b)``
films that colour (rooms.media.colours), with ``screen=(r, g, b)`` shares a screen
of that colour, with ``pinned_slots=1`` offers a pinned video slot (``pinned-0``: a
chosen sign language's signer); :meth:`RoomClient.wait_for_colour` waits until a video
slot decodes a picture of a colour.
Tests, benchmarks and load tests build on it::

    async with RoomClient(ws_url, token=token, tone=440) as client:
        await client.join(room_id)
        await client.start_media()
        await client.wait_for_tone(440)
        print(client.report())

From a shell (a token from ``python -m rooms.client token``, which needs the
server's secret key, or from ``POST /rooms/token`` in a signed-in session)::

    python -m rooms.client join --site http://127.0.0.1:8000 --session 2 --token T --tone 440
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
import urllib.request
from collections import deque
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import quote

from aiortc import RTCIceServer, RTCPeerConnection, RTCRtpReceiver, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.rtp import RtpPacket
from av import AudioFrame, VideoFrame
from websockets.asyncio.client import ClientConnection, connect

from rooms.media.colours import ColourTrack, average_colour
from rooms.media.ice import add_loopback_candidates, configuration
from rooms.media.slots import RECOMMENDED_FLOOR_SLOTS, ClientSlots, add_client_transceivers
from rooms.media.tones import ToneTrack, dominant_frequency

__all__ = ["ClientError", "RoomClient", "SlotReport", "connect_info"]

PROTOCOL_VERSION = 1
TIMEOUT = 10.0
KEEP_SECONDS = 2.0  # decoded audio kept per slot for frequency estimates


class ClientError(Exception):
    """The server refused something, or did not answer in time."""


@dataclass
class SlotReport:
    slot: str  # "floor-0"..., "channel"
    frequency: float | None  # dominant frequency of the last half second, Hz
    packets: int
    bytes: int


@dataclass
class _Slot:
    name: str
    receiver: RTCRtpReceiver
    frames: deque[tuple[float, AudioFrame]] = field(default_factory=lambda: deque(maxlen=150))
    packets: int = 0
    bytes: int = 0


class RoomClient:
    """One participant: a websocket seat and, after :meth:`start_media`, one peer connection."""

    def __init__(
        self,
        ws_url: str,
        *,
        token: str | None = None,
        cookie: str | None = None,
        origin: str | None = None,
        tone: float | None = None,
        mic: MediaStreamTrack | None = None,
        floor_slots: int = RECOMMENDED_FLOOR_SLOTS,
        ice_servers: list[RTCIceServer] | None = None,
        loopback: bool = True,
        video: bool = False,
        camera: tuple[int, int, int] | None = None,
        screen: tuple[int, int, int] | None = None,
        pinned_slots: int = 0,
    ) -> None:
        # A node's websocket URL already names the session (``/ws?session=<id>``).
        joiner = "&" if "?" in ws_url else "?"
        self.url = f"{ws_url}{joiner}token={quote(token)}" if token else ws_url
        self.headers: dict[str, str] = {}
        if cookie:
            # A browser session: the cookie only counts with the site's own Origin.
            self.headers["Cookie"] = cookie
            self.headers["Origin"] = origin or _origin_of(ws_url)
        self.tone = tone
        self.mic = mic  # a track of one's own (rooms.media.wavtrack.WavTrack); else the tone
        self.floor_slots = floor_slots
        self.ice_servers = ice_servers
        self.loopback = loopback
        self.video = video or camera is not None or screen is not None or pinned_slots > 0
        self.pinned_slots = pinned_slots
        self.camera = ColourTrack(camera) if camera is not None else None
        self.screen = (
            ColourTrack(screen, width=640, height=360, fps=5) if screen is not None else None
        )
        self.pictures: dict[str, deque[tuple[float, tuple[int, int, int]]]] = {}
        """Per video slot (``floor-video-0``..., ``share``): (time, average colour) per frame."""
        self.welcome: dict[str, Any] = {}
        self.snapshot: dict[str, Any] = {}
        self.seen: list[dict[str, Any]] = []  # every server message, in order
        self.pc: RTCPeerConnection | None = None
        self.slots: list[_Slot] = []
        self._ws: ClientConnection | None = None
        self._inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._backlog: list[dict[str, Any]] = []
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def seat_id(self) -> str:
        return str(self.welcome.get("seat_id", ""))

    # Signalling.

    async def connect(self, resume_token: str | None = None) -> dict[str, Any]:
        """Open the websocket and say hello; returns the welcome.

        A connect token opens one connection: to reconnect (and resume with the welcome's
        ``resume_token``), make a client with a fresh token.
        """
        try:
            self._ws = await connect(
                self.url, additional_headers=self.headers, open_timeout=TIMEOUT
            )
        except Exception as exc:  # InvalidStatus (403), refused connections...
            raise ClientError(f"could not connect to {self.url.split('?')[0]}: {exc}") from exc
        self._tasks.append(asyncio.create_task(self._read(self._ws)))
        hello: dict[str, Any] = {"protocol": PROTOCOL_VERSION}
        if resume_token:
            hello["resume_token"] = resume_token
        await self.send("hello", **hello)
        self.welcome = await self.expect("welcome")
        return self.welcome

    async def send(self, type: str, **fields: Any) -> None:
        if self._ws is None:
            raise ClientError("not connected")
        await self._ws.send(json.dumps({"type": type, **fields}))

    async def expect(self, type: str, within: float = TIMEOUT) -> dict[str, Any]:
        """The next message of ``type``; an error about the last request raises ClientError."""
        for i, message in enumerate(self._backlog):
            if message["type"] == type:
                return self._backlog.pop(i)
        deadline = asyncio.get_running_loop().time() + within
        while True:
            left = deadline - asyncio.get_running_loop().time()
            try:
                message = await asyncio.wait_for(self._inbox.get(), max(left, 0.0))
            except TimeoutError:
                raise ClientError(f"no {type} within {within} s") from None
            if message["type"] == type:
                return message
            if message["type"] == "error" and type != "error":
                raise ClientError(f"{message['code']}: {message['message']}")
            self._backlog.append(message)

    async def join(self, room_id: str) -> dict[str, Any]:
        await self.send("join", room_id=room_id)
        self.snapshot = await self.expect("room_snapshot")
        return self.snapshot

    async def _read(self, ws: ClientConnection) -> None:
        with contextlib.suppress(Exception):
            async for raw in ws:
                message = json.loads(raw)
                if message.get("type") == "ping":
                    await ws.send(json.dumps({"type": "pong", "nonce": message.get("nonce")}))
                    continue
                self.seen.append(message)
                await self._inbox.put(message)

    # Media.

    async def start_media(self) -> None:
        """Offer the slot layout, apply the answer, and wait until the connection is up."""
        self.pc = pc = RTCPeerConnection(configuration(self.ice_servers))
        mic = self.mic or (ToneTrack(self.tone) if self.tone is not None else None)
        layout = add_client_transceivers(
            pc, mic, self.floor_slots, video=self.video, camera=self.camera, screen=self.screen,
            pinned_slots=self.pinned_slots,
        )  # fmt: skip
        if self.loopback:
            await add_loopback_candidates(pc)
        await pc.setLocalDescription(await pc.createOffer())
        await self.send("offer", sdp=pc.localDescription.sdp)
        answer = await self.expect("answer")
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))
        self._watch(layout)
        deadline = time.monotonic() + TIMEOUT
        while pc.connectionState != "connected":
            if pc.connectionState in ("failed", "closed") or time.monotonic() > deadline:
                raise ClientError(f"media connection {pc.connectionState}")
            await asyncio.sleep(0.02)

    def _watch(self, layout: ClientSlots) -> None:
        names = [f"floor-{i}" for i in range(len(layout.floor))] + ["channel"]
        receivers = [t.receiver for t in [*layout.floor, layout.channel]]
        for name, receiver in zip(names, receivers, strict=True):
            slot = _Slot(name, receiver)
            self.slots.append(slot)
            _count_rtp(slot)
            # Drain every track from the start: an unread aiortc track grows without bound.
            self._tasks.append(asyncio.create_task(self._drain(receiver.track, slot)))
        share = [] if layout.share is None else [layout.share]
        videos = [f"floor-video-{i}" for i in range(len(layout.floor_video))] + ["share"]
        videos += [f"pinned-{i}" for i in range(len(layout.pinned))]
        transceivers = [*layout.floor_video, *share, *layout.pinned]
        for name, transceiver in zip(videos, transceivers, strict=False):
            self.pictures[name] = deque(maxlen=300)
            self._tasks.append(
                asyncio.create_task(self._look(transceiver.receiver.track, self.pictures[name]))
            )

    @staticmethod
    async def _look(
        track: MediaStreamTrack, into: deque[tuple[float, tuple[int, int, int]]]
    ) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                if isinstance(frame, VideoFrame):
                    into.append((time.monotonic(), average_colour(frame)))

    async def wait_for_colour(
        self, rgb: tuple[int, int, int], within: float = TIMEOUT, since: float = 0.0,
        tolerance: int = 40,
    ) -> str:  # fmt: skip
        """Wait until a video slot decodes a picture of ``rgb`` (each channel within
        ``tolerance``) after ``since`` (time.monotonic); returns the slot's name."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            for name, pictures in self.pictures.items():
                for at, colour in list(pictures):
                    close = all(abs(a - b) <= tolerance for a, b in zip(colour, rgb, strict=True))
                    if at >= since and close:
                        return name
            await asyncio.sleep(0.05)
        last = {name: p[-1][1] for name, p in self.pictures.items() if p}
        raise ClientError(f"no video slot showed {rgb} within {within} s (last: {last})")

    @staticmethod
    async def _drain(track: MediaStreamTrack, slot: _Slot) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                if isinstance(frame, AudioFrame):
                    slot.frames.append((time.monotonic(), frame))

    def frequency(self, slot: int | str, seconds: float = 0.5) -> float | None:
        """Dominant frequency of a slot's recent audio (None: too little or silent)."""
        found = self._slot(slot)
        since = time.monotonic() - min(seconds, KEEP_SECONDS)
        recent = [frame for at, frame in found.frames if at >= since]
        if len(recent) < seconds * 50 * 0.5:
            return None
        return dominant_frequency(recent)

    def heard(self, seconds: float = 0.5) -> list[float]:
        """Dominant frequencies over all slots that carry sound."""
        found = (self.frequency(s.name, seconds) for s in self.slots)
        return [round(f, 1) for f in found if f is not None]

    async def wait_for_tone(self, hz: float, within: float = TIMEOUT, tolerance: float = 10) -> str:
        """Wait until some slot's audio peaks at ``hz``; returns the slot's name."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            for slot in self.slots:
                f = self.frequency(slot.name)
                if f is not None and abs(f - hz) < tolerance:
                    return slot.name
            await asyncio.sleep(0.05)
        raise ClientError(f"did not hear {hz} Hz within {within} s (heard {self.heard()})")

    def report(self) -> list[SlotReport]:
        return [SlotReport(s.name, self.frequency(s.name), s.packets, s.bytes) for s in self.slots]

    def _slot(self, slot: int | str) -> _Slot:
        if isinstance(slot, int):
            return self.slots[slot]
        for found in self.slots:
            if found.name == slot:
                return found
        raise KeyError(slot)

    # Lifetime.

    async def close(self) -> None:
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._ws.close(), 5)
        for track in (self.camera, self.screen):
            if track is not None:
                track.stop()
        if self.pc is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.pc.close(), 5)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    async def __aenter__(self) -> RoomClient:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


def _count_rtp(slot: _Slot) -> None:
    # aiortc keeps no byte count per receiver; wrap its packet handler (as the media tests do).
    receiver: Any = slot.receiver
    original = receiver._handle_rtp_packet

    async def counted(packet: RtpPacket, arrival_time_ms: int) -> None:
        slot.packets += 1
        slot.bytes += len(packet.payload)
        await original(packet, arrival_time_ms)

    receiver._handle_rtp_packet = counted


def _origin_of(ws_url: str) -> str:
    scheme, _, rest = ws_url.partition("://")
    return f"{'https' if scheme == 'wss' else 'http'}://{rest.split('/', 1)[0]}"


def _fetch_connect_info(site: str, session_id: int, token: str) -> dict[str, Any]:
    if not site.startswith(("http://", "https://")):
        raise ClientError(f"the site must be an http(s) URL, not {site!r}")
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        f"{site.rstrip('/')}/rooms/session/{session_id}/connect",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
        return dict(json.load(response))


async def connect_info(site: str, session_id: int, token: str) -> dict[str, Any]:
    """``GET /rooms/session/{id}/connect``: room id, websocket URL and ICE servers."""
    return await asyncio.to_thread(_fetch_connect_info, site, session_id, token)


# The command line.


def _mint_token(name: str, person: str, roles: Sequence[str]) -> str:
    # Operators only: it signs with the server's secret (CONFERENCE_SECRET_KEY or var/secret_key).
    from conference.settings import Settings
    from rooms.signalling import ConnectTokens, Identity

    settings = Settings.from_env()
    return ConnectTokens(settings.secret_key).issue(Identity.of(person, name, roles))


async def _join(args: argparse.Namespace) -> dict[str, Any]:
    info = await connect_info(args.site, args.session, args.token)
    ice = [RTCIceServer(**server) for server in info.get("ice_servers", [])]
    client = RoomClient(
        info["ws_url"], token=args.token, tone=args.tone, ice_servers=ice, loopback=args.loopback
    )
    async with client:
        await client.join(info["room_id"])
        await client.start_media()
        await asyncio.sleep(args.seconds)
        return {
            "seat_id": client.seat_id,
            "room_id": info["room_id"],
            "people": [p["display_name"] for p in client.snapshot.get("participants", [])],
            "slots": [asdict(r) for r in client.report()],
        }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m rooms.client", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    token = commands.add_parser(
        "token", help="mint a 5-minute connect token (needs the secret key)"
    )
    token.add_argument("--name", default="Headless client")
    token.add_argument("--person", default="headless-1", help="a stable id for this client")
    token.add_argument("--roles", default="participant", help="comma-separated")
    join = commands.add_parser("join", help="join a session's room, publish a tone, report")
    join.add_argument("--site", default="http://127.0.0.1:8000")
    join.add_argument("--session", type=int, required=True, help="programme session id")
    join.add_argument("--token", required=True)
    join.add_argument("--tone", type=float, default=None, help="publish a sine of this many Hz")
    join.add_argument("--seconds", type=float, default=10.0, help="how long to listen")
    join.add_argument(
        "--no-loopback", dest="loopback", action="store_false", help="skip the 127.0.0.1 candidate"
    )
    args = parser.parse_args(argv)
    if args.command == "token":
        print(_mint_token(args.name, args.person, [r for r in args.roles.split(",") if r]))
        return 0
    try:
        result = asyncio.run(_join(args))
    except ClientError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    json.dump(result, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())

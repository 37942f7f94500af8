"""rooms.media.video_send: video packetised once and sent to every viewer directly.

test_video.py runs its behaviour tests on both paths (aiortc's queued sender and this
one); these cover what only the direct path has: its pins, packets byte-identical to
aiortc's, frames bit-exact at a real aiortc viewer, NACKs answered from its history,
RTCP counters, and a viewer that falls behind.
"""

import asyncio
import errno
import fractions
import itertools
import os
import socket
import threading
import time
from collections.abc import AsyncIterator
from importlib.metadata import version

import aiortc.rtcrtpreceiver
import av
import numpy as np
import pytest
from aiortc import (
    RTCCertificate,
    RTCDtlsTransport,
    RTCIceGatherer,
    RTCIceTransport,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.codecs.h264 import H264Encoder
from aiortc.codecs.vpx import Vp8Encoder
from aiortc.mediastreams import MediaStreamTrack
from aiortc.rtcdtlstransport import State as DtlsState
from aiortc.rtcrtpparameters import (
    RTCRtcpFeedback,
    RTCRtpCodecParameters,
    RTCRtpHeaderExtensionParameters,
    RTCRtpSendParameters,
)
from aiortc.rtp import RTCP_RTPFB_NACK, HeaderExtensionsMap, RtcpRtpfbPacket, RtpPacket
from pylibsrtp import Policy, Session

from rooms.media import fast_send, video_send
from rooms.media.fast_send import ABS_SEND_TIME_URI, MID_URI, FastSendError
from rooms.media.ice import add_loopback_candidates, configuration
from rooms.media.router import MediaRouter
from rooms.media.sender_hook import on_keyframe_request
from rooms.media.slots import add_client_transceivers
from rooms.media.video import VideoForwardingTrack
from rooms.media.video_send import VideoSender, check_video_send

from .conftest import CLOSE_TIMEOUT, CONNECT_TIMEOUT, Client
from .test_video import vp8_frames

RED = (255, 0, 0)
PINNED = 1  # a viewer with no floor slots: video slots are the share slot, then the pinned slot
FLOOR_VIDEO_0 = 0
FPS = 30


@pytest.fixture
async def router() -> AsyncIterator[MediaRouter]:
    media = MediaRouter(loopback=True)  # the default: video sent by rooms.media.video_send
    yield media
    await asyncio.wait_for(media.aclose(), CLOSE_TIMEOUT)


# Pins.


@pytest.mark.unit
def test_the_installed_aiortc_and_aioice_are_the_pinned_ones():
    assert version("aiortc") == fast_send.PINNED_AIORTC_VERSION, (
        "rooms/media/video_send.py is pinned to aiortc 1.16.0: re-read rtcrtpsender.py "
        "(_run_rtp, _retransmit, _handle_rtcp_packet) and codecs/vpx.py, codecs/h264.py"
    )
    assert version("aioice") == fast_send.PINNED_AIOICE_VERSION
    check_video_send()


@pytest.mark.unit
def test_another_version_is_refused_and_the_router_will_not_start(monkeypatch):
    monkeypatch.setattr(fast_send, "version", lambda package: "9.9.9")
    with pytest.raises(FastSendError, match="pinned to aiortc 1.16.0"):
        check_video_send()
    with pytest.raises(FastSendError):
        MediaRouter()  # video fast send is the default: a mismatch fails at start
    MediaRouter(video_fast_send=False)


@pytest.mark.unit
def test_changed_aiortc_packetiser_is_refused(monkeypatch):
    fragments = ((Vp8Encoder._packetize, ("PACKET_MAX - len(descr_bytes) - 1",)),)
    monkeypatch.setattr(video_send, "_SOURCE_FRAGMENTS", fragments)
    video_send._check_sources.cache_clear()
    try:
        with pytest.raises(FastSendError, match="packetising"):
            check_video_send()
    finally:
        video_send._check_sources.cache_clear()


# Packets, byte for byte, on a sender whose socket is a list.


def bare_sender() -> RTCRtpSender:
    transport = RTCDtlsTransport(
        RTCIceTransport(RTCIceGatherer()), [RTCCertificate.generateCertificate()]
    )
    return RTCRtpSender("video", transport)


def video_parameters(mime: str = "video/VP8", *uris: str) -> RTCRtpSendParameters:
    payload_type = 96 if mime == "video/VP8" else 102
    return RTCRtpSendParameters(
        codecs=[
            RTCRtpCodecParameters(
                mimeType=mime,
                clockRate=90000,
                payloadType=payload_type,
                rtcpFeedback=[RTCRtcpFeedback(type="nack"), RTCRtcpFeedback("nack", "pli")],
            ),
            RTCRtpCodecParameters(
                mimeType="video/rtx",
                clockRate=90000,
                payloadType=payload_type + 1,
                parameters={"apt": payload_type},
            ),
        ],
        headerExtensions=[
            RTCRtpHeaderExtensionParameters(id=i, uri=uri) for i, uri in enumerate(uris, 1)
        ],
        muxId="7",
    )


class Socket:
    """The ICE pair's socket; it would block once, when ``blocks_at`` datagrams were sent."""

    def __init__(self, wire: "Wire") -> None:
        self.wire = wire
        self.blocks_at: int | None = None

    def sendto(self, data: bytes, addr: tuple[str, int]) -> None:
        if len(self.wire.sent) == self.blocks_at:
            self.blocks_at = None
            raise BlockingIOError
        self.wire.received(data)


class Wire:
    """Stands in for the ICE pair: keeps the packets sent, SRTP removed again."""

    def __init__(self) -> None:
        key = os.urandom(30)
        profile = Policy.SRTP_PROFILE_AES128_CM_SHA1_80
        self.tx = Session(Policy(key, Policy.SSRC_ANY_OUTBOUND, profile))
        self.rx = Session(Policy(key, Policy.SSRC_ANY_INBOUND, profile))
        self.sent: list[bytes] = []
        self.queued: list[bytes] = []
        """Datagrams asyncio would have queued (the socket would block)."""
        self.buffered = 0
        self.remote_addr = ("127.0.0.1", 9)
        self.protocol = self
        self.transport = self
        self._sock = Socket(self)

    def received(self, data: bytes) -> None:
        self.sent.append(self.rx.unprotect(bytes(data)))

    def sendto(self, data: bytes, addr: tuple[str, int]) -> None:
        assert isinstance(data, bytes)  # never the session's buffer, which the next packet reuses
        self.queued.append(data)
        self.received(data)

    def get_write_buffer_size(self) -> int:
        return self.buffered


def wired(mime: str = "video/VP8", *uris: str) -> tuple[VideoSender, VideoForwardingTrack, Wire]:
    sender = bare_sender()
    track = VideoForwardingTrack()
    video = video_send.attach(sender, track)
    assert video.configure(video_parameters(mime, *uris))
    wire = Wire()
    sender.transport._state = DtlsState.CONNECTED
    sender.transport._tx_srtp = wire.tx
    video._nominated = {1: wire}
    return video, track, wire


def frame_packet(data: bytes, pts: int, keyframe: bool = False) -> av.Packet:
    packet = av.Packet(data)
    packet.pts = pts
    packet.time_base = fractions.Fraction(1, 90_000)
    packet.is_keyframe = keyframe
    return packet


def aiortcs_packets(
    encoder, packet: av.Packet, video: VideoSender, first_sequence: int, timestamp: int, uris
) -> list[bytes]:
    """What aiortc's _run_rtp would send for ``packet`` with the same numbers."""
    extensions = HeaderExtensionsMap()
    assert video.parameters is not None
    extensions.configure(video.parameters)
    payloads, _ = encoder.pack(packet)
    out = []
    for i, payload in enumerate(payloads):
        rtp = RtpPacket(
            payload_type=video._payload_type,
            sequence_number=(first_sequence + i) & 0xFFFF,
            timestamp=timestamp,
        )
        rtp.ssrc = video._ssrc
        rtp.payload = payload
        rtp.marker = int(i == len(payloads) - 1)
        rtp.extensions.abs_send_time = 0x123456
        rtp.extensions.mid = "7"
        out.append(rtp.serialize(extensions))
    return out


@pytest.mark.parametrize("uris", [(MID_URI, ABS_SEND_TIME_URI), (ABS_SEND_TIME_URI, MID_URI), ()])
async def test_vp8_packets_are_byte_identical_to_aiortcs(uris, monkeypatch):
    monkeypatch.setattr(video_send.aiortc_clock, "current_ntp_time", lambda: 0x123456 << 14)
    video, track, wire = wired("video/VP8", *uris)
    encoder = Vp8Encoder()
    rng = np.random.default_rng(1)
    frames = [rng.bytes(size) for size in (3000, 40, 1296, 1297, 2600)]
    for number, data in enumerate(frames):
        start, sequence = len(wire.sent), video.sequence_number
        encoder.picture_id = video.picture_id
        packet = frame_packet(data, number * 3000, keyframe=number == 0)
        assert video("video/vp8", packet) == "sent"
        timestamp = (video.timestamp_origin + track._last_pts) & 0xFFFFFFFF
        expected = aiortcs_packets(encoder, packet, video, sequence, timestamp, uris)
        assert wire.sent[start:] == expected
    assert video.picture_id == encoder.picture_id
    assert video.sent == len(wire.sent) == 3 + 1 + 1 + 2 + 3
    sender = video.sender
    assert sender._RTCRtpSender__packet_count == video.sent
    payloads = [RtpPacket.parse(p, HeaderExtensionsMap()).payload for p in wire.sent]
    assert sender._RTCRtpSender__octet_count == sum(map(len, payloads))
    assert sender._RTCRtpSender__rtp_timestamp == RtpPacket.parse(wire.sent[-1]).timestamp
    assert sender.transport._RTCDtlsTransport__tx_packets == len(wire.sent)


async def test_h264_packets_are_byte_identical_to_aiortcs(monkeypatch):
    monkeypatch.setattr(video_send.aiortc_clock, "current_ntp_time", lambda: 0x123456 << 14)
    uris = (MID_URI, ABS_SEND_TIME_URI)
    video, track, wire = wired("video/H264", *uris)
    rng = np.random.default_rng(2)
    sps, pps, idr = b"\x67" + rng.bytes(12), b"\x68" + rng.bytes(4), b"\x65" + rng.bytes(3000)
    small = b"\x41" + rng.bytes(200)
    frames = [
        b"".join(b"\x00\x00\x00\x01" + nal for nal in (sps, pps, idr)),
        b"\x00\x00\x01" + small,
    ]
    for number, data in enumerate(frames):
        start, sequence = len(wire.sent), video.sequence_number
        packet = frame_packet(data, number * 3000, keyframe=number == 0)
        assert video("video/h264", packet) == "sent"
        timestamp = (video.timestamp_origin + track._last_pts) & 0xFFFFFFFF
        expected = aiortcs_packets(H264Encoder(), packet, video, sequence, timestamp, uris)
        assert wire.sent[start:] == expected


@pytest.mark.parametrize(
    ("mime", "encoder", "frames"),
    [
        ("video/VP8", Vp8Encoder, (3000, 40, 1296, 1297, 2600)),
        # SPS, PPS and an IDR in one STAP-A and FU-As; then a small frame; then a STAP-A that
        # is smaller than the FU-A after it (no segmentation: the last would be the longest).
        ("video/H264", H264Encoder, ((12, 4, 3000), (200,), (20, 4, 1290))),
    ],
    ids=["vp8", "h264"],
)
async def test_a_real_socket_receives_aiortcs_packets_one_datagram_each(
    mime, encoder, frames, monkeypatch
):
    # The frame leaves in one sendmsg with UDP segmentation where the sizes allow it; the
    # viewer still gets one datagram per RTP packet, byte for byte what aiortc would send.
    monkeypatch.setattr(video_send.aiortc_clock, "current_ntp_time", lambda: 0x123456 << 14)
    uris = (MID_URI, ABS_SEND_TIME_URI)
    video, track, wire = wired(mime, *uris)
    viewer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        viewer.bind(("127.0.0.1", 0))
        viewer.settimeout(5)
        server.setblocking(False)
        wire._sock = server
        wire.remote_addr = viewer.getsockname()
        rng = np.random.default_rng(3)
        coder = encoder()
        for number, sizes in enumerate(frames):
            if mime == "video/VP8":
                data = rng.bytes(sizes)
                coder.picture_id = video.picture_id
            else:
                nals = [bytes([0x67, 0x68, 0x65][i] if number != 1 else 0x41) + rng.bytes(n)
                        for i, n in enumerate(sizes)]  # fmt: skip
                data = b"".join(b"\x00\x00\x00\x01" + nal for nal in nals)
            sequence = video.sequence_number
            packet = frame_packet(data, number * 3000, keyframe=number == 0)
            assert video(mime.lower(), packet) == "sent"
            timestamp = (video.timestamp_origin + track._last_pts) & 0xFFFFFFFF
            expected = aiortcs_packets(coder, packet, video, sequence, timestamp, uris)
            received = [wire.rx.unprotect(viewer.recv(4096)) for _ in expected]
            assert received == expected
        viewer.setblocking(False)
        with pytest.raises(BlockingIOError):
            viewer.recv(4096)  # nothing more, nothing split
    finally:
        viewer.close()
        server.close()
    assert video.errors == 0


class RefusingSocket(Socket):
    """A kernel without UDP segmentation: sendmsg with UDP_SEGMENT fails."""

    def sendmsg(self, buffers, ancillary, flags, addr):
        raise OSError(errno.EIO, "segmentation offload refused")


async def test_a_kernel_refusing_segmentation_still_gets_the_frame_and_it_stays_off(monkeypatch):
    monkeypatch.setattr(video_send.aiortc_clock, "current_ntp_time", lambda: 0x123456 << 14)
    monkeypatch.setattr(video_send, "_gso", True)
    uris = (MID_URI, ABS_SEND_TIME_URI)
    video, track, wire = wired("video/VP8", *uris)
    wire._sock = RefusingSocket(wire)
    encoder = Vp8Encoder()
    for number in range(2):
        encoder.picture_id = video.picture_id
        start, sequence = len(wire.sent), video.sequence_number
        packet = frame_packet(bytes(3000), number * 3000, keyframe=number == 0)
        assert video("video/vp8", packet) == "sent"
        timestamp = (video.timestamp_origin + track._last_pts) & 0xFFFFFFFF
        assert wire.sent[start:] == aiortcs_packets(
            encoder, packet, video, sequence, timestamp, uris
        )
    assert video_send._gso is False  # refused once: one packet per sendto from then on
    assert len(wire.queued) == 3  # the refused frame went through asyncio; the next did not


async def test_a_frame_the_socket_takes_only_in_part_is_queued_behind_in_order():
    video, _, wire = wired("video/VP8", MID_URI)
    first = video.sequence_number
    # The socket refuses the second packet: asyncio's sendto queues it, and the third
    # must queue behind it even though the socket would take it again.
    wire._sock.blocks_at = 1
    assert video("video/vp8", frame_packet(b"\x10" * 3000, 0, True)) == "sent"
    numbers = [RtpPacket.parse(p).sequence_number for p in wire.sent]
    assert numbers == [first, (first + 1) & 0xFFFF, (first + 2) & 0xFFFF]
    assert len(wire.queued) == 2
    assert video.sent == 3 and video.sender.transport._RTCDtlsTransport__tx_packets == 3


async def test_a_nack_is_answered_from_the_history_in_rtx(monkeypatch):
    video, _, wire = wired("video/VP8", MID_URI, ABS_SEND_TIME_URI)
    first = video.sequence_number
    assert video("video/vp8", frame_packet(b"\x10" * 3000, 0, True)) == "sent"
    original = RtpPacket.parse(wire.sent[1], HeaderExtensionsMap())
    assert video.retransmit((first + 1) & 0xFFFF)
    rtx = RtpPacket.parse(wire.sent[-1])
    assert rtx.payload_type == 97 and rtx.ssrc == video.sender._rtx_ssrc
    assert rtx.timestamp == original.timestamp and rtx.marker == original.marker
    assert rtx.payload == (first + 1 & 0xFFFF).to_bytes(2, "big") + original.payload
    assert not video.retransmit((first + 7) & 0xFFFF)  # never sent
    assert video.retransmitted == 1


async def test_a_viewer_flooding_nacks_is_limited():
    video, _, wire = wired("video/VP8", MID_URI)
    first = video.sequence_number
    assert video("video/vp8", frame_packet(b"\x10" * 3000, 0, True)) == "sent"
    nack = RtcpRtpfbPacket(fmt=RTCP_RTPFB_NACK, ssrc=1, media_ssrc=video._ssrc)
    nack.lost = [first, (first + 1) & 0xFFFF, (first + 9) & 0xFFFF] * 100
    await video.sender._handle_rtcp_packet(nack)
    budget = video.nacks
    assert budget.asked == 300 and budget.unknown == 100
    assert budget.resent == video.retransmitted == video_send.NACK_BURST
    assert budget.limited == 200 - video_send.NACK_BURST
    assert len(wire.sent) == 3 + video_send.NACK_BURST


async def test_a_viewer_whose_socket_is_full_is_cut_to_the_next_keyframe():
    video, track, wire = wired()
    source = _Source()
    track._source, track._reading, track.mime = source, True, "video/vp8"
    track.on_frame(source, frame_packet(b"\x10" * 100, 0, True))
    wire.buffered = 1500
    track.on_frame(source, frame_packet(b"\x11" * 100, 3000))
    wire.buffered = 0
    track.on_frame(source, frame_packet(b"\x11" * 100, 6000))  # refers to the one missed
    track.on_frame(source, frame_packet(b"\x10" * 100, 9000, True))
    assert video.behind == 1 and track.dropped == 1
    assert source.requests == 1
    assert [RtpPacket.parse(p).payload[4:5] for p in wire.sent] == [b"\x10", b"\x10"]
    timestamps = [RtpPacket.parse(p).timestamp for p in wire.sent]
    assert (timestamps[1] - timestamps[0]) % (1 << 32) == 9000


class _Source:
    """The fanout side of a track, as far as on_frame needs it."""

    mime = "video/vp8"

    def __init__(self) -> None:
        self.requests = 0

    def request_keyframe(self) -> None:
        self.requests += 1

    def unsubscribe(self, sink) -> None:
        pass


# Real aiortc peers through the router.


def encode_clip(
    frames: int = 45, width: int = 320, height: int = 240, codec_name: str = "libvpx"
) -> list[bytes]:
    """Noise encoded once (VP8, or H.264 with libx264): frame 0 a keyframe, most frames
    over one packet."""
    codec = av.CodecContext.create(codec_name, "w")
    codec.width, codec.height, codec.pix_fmt = width, height, "yuv420p"
    codec.bit_rate = 1_000_000
    codec.framerate = fractions.Fraction(FPS, 1)
    codec.time_base = fractions.Fraction(1, FPS)
    if codec_name == "libx264":
        codec.options = {"tune": "zerolatency", "preset": "ultrafast"}
        codec.profile = "Baseline"
    else:
        codec.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
    rng = np.random.default_rng(3)
    out: list[bytes] = []
    for i in range(frames):
        picture = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
        frame = av.VideoFrame.from_ndarray(picture, format="rgb24").reformat(format="yuv420p")
        frame.pts = i
        out += [bytes(p) for p in codec.encode(frame)]
    out += [bytes(p) for p in codec.encode(None)]
    return out


class ClipTrack(MediaStreamTrack):
    """A camera sending pre-encoded frames in a loop; a keyframe request restarts at frame 0."""

    kind = "video"

    def __init__(self, clip: list[bytes]) -> None:
        super().__init__()
        self.clip = clip
        self.count = 0
        self.position = 0
        self._start: float | None = None

    def restart(self) -> None:
        self.position = 0

    async def recv(self) -> av.Packet:
        if self._start is None:
            self._start = time.monotonic()
        delay = self._start + self.count / FPS - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        packet = frame_packet(self.clip[self.position], self.count * 90_000 // FPS)
        self.count += 1
        self.position = (self.position + 1) % len(self.clip)
        return packet


def only(transceiver, mime: str) -> None:
    codecs = RTCRtpSender.getCapabilities("video").codecs
    transceiver.setCodecPreferences([c for c in codecs if c.mimeType in (mime, "video/rtx")])


async def publish(
    router: MediaRouter, peer_id: str, clip: list[bytes], mime: str = "video/VP8"
) -> RTCPeerConnection:
    track = ClipTrack(clip)
    pc = RTCPeerConnection(configuration())
    slots = add_client_transceivers(pc, None, 0, camera=track)
    assert slots.camera is not None
    only(slots.camera, mime)
    on_keyframe_request(slots.camera.sender, track.restart)
    await add_loopback_candidates(pc)
    await pc.setLocalDescription(await pc.createOffer())
    answer = await asyncio.wait_for(router.negotiate(peer_id, pc.localDescription.sdp), 10)
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
    deadline = time.monotonic() + CONNECT_TIMEOUT
    while pc.connectionState != "connected":
        assert time.monotonic() < deadline, pc.connectionState
        await asyncio.sleep(0.02)
    return pc


@pytest.fixture
def decoded(monkeypatch) -> list[tuple[threading.Thread, bytes, int]]:
    """Every frame an aiortc decoder in this process decodes: (thread, encoded data, pictures)."""
    seen: list[tuple[threading.Thread, bytes, int]] = []
    real_get_decoder = aiortc.rtcrtpreceiver.get_decoder

    def spy(codec):
        decoder = real_get_decoder(codec)
        real_decode = decoder.decode

        def decode(frame):
            pictures = real_decode(frame)
            seen.append((threading.current_thread(), bytes(frame.data), len(pictures)))
            return pictures

        decoder.decode = decode
        return decoder

    monkeypatch.setattr(aiortc.rtcrtpreceiver, "get_decoder", spy)
    return seen


async def until(condition, within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


def nal_units(frame: bytes) -> tuple[bytes, ...]:
    """An H.264 access unit's NAL units (depacketising may write 3- or 4-byte start codes)."""
    return tuple(H264Encoder._split_bitstream(frame))


@pytest.mark.parametrize(
    ("mime", "encoder", "same"),
    [("video/VP8", "libvpx", bytes), ("video/H264", "libx264", nal_units)],
    ids=["vp8", "h264"],
)
async def test_frames_reach_a_real_viewer_bit_exact_and_decode(
    router, decoded, mime, encoder, same
):
    clip = encode_clip(codec_name=encoder)
    assert sum(len(frame) > 1300 for frame in clip) > len(clip) // 2  # mostly several packets
    router.set_camera("camera", True)
    pcs = [await publish(router, "camera", clip, mime)]
    viewer = Client(pinned_slots=1, floor_slots=0)
    for transceiver in [viewer.slots.share, *viewer.slots.pinned]:
        only(transceiver, mime)
    try:
        await asyncio.sleep(1.0)  # the first keyframe is gone: the viewer needs a new one
        router.set_pinned("viewer", ["camera"])
        await viewer.join(router, "viewer")
        await until(lambda: len(decoded) >= 40, within=10)
    finally:
        await asyncio.gather(*(pc.close() for pc in pcs), viewer.close())

    track = router.peer("viewer").pinned[0]
    assert isinstance(track.direct, VideoSender)
    server = router.peer("camera").camera_receiver.receiver._RTCRtpReceiver__decoder_thread
    assert server not in {thread for thread, _, _ in decoded}  # the server never decodes
    assert isinstance(track.direct, VideoSender) and track.direct.mime == mime.lower()
    index = {same(frame): i for i, frame in enumerate(clip)}
    positions = [index.get(same(data)) for _, data, _ in decoded]
    assert None not in positions, "a frame reached the viewer changed"
    assert positions[0] == 0  # a keyframe first
    for a, b in itertools.pairwise(positions):
        assert b == (a + 1) % len(clip) or b == 0  # in order; 0 when a keyframe was asked for
    assert all(pictures == 1 for _, _, pictures in decoded)
    received = viewer.video_rtp[PINNED]
    assert 0 < len(received) <= track.direct.sent
    steps = {
        (b.sequence_number - a.sequence_number) % 65536 for a, b in itertools.pairwise(received)
    }
    assert steps == {1}


async def test_a_lost_packet_is_retransmitted_from_the_history(router, join, decoded):
    clip = encode_clip()
    router.set_camera("camera", True)
    pc = await publish(router, "camera", clip)
    try:
        router.set_pinned("viewer", ["camera"])
        viewer = await join("viewer", floor_slots=0, pinned_slots=1)
        await until(lambda: len(decoded) >= 5)
        video = router.peer("viewer").pinned[0].direct
        assert isinstance(video, VideoSender)
        receiver = viewer.video_receivers[PINNED]
        # aiortc as a receiver routes RTP by SSRC or a payload type only one receiver has
        # (not by mid, as browsers do): the share slot has the same RTX payload type.
        router_table = receiver.transport._rtp_router.ssrc_table
        router_table[video.sender._rtx_ssrc] = receiver
        inner = receiver._handle_rtp_packet
        lost: list[int] = []

        async def lossy(packet: RtpPacket, arrival_time_ms: int) -> None:
            if not lost and packet.payload_type == video._payload_type and not packet.marker:
                lost.append(packet.sequence_number)  # the network loses it, once
                return
            await inner(packet, arrival_time_ms)

        receiver._handle_rtp_packet = lossy
        await until(lambda: lost)
        before = len(decoded)
        await until(lambda: len(decoded) >= before + 10)
    finally:
        await pc.close()

    assert video.retransmitted >= 1
    rtx = [p for p in viewer.video_rtp[PINNED] if p.payload[:2] == lost[0].to_bytes(2, "big")]
    assert rtx, "the lost packet never came back"
    index = {frame: i for i, frame in enumerate(clip)}
    assert None not in [index.get(data) for _, data, _ in decoded]
    assert router.camera("camera").keyframes.sent <= 2  # a NACK, not a new keyframe, repaired it


async def test_rtcp_counters_and_sender_reports_stay_right(router, join):
    router.place("speaker", "plenary", may_publish=True)
    router.place("viewer", "plenary", may_publish=False)
    router.set_camera("speaker", True)
    await join("speaker", video=True, camera=RED)
    viewer = await join("viewer", video=True, floor_slots=1)
    await viewer.sees(FLOOR_VIDEO_0, RED)

    video = router.peer("viewer").floor_video[0].direct
    assert isinstance(video, VideoSender) and video.errors == 0
    stats = await video.sender.getStats()
    outbound = next(s for s in stats.values() if s.type == "outbound-rtp")
    assert outbound.packetsSent == video.sent > 0
    receiver = viewer.video_receivers[FLOOR_VIDEO_0]
    remote = None
    deadline = time.monotonic() + 4
    while time.monotonic() < deadline and remote is None:
        stats = await receiver.getStats()
        remote = next((s for s in stats.values() if s.type == "remote-outbound-rtp"), None)
        await asyncio.sleep(0.1)
    assert remote is not None, "no RTCP sender report within 4 s"
    assert remote.ssrc == video.sender._ssrc
    assert 0 < remote.packetsSent <= video.sent
    frames = vp8_frames(viewer.video_rtp[FLOOR_VIDEO_0])
    assert frames[0][2] is True
    assert {(b[3] - a[3]) % (1 << 15) for a, b in itertools.pairwise(frames)} == {1}

"""The relay between nodes: sources' encoded packets from an origin to its edges (sans-I/O).

A session larger than a node has an origin (its owner, where the floor and the booths
publish) and edges (nodes that serve only listeners). The origin sends each packet of each
relayed source to each edge once, as one UDP datagram; the edge publishes it into its own
:class:`~rooms.media.router.MediaRouter` as the same source, and its listeners' slots fan it
out there. mediasoup's PipeTransport and Jitsi's relayed bridges do the same job.

A relay datagram is an SRTP packet (AEAD AES-128-GCM: the payload encrypted, header and
payload authenticated), one key per direction of each pair of nodes
(:mod:`rooms.cluster.relays` hands keys out through Redis, never in logs). Its RTP header:

- payload type :data:`AUDIO_PT` (Opus as the publisher sent it, without RED);
- marker bit: the source's timestamps restart here (it reconnected), ``discontinuity()``;
- sequence number: per source and edge, for SRTP's replay window;
- timestamp: the packet's ``pts`` (48 kHz);
- SSRC: a hash of the source id (:func:`stream_id`), so that each source has its own replay
  window.

The payload (encrypted) is one byte of length, the source id (UTF-8), one byte of audio
level (0 loudest .. 127 silent, 255 unknown: the publisher's ``ssrc-audio-level``, so an
edge ranks floor talkers as the origin does), then the Opus packet: the edge needs no
separate announcement of streams, and peer ids never travel in clear.

:class:`RelayOut` seals packets for one edge; :class:`RelayIn` opens those from known
peers: a datagram from an address no peer announced, or that fails SRTP's check (forged,
replayed, another key), is dropped and counted, never raised.
"""

from __future__ import annotations

import secrets
import struct
import zlib
from dataclasses import dataclass, field

import pylibsrtp

__all__ = [
    "AUDIO_PT",
    "KEY_BYTES",
    "RelayCounts",
    "RelayIn",
    "RelayOut",
    "RelayPacket",
    "new_key",
    "stream_id",
]

AUDIO_PT = 111
PROFILE = pylibsrtp.Policy.SRTP_PROFILE_AEAD_AES_128_GCM
KEY_BYTES = 28  # 16 of key, 12 of salt
_HEADER = struct.Struct("!BBHII")
_MAX_ID = 255
_NO_LEVEL = 0xFF

Address = tuple[str, int]


def new_key() -> bytes:
    """A fresh SRTP master key and salt for one direction of one pair of nodes."""
    return secrets.token_bytes(KEY_BYTES)


def stream_id(source_id: str) -> int:
    """The SSRC a source's packets carry on the relay (the same on every edge)."""
    return zlib.crc32(source_id.encode())


@dataclass(frozen=True)
class RelayPacket:
    source_id: str
    pts: int
    payload: bytes
    restart: bool = False  # the source's timestamps start again here
    level: int | None = None  # its audio level (0 loudest .. 127 silent), when known


@dataclass
class RelayCounts:
    """What a relay endpoint sent and received, and what it refused (for /metrics)."""

    sent: int = 0
    received: int = 0
    unknown_peer: int = 0  # from an address that no peer announced
    refused: int = 0  # from a peer's address, but failing SRTP's check or malformed


def _session(key: bytes, outbound: bool) -> pylibsrtp.Session:
    if len(key) != KEY_BYTES:
        raise ValueError(f"a relay key has {KEY_BYTES} bytes")
    kind = pylibsrtp.Policy.SSRC_ANY_OUTBOUND if outbound else pylibsrtp.Policy.SSRC_ANY_INBOUND
    return pylibsrtp.Session(pylibsrtp.Policy(key=key, ssrc_type=kind, srtp_profile=PROFILE))


class RelayOut:
    """Seals one source's packets for one edge (one SRTP session, this pair's key)."""

    def __init__(self, key: bytes) -> None:
        self._srtp = _session(key, outbound=True)
        # Each source's next sequence number, kept after it stops (SRTP's replay window
        # at the edge would refuse a stream that started again from 0).
        self._sequence: dict[str, int] = {}
        self._idle: set[str] = set()  # sources whose next packet starts their stream again
        self.sent = 0

    def seal(self, packet: RelayPacket) -> bytes:
        name = packet.source_id.encode()
        if not 0 < len(name) <= _MAX_ID:
            raise ValueError("a relayed source id has 1 to 255 bytes")
        sequence = self._sequence.get(packet.source_id)
        # A source's first packet to this edge starts its timestamps there too.
        restart = packet.restart or sequence is None or packet.source_id in self._idle
        self._idle.discard(packet.source_id)
        sequence = sequence or 0
        self._sequence[packet.source_id] = (sequence + 1) & 0xFFFF
        head = _HEADER.pack(
            0x80,
            (0x80 if restart else 0) | AUDIO_PT,
            sequence,
            packet.pts & 0xFFFFFFFF,
            stream_id(packet.source_id),
        )
        self.sent += 1
        level = _NO_LEVEL if packet.level is None else packet.level & 0x7F
        body = bytes([len(name)]) + name + bytes([level]) + packet.payload
        return bytes(self._srtp.protect(head + body))

    def pause(self, source_id: str) -> None:
        """The source stops being relayed; if it comes back, its stream starts again."""
        if source_id in self._sequence:
            self._idle.add(source_id)


@dataclass
class _Peer:
    peer_id: str
    srtp: pylibsrtp.Session


@dataclass
class RelayIn:
    """Opens the datagrams of known peers (their address and key); drops and counts the rest."""

    counts: RelayCounts = field(default_factory=RelayCounts)
    _peers: dict[Address, _Peer] = field(default_factory=dict)

    def allow(self, peer_id: str, address: Address, key: bytes) -> None:
        """Accept ``peer_id``'s packets from ``address``, sealed with ``key`` (a new key or
        address replaces the old: the peer restarted)."""
        self.forget(peer_id)
        self._peers[address] = _Peer(peer_id, _session(key, outbound=False))

    def forget(self, peer_id: str) -> None:
        for address in [a for a, p in self._peers.items() if p.peer_id == peer_id]:
            del self._peers[address]

    def peers(self) -> dict[str, Address]:
        return {p.peer_id: a for a, p in self._peers.items()}

    def open(self, datagram: bytes, address: Address) -> tuple[str, RelayPacket] | None:
        """The sending peer's id and its packet; None (counted) when it is no peer's."""
        peer = self._peers.get(address)
        if peer is None:
            self.counts.unknown_peer += 1
            return None
        try:
            plain = peer.srtp.unprotect(datagram)
            first, second, _, pts, _ = _HEADER.unpack_from(plain)
            length = plain[_HEADER.size]
            start = _HEADER.size + 1
            source_id = plain[start : start + length].decode()
        except (pylibsrtp.Error, struct.error, IndexError, UnicodeDecodeError, ValueError):
            self.counts.refused += 1
            return None
        if first != 0x80 or second & 0x7F != AUDIO_PT or not source_id:
            self.counts.refused += 1
            return None
        if len(plain) <= start + length:
            self.counts.refused += 1
            return None
        level = plain[start + length]
        self.counts.received += 1
        packet = RelayPacket(
            source_id, pts, plain[start + length + 1 :], bool(second & 0x80),
            None if level == _NO_LEVEL else level,
        )  # fmt: skip
        return peer.peer_id, packet

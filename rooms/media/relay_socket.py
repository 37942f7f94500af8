"""A node's relay endpoint: one UDP socket for the relay between nodes (rooms.media.relay).

The thin asyncio driver of :class:`~rooms.media.relay.RelayIn`: what arrives is opened there
(unknown peers and forged packets are dropped and counted) and handed to ``on_packet``;
what the origin sends leaves with :meth:`RelaySocket.send`, at once, never queued (a
datagram the kernel cannot take is lost, as any UDP packet may be).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from rooms.media.relay import (
    Address,
    KeyframeRequest,
    RelayChunk,
    RelayCounts,
    RelayIn,
    RelayPacket,
)

__all__ = ["RelaySocket"]

log = logging.getLogger(__name__)

OnPacket = Callable[[str, RelayPacket | RelayChunk | KeyframeRequest], None]
"""The sending peer's id and what it sent: an audio packet, a video chunk, a keyframe request."""


class RelaySocket(asyncio.DatagramProtocol):
    def __init__(self, on_packet: OnPacket | None = None) -> None:
        self.inbound = RelayIn()
        self.on_packet = on_packet
        self.send_errors = 0
        self._transport: asyncio.DatagramTransport | None = None

    @classmethod
    async def open(
        cls, host: str = "127.0.0.1", port: int = 0, on_packet: OnPacket | None = None
    ) -> RelaySocket:
        """Bound to ``host:port`` (0: any free port; :attr:`address` says which)."""
        loop = asyncio.get_running_loop()
        _, protocol = await loop.create_datagram_endpoint(
            lambda: cls(on_packet), local_addr=(host, port)
        )
        return protocol

    @property
    def address(self) -> Address:
        assert self._transport is not None, "not open"
        host, port = self._transport.get_extra_info("sockname")[:2]
        return str(host), int(port)

    @property
    def counts(self) -> RelayCounts:
        return self.inbound.counts

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]  # a datagram endpoint's

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        opened = self.inbound.open(data, (str(addr[0]), int(addr[1])))
        if opened is None or self.on_packet is None:
            return
        try:
            self.on_packet(*opened)
        except Exception:
            log.exception("a relayed packet could not be published")

    def error_received(self, exc: Exception) -> None:
        # An edge that went away answers with ICMP port unreachable: the edge's own
        # heartbeat, not this socket, decides when to stop sending there.
        self.send_errors += 1

    def send(self, datagram: bytes, address: Address) -> None:
        if self._transport is not None:
            self._transport.sendto(datagram, address)

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

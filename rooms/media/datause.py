"""How much data a listener uses: Opus payload plus per-packet RTP/UDP/IP overhead."""

from __future__ import annotations

__all__ = ["PACKET_OVERHEAD_BYTES", "megabytes_per_hour", "wire_bitrate"]

PACKET_OVERHEAD_BYTES = 20 + 8 + 12 + 12 + 10
"""IPv4 20, UDP 8, RTP header 12, header extensions (mid, abs-send-time) 12, SRTP tag 10."""

PACKETS_PER_SECOND = 50  # 20 ms Opus frames


def wire_bitrate(
    bitrate: int,
    packets_per_second: int = PACKETS_PER_SECOND,
    overhead_bytes: int = PACKET_OVERHEAD_BYTES,
) -> int:
    """Bits per second on the wire for an Opus stream of ``bitrate`` bits per second."""
    return bitrate + packets_per_second * overhead_bytes * 8


def megabytes_per_hour(
    bitrate: int,
    packets_per_second: int = PACKETS_PER_SECOND,
    overhead_bytes: int = PACKET_OVERHEAD_BYTES,
) -> float:
    """Megabytes (10^6 bytes) per hour of listening to one stream of ``bitrate`` bits per second."""
    return wire_bitrate(bitrate, packets_per_second, overhead_bytes) * 3600 / 8 / 1_000_000

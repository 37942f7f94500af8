"""How much data a listener uses: Opus payload, per-packet headers, and the RTCP that comes with it.

The model matches what Chromium's getStats counts for one voice received over IPv4
(tests/e2e/test_lowdata.py measures it; docs/performance.md has the figures).
"""

from __future__ import annotations

__all__ = [
    "PACKET_OVERHEAD_BYTES",
    "RTCP_BYTES_PER_SECOND",
    "megabytes_per_hour",
    "wire_bitrate",
]

PACKET_OVERHEAD_BYTES = 20 + 8 + 12 + 8 + 10
"""IPv4 20, UDP 8, RTP header 12, header extension block with the mid 8, SRTP tag 10."""

RTCP_BYTES_PER_SECOND = 24
"""One sender report with its CNAME (about 120 bytes on the wire) every 5 s (rtcp_pacing)."""

FRAME_MS = 20
"""A browser's Opus frames; the low-data rendition sends 60 ms ones."""


def wire_bitrate(bitrate: int, frame_ms: int = FRAME_MS) -> float:
    """Bits per second on the wire for one Opus stream of ``bitrate`` in ``frame_ms`` frames."""
    packets_per_second = 1000 / frame_ms
    return bitrate + (packets_per_second * PACKET_OVERHEAD_BYTES + RTCP_BYTES_PER_SECOND) * 8


def megabytes_per_hour(bitrate: int, frame_ms: int = FRAME_MS) -> float:
    """Megabytes (10^6 bytes) per hour of receiving one voice of ``bitrate`` bits per second."""
    return wire_bitrate(bitrate, frame_ms) * 3600 / 8 / 1_000_000

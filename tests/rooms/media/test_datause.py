import pytest

from rooms.media.datause import PACKET_OVERHEAD_BYTES, megabytes_per_hour, wire_bitrate

pytestmark = pytest.mark.unit


def test_overhead_is_62_bytes_per_packet():
    assert PACKET_OVERHEAD_BYTES == 62
    assert wire_bitrate(16_000) == 16_000 + 50 * 62 * 8


def test_megabytes_per_hour():
    assert megabytes_per_hour(16_000) == pytest.approx(18.36)
    assert megabytes_per_hour(32_000) == pytest.approx(25.56)
    assert megabytes_per_hour(0, packets_per_second=0) == 0

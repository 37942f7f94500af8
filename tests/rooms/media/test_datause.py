import pytest

from rooms.media.datause import (
    PACKET_OVERHEAD_BYTES,
    RTCP_BYTES_PER_SECOND,
    megabytes_per_hour,
    wire_bitrate,
)

pytestmark = pytest.mark.unit


def test_overhead_is_58_bytes_per_packet_and_a_report_every_5_s():
    assert PACKET_OVERHEAD_BYTES == 58
    assert RTCP_BYTES_PER_SECOND == 24
    assert wire_bitrate(32_000) == 32_000 + (50 * 58 + 24) * 8


def test_60_ms_frames_send_a_third_of_the_packets():
    assert wire_bitrate(9_000, frame_ms=60) == pytest.approx(9_000 + (1000 / 60 * 58 + 24) * 8)


def test_megabytes_per_hour_match_what_chromium_received():
    # Measured in tests/e2e/test_lowdata.py: 24.9 MB/h normal, 7.6 MB/h low-data.
    assert megabytes_per_hour(32_000) == pytest.approx(24.93, abs=0.01)
    assert megabytes_per_hour(9_000, frame_ms=60) == pytest.approx(7.62, abs=0.01)

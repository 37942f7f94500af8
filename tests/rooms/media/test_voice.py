"""The voice activity detector: who starts talking, from packets' audio levels."""

from __future__ import annotations

import pytest

from rooms.media.voice import VoiceActivity

pytestmark = pytest.mark.unit

SILENT, LOUD = 127, 20


def feed(voice: VoiceActivity, levels: list[int], start: float, step: float = 0.02) -> list[float]:
    """The times at which ``voice`` reported a start."""
    return [start + i * step for i, lv in enumerate(levels) if voice.heard(lv, start + i * step)]


def test_a_start_takes_five_loud_packets_and_is_reported_once_per_turn() -> None:
    voice = VoiceActivity()
    assert feed(voice, [SILENT] * 50, 0.0) == []
    starts = feed(voice, [LOUD] * 50, 1.0)
    assert starts == [pytest.approx(1.08)]  # the fifth loud packet, 100 ms into speech
    assert voice.talking and voice.starts == 1
    # Short pauses within a turn are not new starts.
    assert feed(voice, [SILENT] * 20 + [LOUD] * 20, 2.0) == []


def test_after_a_second_of_quiet_talking_again_is_a_new_start() -> None:
    voice = VoiceActivity()
    feed(voice, [LOUD] * 10, 0.0)
    assert feed(voice, [SILENT] * 60 + [LOUD] * 10, 0.2) == [pytest.approx(0.2 + 64 * 0.02)]
    assert voice.starts == 2


def test_isolated_clicks_and_a_quiet_room_never_start_a_turn() -> None:
    voice = VoiceActivity()
    clicks = ([LOUD] + [SILENT] * 20) * 10
    assert feed(voice, clicks, 0.0) == []
    assert feed(voice, [60] * 100, 10.0) == []  # -60 dBov: room noise, below the threshold
    assert voice.starts == 0

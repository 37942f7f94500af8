"""Phrases cut by voice activity, with a fake detector: loud windows are speech."""

from __future__ import annotations

import numpy as np
import pytest

from rooms.autocaptions.chunker import RATE, WINDOW, PhraseChunker

pytestmark = pytest.mark.unit


def loudness(block: np.ndarray) -> np.ndarray:
    return (np.abs(block.reshape(-1, WINDOW)).mean(axis=1) > 0.05).astype(np.float32)


def audio(*parts: tuple[str, float]) -> np.ndarray:
    """("speech" | "silence", seconds) parts, as 16 kHz samples."""
    out = []
    for kind, seconds in parts:
        n = int(seconds * RATE)
        out.append(np.full(n, 0.3 if kind == "speech" else 0.0, np.float32))
    return np.concatenate(out)


def feed_in_packets(chunker: PhraseChunker, samples: np.ndarray) -> list:
    phrases = []
    for i in range(0, len(samples), 320):  # 20 ms at a time, as packets arrive
        phrases += chunker.feed(samples[i : i + 320])
    return phrases


def test_two_sentences_with_a_pause_between_are_two_phrases_with_their_times() -> None:
    chunker = PhraseChunker(loudness)
    samples = audio(("silence", 1.0), ("speech", 2.0), ("silence", 1.0), ("speech", 1.5),
                    ("silence", 1.0))  # fmt: skip
    phrases = feed_in_packets(chunker, samples)
    assert len(phrases) == 2
    first, second = phrases
    # Each starts up to 0.4 s before its speech and ends up to 0.4 s after it.
    assert 0.55 <= first.start / RATE <= 1.0 and 3.0 <= first.end / RATE <= 3.45
    assert 3.55 <= second.start / RATE <= 4.0 and 5.5 <= second.end / RATE <= 5.95
    assert first.seconds == pytest.approx((first.end - first.start) / RATE)
    assert np.abs(first.samples).max() == pytest.approx(0.3)
    assert chunker.flush() == []


def test_a_short_pause_inside_a_sentence_does_not_cut_it() -> None:
    chunker = PhraseChunker(loudness)
    samples = audio(("speech", 1.0), ("silence", 0.25), ("speech", 1.0), ("silence", 1.0))
    assert len(feed_in_packets(chunker, samples)) == 1


def test_a_speaker_who_never_pauses_is_cut_every_ten_seconds() -> None:
    chunker = PhraseChunker(loudness)
    phrases = feed_in_packets(chunker, audio(("speech", 25.0)))
    assert [round(p.seconds) for p in phrases] == [10, 10]
    assert chunker.speaking
    assert [round(p.seconds) for p in chunker.flush()] == [5]


def test_a_click_shorter_than_a_quarter_second_is_no_phrase() -> None:
    chunker = PhraseChunker(loudness)
    assert feed_in_packets(chunker, audio(("speech", 0.1), ("silence", 2.0))) == []


def test_reset_forgets_a_phrase_in_progress() -> None:
    chunker = PhraseChunker(loudness)
    feed_in_packets(chunker, audio(("speech", 2.0)))
    chunker.reset()
    assert not chunker.speaking
    phrases = feed_in_packets(chunker, audio(("silence", 1.0), ("speech", 1.0), ("silence", 1.0)))
    assert [round(p.seconds, 1) for p in phrases] == [pytest.approx(1.7, abs=0.3)]


def test_a_phrase_at_its_longest_is_cut_between_words_and_nothing_is_lost() -> None:
    chunker = PhraseChunker(loudness)
    # Words of 1.2 s with 0.15 s breaths: too short to end a phrase, but the place to cut.
    samples = audio(*[("speech", 1.2), ("silence", 0.15)] * 18)
    phrases = feed_in_packets(chunker, samples) + chunker.flush()
    assert len(phrases) == 3 and all(p.seconds <= 10.01 for p in phrases)
    for phrase in phrases[:-1]:
        assert not np.any(phrase.samples[-WINDOW:]), "cut inside a word"
    for before, after in zip(phrases, phrases[1:], strict=False):
        assert after.start == before.end  # the rest of the speech begins the next phrase
    assert sum(len(p.samples) for p in phrases) == phrases[-1].end - phrases[0].start

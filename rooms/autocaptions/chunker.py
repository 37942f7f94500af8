"""Cut a stream of 16 kHz samples into phrases with voice activity detection (no I/O).

The detector is a function from a block of samples to one speech probability per 512-sample
window (32 ms); in the worker that is Silero VAD as faster-whisper ships it
(:func:`rooms.autocaptions.recogniser.silero_probabilities`), in unit tests a fake. A phrase
starts at the first speech window (with :data:`PAD_S` of audio before it) and ends after
:data:`END_SILENCE_S` of silence, or is cut at :data:`MAX_PHRASE_S` so that a speaker who
never pauses still gets captions. That cut is made at the least speech-like window of the
phrase's last :data:`CUT_SEARCH_S` (a breath between words, where there is one), never at
whatever window the limit falls on, and the audio after it begins the next phrase: a word
cut in two is misheard in both halves. Blips shorter than :data:`MIN_SPEECH_S` are dropped:
Whisper invents words for them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["RATE", "WINDOW", "Phrase", "PhraseChunker"]

RATE = 16_000
WINDOW = 512  # Silero's window at 16 kHz
BLOCK_WINDOWS = 8  # the detector sees 256 ms at a time
THRESHOLD = 0.5
KEEP_BELOW = 0.35  # once speaking, a window this likely still counts as speech
END_SILENCE_S = 0.5
MAX_PHRASE_S = 10.0
MIN_SPEECH_S = 0.25
PAD_S = 0.4
CUT_SEARCH_S = 3.0  # a phrase at MAX_PHRASE_S is cut at its quietest window this far back

Detector = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Phrase:
    """``samples`` (float32, 16 kHz); ``start`` and ``end`` in samples since the stream began."""

    samples: np.ndarray
    start: int
    end: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / RATE


def _windows(seconds: float) -> int:
    return max(1, round(seconds * RATE / WINDOW))


class PhraseChunker:
    """``feed(samples)`` returns the phrases they complete; ``flush()`` ends the last one."""

    def __init__(self, detector: Detector) -> None:
        self.detector = detector
        self._pending = np.zeros(0, dtype=np.float32)  # fewer samples than a block
        self._position = 0  # samples handed to the detector so far
        self._before: deque[np.ndarray] = deque(maxlen=_windows(PAD_S))
        self._phrase: list[np.ndarray] = []
        self._probabilities: list[float] = []  # one per window of the phrase
        self._phrase_start = 0
        self._speech_windows = 0
        self._silent_run = 0

    @property
    def speaking(self) -> bool:
        return bool(self._phrase)

    def feed(self, samples: np.ndarray) -> list[Phrase]:
        self._pending = np.concatenate([self._pending, samples.astype(np.float32, copy=False)])
        block = WINDOW * BLOCK_WINDOWS
        phrases: list[Phrase] = []
        while len(self._pending) >= block:
            chunk, self._pending = self._pending[:block], self._pending[block:]
            probabilities = self.detector(chunk)
            for i, probability in enumerate(probabilities):
                window = chunk[i * WINDOW : (i + 1) * WINDOW]
                phrase = self._window(window, float(probability))
                if phrase is not None:
                    phrases.append(phrase)
        return phrases

    def flush(self) -> list[Phrase]:
        """End the phrase in progress (the speaker left the floor); drops what is pending."""
        self._pending = np.zeros(0, dtype=np.float32)
        phrase = self._finish(trailing=self._silent_run)
        self._before.clear()
        return [phrase] if phrase is not None else []

    def reset(self) -> None:
        """Forget everything in progress (audio was dropped: what follows does not join it)."""
        self._pending = np.zeros(0, dtype=np.float32)
        self._phrase, self._probabilities = [], []
        self._before.clear()
        self._speech_windows = self._silent_run = 0

    def _window(self, window: np.ndarray, probability: float) -> Phrase | None:
        start = self._position
        self._position += len(window)
        if not self._phrase:
            if probability < THRESHOLD:
                self._before.append(window)
                return None
            self._phrase = [*self._before, window]
            self._probabilities = [0.0] * len(self._before) + [probability]
            self._phrase_start = start - WINDOW * len(self._before)
            self._before.clear()
            self._speech_windows, self._silent_run = 1, 0
            return None
        self._phrase.append(window)
        self._probabilities.append(probability)
        if probability >= KEEP_BELOW:
            self._speech_windows += 1
            self._silent_run = 0
        else:
            self._silent_run += 1
        if self._silent_run >= _windows(END_SILENCE_S):
            return self._finish(trailing=self._silent_run)
        if len(self._phrase) >= _windows(MAX_PHRASE_S):
            return self._cut()
        return None

    def _cut(self) -> Phrase | None:
        """End a phrase at its longest at its quietest recent window; the rest goes on."""
        count = len(self._phrase)
        first = max(1, count - _windows(CUT_SEARCH_S))
        quietest = min(range(first, count), key=lambda i: (self._probabilities[i], -i))
        end = quietest + 1
        carried, carried_p = self._phrase[end:], self._probabilities[end:]
        start = self._phrase_start
        self._phrase, self._probabilities = self._phrase[:end], self._probabilities[:end]
        self._speech_windows = sum(p >= KEEP_BELOW for p in self._probabilities)
        phrase = self._finish(trailing=0)
        self._phrase, self._probabilities = carried, carried_p
        self._phrase_start = start + end * WINDOW
        self._speech_windows = sum(p >= KEEP_BELOW for p in carried_p)
        self._silent_run = 0
        for p in reversed(carried_p):
            if p >= KEEP_BELOW:
                break
            self._silent_run += 1
        return phrase

    def _finish(self, trailing: int) -> Phrase | None:
        if not self._phrase:
            return None
        keep = len(self._phrase) - max(0, trailing - _windows(PAD_S))
        windows, self._phrase, self._probabilities = self._phrase[:keep], [], []
        speech, self._speech_windows, self._silent_run = self._speech_windows, 0, 0
        if speech < _windows(MIN_SPEECH_S):
            return None
        samples = np.concatenate(windows)
        return Phrase(samples, self._phrase_start, self._phrase_start + len(samples))

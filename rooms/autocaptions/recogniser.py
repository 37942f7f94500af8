"""Speech to text for automatic captions: the ``CaptionProvider`` interface and Whisper behind it.

Another engine plugs in by implementing :class:`CaptionProvider` and naming a factory in
``CONFERENCE_CAPTIONS_PROVIDER`` (``module:callable``, given the model directory or size);
docs/operations.md says more. faster-whisper is imported only here, in the worker process.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from rooms.autocaptions.chunker import RATE, WINDOW

__all__ = ["CaptionProvider", "WhisperProvider", "load_provider", "silero_detector"]


class CaptionProvider(Protocol):
    def transcribe(self, samples: np.ndarray, language: str) -> str:
        """The words in ``samples`` (float32 mono at 16 kHz), in ``language`` (ISO 639-1)."""
        ...


class WhisperProvider:
    """Whisper through faster-whisper (CTranslate2), int8, on ``threads`` CPU threads."""

    def __init__(self, model: str, threads: int = 1) -> None:
        from faster_whisper import WhisperModel

        self.model = WhisperModel(model, device="cpu", compute_type="int8", cpu_threads=threads)

    def transcribe(self, samples: np.ndarray, language: str) -> str:
        segments, _ = self.model.transcribe(
            samples,
            language=language,
            # Greedy decoding: a fifth of beam search's cost, and on espeak-ng's speech no worse.
            beam_size=1,
            condition_on_previous_text=False,  # a wrong phrase must not steer the next one
            vad_filter=False,  # the chunker already cut at pauses
            # Whisper decodes with its timestamp tokens as it was trained: without them it
            # misheard the start of phrases ("an elegant submarine" for "the delegates agreed").
            without_timestamps=False,
        )
        return " ".join(
            segment.text.strip() for segment in segments if segment.no_speech_prob < 0.6
        ).strip()


def load_provider(model: str) -> CaptionProvider:
    """The provider ``CONFERENCE_CAPTIONS_PROVIDER`` names, else Whisper."""
    named = os.environ.get("CONFERENCE_CAPTIONS_PROVIDER", "").strip()
    if not named:
        return WhisperProvider(model)
    module, _, attribute = named.partition(":")
    factory: Callable[[str], Any] = getattr(importlib.import_module(module), attribute)
    provider: CaptionProvider = factory(model)
    return provider


def silero_detector() -> Callable[[np.ndarray], np.ndarray]:
    """Silero VAD as faster-whisper ships it: one speech probability per 512-sample window."""
    from faster_whisper.vad import get_vad_model

    model = get_vad_model()

    def detect(block: np.ndarray) -> np.ndarray:
        assert len(block) % WINDOW == 0 and RATE == 16_000
        return np.asarray(model(block), dtype=np.float32).reshape(-1)

    return detect

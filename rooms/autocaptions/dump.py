"""A debugging aid: what the captions worker heard, written to a directory (off by default).

``CONFERENCE_CAPTIONS_DUMP=DIR`` makes each worker write, per microphone, the 16 kHz samples
it decoded (``<worker>-<n>.stream.f32``, raw float32) and each phrase it recognised
(``<worker>-<n>-<k>.f32``, with a ``.json`` beside it: where the phrase lies in the stream,
its length, the recognition time and the text). Microphones are numbered in the order they
first sent audio, never named. This records people's voices: for tests and a developer's
own machine, never on a server with real speakers (docs/operations.md).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

__all__ = ["ENV", "PhraseDump", "from_env"]

ENV = "CONFERENCE_CAPTIONS_DUMP"


class PhraseDump:
    """Writes streams and phrases under ``directory``; one per worker process."""

    def __init__(self, directory: Path, worker: str) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.worker = worker
        self._numbers: dict[str, int] = {}
        self._phrases: dict[str, int] = {}

    def _stem(self, source: str) -> str:
        number = self._numbers.setdefault(source, len(self._numbers) + 1)
        return f"{self.worker}-{number}"

    def stream(self, source: str, samples: np.ndarray) -> None:
        with (self.directory / f"{self._stem(source)}.stream.f32").open("ab") as out:
            out.write(samples.astype(np.float32, copy=False).tobytes())

    def phrase(
        self, source: str, samples: np.ndarray, start: int, end: int, compute_s: float, text: str
    ) -> Path:
        stem = self._stem(source)
        k = self._phrases[stem] = self._phrases.get(stem, 0) + 1
        path = self.directory / f"{stem}-{k:03d}.f32"
        path.write_bytes(samples.astype(np.float32, copy=False).tobytes())
        facts = {"start": start, "end": end, "compute_s": round(compute_s, 3), "text": text}
        path.with_suffix(".json").write_text(json.dumps(facts) + "\n")
        return path


def from_env(environ: dict[str, str] | None = None) -> PhraseDump | None:
    """The dump ``CONFERENCE_CAPTIONS_DUMP`` asks for, or None (the default)."""
    env = os.environ if environ is None else environ
    directory = env.get(ENV, "").strip()
    return PhraseDump(Path(directory), str(os.getpid())) if directory else None

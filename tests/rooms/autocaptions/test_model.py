"""The caption model: named by configuration, checked by its sha256, assembled from PyPI."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from rooms.autocaptions.model import (
    WHISPER_BASE_SHA256,
    CaptionModelError,
    ModelSpec,
    check,
)
from tests.support.speech import whisper_base

pytestmark = pytest.mark.unit


def fake_model(directory: Path, weights: bytes = b"weights") -> str:
    directory.mkdir()
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        (directory / name).write_text("{}")
    (directory / "model.bin").write_bytes(weights)
    return hashlib.sha256(weights).hexdigest()


def test_the_settings_name_the_model_and_its_hash() -> None:
    spec = ModelSpec.from_env({"CONFERENCE_CAPTIONS_MODEL": " /srv/whisper "})
    assert spec == ModelSpec("/srv/whisper", WHISPER_BASE_SHA256)
    assert ModelSpec.from_env({"CONFERENCE_CAPTIONS_MODEL_SHA256": "AB"}).sha256 == "ab"
    assert check(ModelSpec("small")) == "small"  # faster-whisper fetches sizes itself


def test_no_model_a_missing_or_incomplete_directory_each_say_what_is_wrong(tmp_path) -> None:
    with pytest.raises(CaptionModelError, match="No caption model is configured"):
        check(ModelSpec(""))
    with pytest.raises(CaptionModelError, match="does not exist"):
        check(ModelSpec(str(tmp_path / "nowhere")))
    fake_model(tmp_path / "m")
    (tmp_path / "m" / "tokenizer.json").unlink()
    with pytest.raises(CaptionModelError, match="incomplete: tokenizer.json missing"):
        check(ModelSpec(str(tmp_path / "m")))


def test_a_model_that_fails_its_checksum_is_refused_and_a_good_one_loads(tmp_path) -> None:
    digest = fake_model(tmp_path / "m")
    assert check(ModelSpec(str(tmp_path / "m"), digest)) == str(tmp_path / "m")
    with pytest.raises(CaptionModelError, match="fails its checksum") as failed:
        check(ModelSpec(str(tmp_path / "m")))
    assert digest in str(failed.value) and WHISPER_BASE_SHA256 in str(failed.value)


def test_whisper_base_assembled_from_the_two_pypi_parts_has_the_published_hash() -> None:
    directory = whisper_base()
    assert check(ModelSpec(str(directory))) == str(directory)
    assert (directory / "model.bin").stat().st_size == 145_217_532

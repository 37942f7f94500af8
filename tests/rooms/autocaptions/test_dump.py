"""The debugging dump of what the captions worker heard: off unless asked for."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rooms.autocaptions.dump import ENV, PhraseDump, from_env
from tests.rooms.autocaptions.test_worker import opus_packets, speak_and_stop

pytestmark = pytest.mark.unit


def test_it_is_off_unless_the_variable_names_a_directory(tmp_path: Path) -> None:
    assert from_env({}) is None
    assert from_env({ENV: " "}) is None
    dump = from_env({ENV: str(tmp_path / "heard")})
    assert dump is not None and dump.directory == tmp_path / "heard"


def test_microphones_are_numbered_not_named_and_phrases_counted_per_microphone(
    tmp_path: Path,
) -> None:
    dump = PhraseDump(tmp_path, "w")
    dump.stream("participant-ada", np.ones(3, np.float32))
    dump.stream("participant-ada", np.zeros(2, np.float32))
    dump.stream("participant-lea", np.ones(1, np.float32))
    dump.phrase("participant-lea", np.ones(4, np.float32), 10, 14, 0.5, "hello")
    path = dump.phrase("participant-lea", np.ones(2, np.float32), 20, 22, 0.25, "again")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "w-1.stream.f32", "w-2-001.f32", "w-2-001.json", "w-2-002.f32", "w-2-002.json",
        "w-2.stream.f32",
    ]  # fmt: skip
    assert np.fromfile(tmp_path / "w-1.stream.f32", np.float32).tolist() == [1, 1, 1, 0, 0]
    assert path == tmp_path / "w-2-002.f32"
    assert json.loads(path.with_suffix(".json").read_text()) == {
        "start": 20, "end": 22, "compute_s": 0.25, "text": "again"
    }  # fmt: skip


def test_the_worker_writes_what_it_decoded_and_each_phrase_it_recognised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV, str(tmp_path))
    packets = opus_packets([(False, 0.5), (True, 1.5), (False, 1.0)])
    speak_and_stop("en", packets)
    streams = list(tmp_path.glob("*.stream.f32"))
    phrases = sorted(tmp_path.glob("*-001.*"))
    assert len(streams) == 1 and [p.suffix for p in phrases] == [".f32", ".json"]
    stream = np.fromfile(streams[0], np.float32)
    # Every packet's 20 ms at 16 kHz, but for the few samples the resampler holds back.
    assert len(packets) * 320 - 32 <= len(stream) <= len(packets) * 320
    facts = json.loads(phrases[1].read_text())
    phrase = np.fromfile(phrases[0], np.float32)
    assert facts["text"] == "phrase 1 in en" and facts["end"] - facts["start"] == len(phrase)
    assert np.array_equal(stream[facts["start"] : facts["end"]], phrase)

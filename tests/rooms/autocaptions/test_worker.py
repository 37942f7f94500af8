"""The worker's loop in-process: real Opus decoding and chunking, a fake recogniser."""

from __future__ import annotations

import queue
import threading
from pathlib import Path

import av
import numpy as np
import pytest

from rooms.autocaptions.chunker import WINDOW
from rooms.autocaptions.worker import run_worker

pytestmark = pytest.mark.unit


def opus_packets(pattern: list[tuple[bool, float]]) -> list[bytes]:
    """20 ms Opus packets of a 300 Hz tone (True) or silence (False) for each (tone, seconds)."""
    encoder = av.CodecContext.create("libopus", "w")
    encoder.sample_rate = 48_000  # type: ignore[attr-defined]
    encoder.layout = "mono"  # type: ignore[attr-defined]
    encoder.format = "s16"  # type: ignore[attr-defined]
    encoder.bit_rate = 32_000  # type: ignore[attr-defined]
    samples = np.concatenate([
        (np.sin(2 * np.pi * 300 * np.arange(int(s * 48_000)) / 48_000) * 12_000 * tone)
        for tone, s in pattern
    ]).astype(np.int16)  # fmt: skip
    packets = []
    for i in range(0, len(samples) - 959, 960):
        frame = av.AudioFrame.from_ndarray(samples[i : i + 960].reshape(1, -1), format="s16",
                                           layout="mono")  # fmt: skip
        frame.sample_rate = 48_000
        frame.pts = i
        packets += [bytes(p) for p in encoder.encode(frame)]  # type: ignore[attr-defined]
    return packets


def loudness(block: np.ndarray) -> np.ndarray:
    return (np.abs(block.reshape(-1, WINDOW)).mean(axis=1) > 0.05).astype(np.float32)


class FakeRecogniser:
    def __init__(self, model: str) -> None:
        self.heard: list[float] = []

    def transcribe(self, samples: np.ndarray, language: str) -> str:
        self.heard.append(len(samples) / 16_000)
        return f"phrase {len(self.heard)} in {language}"


def drain(outbox: queue.Queue) -> list[tuple]:
    out = []
    while True:
        try:
            out.append(outbox.get(timeout=0.5))
        except queue.Empty:
            return out


def start_worker(language: str) -> tuple[queue.Queue, queue.Queue, threading.Thread]:
    """A worker in a thread with the fake recogniser and detector: its inbox, outbox, thread."""
    inbox: queue.Queue = queue.Queue()
    outbox: queue.Queue = queue.Queue()
    worker = threading.Thread(target=run_worker, args=("fake", "", language, inbox, outbox),
                              kwargs={"provider_factory": FakeRecogniser,
                                      "detector_factory": lambda: loudness})  # fmt: skip
    worker.start()
    return inbox, outbox, worker


def speak_and_stop(language: str, packets: list[bytes]) -> queue.Queue:
    """Ada's ``packets`` through a worker told ``language``; once it stopped, its outbox."""
    inbox, outbox, worker = start_worker(language)
    for seq, data in enumerate(packets, 1):
        inbox.put(("audio", "ada", seq, data))
    inbox.put(None)
    worker.join(10)
    return outbox


def test_a_speakers_packets_become_one_line_per_phrase_with_the_packet_it_ended_in() -> None:
    packets = opus_packets([(False, 0.5), (True, 1.5), (False, 1.0), (True, 1.0), (False, 1.0)])
    messages = drain(speak_and_stop("fr", packets))
    assert messages[0] == ("ready",)
    lines = [m for m in messages if m[0] == "line"]
    assert [line[1:3] for line in lines] == [("ada", "phrase 1 in fr"), ("ada", "phrase 2 in fr")]
    # Phrases end 0.4 s after their tone (padding): 2.4 s and 4.4 s in, packets 120 and 220.
    assert 115 <= lines[0][3] <= 125 and 215 <= lines[1][3] <= 225
    assert 1.5 <= lines[0][4] <= 2.4 and 0.0 <= lines[0][5] < 1.0
    done = [m[1] for m in messages if m[0] == "done"]
    assert done == sorted(done) and done[-1] == pytest.approx(0.02 * len(packets), abs=0.21)


def test_a_speaker_who_stops_sending_mid_phrase_gets_the_phrase_captioned() -> None:
    inbox, outbox, worker = start_worker("en")
    for seq, data in enumerate(opus_packets([(False, 0.5), (True, 1.5)]), 1):
        inbox.put(("audio", "ada", seq, data))  # and then nothing: DTX, or the tab closed
    lines = []
    for _ in range(20):
        message = outbox.get(timeout=2)
        if message[0] == "line":
            lines.append(message)
            break
    inbox.put(None)
    worker.join(10)
    assert [line[1:3] for line in lines] == [("ada", "phrase 1 in en")]


def test_a_missing_model_is_an_error_message_and_the_worker_ends(tmp_path: Path) -> None:
    outbox: queue.Queue = queue.Queue()
    run_worker(str(tmp_path / "nowhere"), "0" * 64, "en", queue.Queue(), outbox)
    kind, sentence = outbox.get_nowait()
    assert kind == "error"
    assert sentence.startswith("The caption model directory") and "does not exist" in sentence

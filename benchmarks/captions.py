"""Automatic captions: real-time factor, CPU and caption delay of one captioned floor.

A real captions worker process (Whisper base, int8, one thread) is fed by a real FloorTap
on a real Fanout, at the pace of a microphone: the espeak-ng sentences of the tests, Opus
encoded in 20 ms packets, repeated (quick: once). Measured:

- real-time factor: seconds of recognition per second of phrase audio (above 1 the worker
  cannot keep up and captions pause);
- the worker process's CPU per second of floor audio (what one captioned source costs);
- delay from the end of a phrase's audio at the server to its words back at the server, p50
  and p95 (goal: about 3 s, issue 17);
- the word error rate against the sentences.

Baseline, same run: the same speech recognised as one piece in this process (no chunking,
no process, no streaming), its real-time factor.

Then a booth's output: the Spanish sentences (espeak-ng's ``es`` voice) through a worker told
Spanish, once (quick: two sentences). The worker and tap are the floor's; a booth source
differs only in whose packets reach the tap (``MediaRouter.set_voice_tap``). Its real-time
factor, delay and word error rate are reported; the word error rate is no goal (Whisper base
on espeak-ng's Spanish is near 0.4).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from pathlib import Path
from typing import Any

import av
import numpy as np

from benchmarks.harness import Record
from rooms.autocaptions.model import ModelSpec
from rooms.autocaptions.tap import FloorTap, Recognised
from rooms.autocaptions.worker import CaptionWorker
from rooms.media.forwarding import Fanout
from rooms.media.wavtrack import read_wav_48k
from tests.support.speech import (
    SENTENCES,
    SENTENCES_ES,
    espeak_wav,
    whisper_base,
    word_error_rate,
)

ROUNDS = 3
QUICK_SENTENCES = 2


def _opus(samples: np.ndarray) -> list[bytes]:
    encoder = av.CodecContext.create("libopus", "w")
    encoder.sample_rate = 48_000  # type: ignore[attr-defined]
    encoder.layout = "mono"  # type: ignore[attr-defined]
    encoder.format = "s16"  # type: ignore[attr-defined]
    encoder.bit_rate = 32_000  # type: ignore[attr-defined]
    packets: list[bytes] = []
    for i in range(0, len(samples) - 959, 960):
        frame = av.AudioFrame.from_ndarray(
            samples[i : i + 960].reshape(1, -1), format="s16", layout="mono"
        )
        frame.sample_rate = 48_000
        frame.pts = i
        packets += [bytes(p) for p in encoder.encode(frame)]  # type: ignore[attr-defined]
    return packets


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _stream(model: Path, packets: list[bytes], language: str = "en") -> dict[str, Any]:
    lines: list[Recognised] = []
    flows: list[str] = []
    ready = asyncio.Event()
    holder: list[FloorTap] = []

    def said(message: tuple[Any, ...]) -> None:
        if message[0] == "error":
            raise RuntimeError(message[1])
        holder[0].message(message)
        if message[0] == "ready":
            ready.set()

    worker = CaptionWorker(ModelSpec(str(model)), language, said)
    tap = FloorTap(worker, lines.append, lambda flow: flows.append(flow.value))
    holder.append(tap)
    fanout = Fanout("speaker")
    tap.follow([fanout])
    try:
        await asyncio.wait_for(ready.wait(), 60)
        assert worker.pid is not None
        cpu0, t0 = _cpu_seconds(worker.pid), time.monotonic()
        for i, data in enumerate(packets):
            await asyncio.sleep(max(0.0, t0 + i * 0.02 - time.monotonic()))
            fanout.publish(av.Packet(data))
        await asyncio.sleep(4.0)  # the last phrase's words
        audio_s = len(packets) * 0.02
        cpu = _cpu_seconds(worker.pid) - cpu0
    finally:
        tap.close()
    return {"lines": lines, "flows": flows, "audio_s": audio_s, "cpu_s": cpu}


def run(quick: bool, workdir: Path) -> Record:
    record = Record("captions", quick)
    model = whisper_base()
    sentences = SENTENCES[:QUICK_SENTENCES] if quick else SENTENCES
    wav = espeak_wav(workdir / "speech.wav", sentences)
    speech = read_wav_48k(wav)
    rounds = 1 if quick else ROUNDS
    packets = _opus(np.tile(speech, rounds))

    from faster_whisper import WhisperModel
    from faster_whisper.audio import decode_audio

    whole = WhisperModel(str(model), device="cpu", compute_type="int8", cpu_threads=1)
    t = time.perf_counter()
    segments, _ = whole.transcribe(decode_audio(str(wav), 16_000), language="en")
    baseline_text = " ".join(s.text for s in segments)
    baseline_rtf = (time.perf_counter() - t) / (len(speech) / 48_000)
    del whole

    result = asyncio.run(_stream(model, packets))
    lines: list[Recognised] = result["lines"]
    compute = sum(line.compute_s for line in lines)
    phrases = sum(line.phrase_s for line in lines)
    rtf = compute / phrases if phrases else float("nan")
    delays = sorted(line.delay_s for line in lines if line.delay_s == line.delay_s)
    p95 = delays[min(len(delays) - 1, int(0.95 * len(delays)))] if delays else float("nan")
    reference = " ".join(list(sentences) * rounds)
    rate = word_error_rate(reference, " ".join(line.text for line in lines))
    cpu_ms = 1000 * result["cpu_s"] / result["audio_s"]
    record.figure("real-time factor", round(rtf, 3), "", baseline=round(baseline_rtf, 3),
                  baseline_name="the same speech as one piece, in process",
                  detail=f"{len(lines)} phrases, {phrases:.1f} s of phrase audio")  # fmt: skip
    record.figure("worker CPU per second of floor audio", round(cpu_ms), "ms/s",
                  detail=f"{result['audio_s']:.0f} s of floor audio")  # fmt: skip
    record.figure("phrase end to caption, p50", round(statistics.median(delays), 2) if delays
                  else None, "s")  # fmt: skip
    record.figure("phrase end to caption, p95", round(p95, 2), "s")
    record.figure("word error rate", round(rate, 3), "",
                  baseline=round(word_error_rate(" ".join(sentences), baseline_text), 3),
                  baseline_name="the same speech as one piece")  # fmt: skip
    record.goal("captions keep up: real-time factor below 1", rtf < 1, f"{rtf:.2f}")
    record.goal("a phrase's caption within about 3 s of its end (p95)", p95 <= 3.0, f"{p95:.2f} s")
    record.goal("word error rate at most 0.15", rate <= 0.15, f"{rate:.3f}")
    record.goal("never paused", "paused" not in result["flows"], ", ".join(result["flows"]) or "-")

    spanish = SENTENCES_ES[:QUICK_SENTENCES] if quick else SENTENCES_ES
    wav_es = espeak_wav(workdir / "booth-es.wav", spanish, voice="es")
    booth = asyncio.run(_stream(model, _opus(read_wav_48k(wav_es)), "es"))
    booth_lines: list[Recognised] = booth["lines"]
    booth_phrases = sum(line.phrase_s for line in booth_lines)
    booth_rtf = (
        sum(line.compute_s for line in booth_lines) / booth_phrases
        if booth_phrases
        else float("nan")
    )
    booth_delays = sorted(line.delay_s for line in booth_lines if line.delay_s == line.delay_s)
    booth_p95 = (booth_delays[min(len(booth_delays) - 1, int(0.95 * len(booth_delays)))]
                 if booth_delays else float("nan"))  # fmt: skip
    booth_rate = word_error_rate(" ".join(spanish), " ".join(line.text for line in booth_lines))
    record.figure("booth output (es): real-time factor", round(booth_rtf, 3), "",
                  detail=f"{len(booth_lines)} phrases, {booth_phrases:.1f} s")  # fmt: skip
    record.figure("booth output (es): phrase end to caption, p95", round(booth_p95, 2), "s")
    record.figure("booth output (es): word error rate", round(booth_rate, 3), "",
                  detail="reported, no goal: Whisper base on espeak-ng Spanish")  # fmt: skip
    record.goal("a booth's caption within about 3 s of its phrase's end (p95)", booth_p95 <= 3.0,
                f"{booth_p95:.2f} s")  # fmt: skip
    return record

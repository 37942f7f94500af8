"""Automatic captions through the real media path: espeak-ng speech into a room, Whisper base out.

A headless speaker's microphone plays known English sentences; the server taps the floor,
its worker process decodes and recognises them, and a listener in the room reads the lines.
The word error rate against the sentences must be at most 0.15 (issue 17); the test prints it.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from pathlib import Path
from typing import Any

import pytest

from conference.app import create_app
from conference.settings import Settings
from conference.storage import engine as storage
from conference.storage.engine import make_engine
from conference.storage.tables import AutoCaptions
from rooms.client import ClientError, RoomClient, connect_info
from rooms.media.wavtrack import WavTrack
from rooms.signalling import ConnectTokens, Identity
from tests.support.live import free_port, serving
from tests.support.seed import small_conference
from tests.support.speech import SENTENCES, espeak_wav, whisper_base, word_error_rate

pytestmark = pytest.mark.integration

SECRET = "autocaptions-" + "k" * 32
SESSION = 2  # "Safety and inclusion", a breakout session whose floor is English; anyone speaks


async def test_a_listener_reads_what_the_floor_said_with_a_word_error_rate_of_at_most_015(
    tmp_path: Path, sqlite_template: Path
) -> None:
    model = whisper_base()
    path = tmp_path / "captions.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    small_conference(engine)
    with storage.session(engine) as db:
        db.add(AutoCaptions(session_id=SESSION))
        db.commit()
    speech = espeak_wav(tmp_path / "speech.wav")
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    settings = Settings(
        database_url=f"sqlite:///{path}", secret_key=SECRET, site_url=site,
        captions_model=str(model),
    )  # fmt: skip
    tokens = ConnectTokens(SECRET)
    with serving(create_app(settings), port):
        speaker_token = tokens.issue(Identity.of("ada", "Ada", ["participant"]))
        listener_token = tokens.issue(Identity.of("bo", "Bo", ["participant"]))
        info = await connect_info(site, SESSION, listener_token)
        track = WavTrack.from_file(speech)
        speaker = RoomClient(info["ws_url"], token=speaker_token, mic=track)
        listener = RoomClient(info["ws_url"], token=listener_token)
        try:
            async with asyncio.timeout(90):
                await listener.connect()
                await listener.join(info["room_id"])
                status = await listener.expect("caption_status", within=20)
                assert status["state"] == "on" and status["language"] == "en"
                await speaker.connect()
                await speaker.join(info["room_id"])
                await listener.start_media()
                await speaker.start_media()
                # Every line comes within 3 s of its phrase's end: wait that long after the last.
                loop = asyncio.get_running_loop()
                deadline = loop.time() + len(track.samples) / 48_000 + 5
                lines: list[dict[str, Any]] = []
                while (left := deadline - loop.time()) > 0:
                    with contextlib.suppress(ClientError):
                        lines.append(await listener.expect("caption_line", within=left))
        finally:
            await asyncio.gather(speaker.close(), listener.close())
            engine.dispose()
    statuses = [m["state"] for m in listener.seen if m["type"] == "caption_status"]
    transcript = " ".join(line["text"] for line in lines)
    rate = word_error_rate(" ".join(SENTENCES), transcript)
    print(f"\nautomatic captions: word error rate {rate:.3f} on {transcript!r} ({statuses})")
    assert lines and all(line["automatic"] and line["language"] == "en" for line in lines)
    assert rate <= 0.15, transcript

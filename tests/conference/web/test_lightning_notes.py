"""What interpreters see before a lightning block: languages, slides, and which booth takes relay."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine

from conference.storage.engine import session
from conference.storage.tables import Booth, Conference, LightningTalk, Person
from conference.storage.tables import Session as ProgrammeSession

from .conftest import sign_in

pytestmark = pytest.mark.integration


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, 5, hour, minute, tzinfo=UTC)


@pytest.fixture
def block(engine: Engine, conference: Conference) -> int:
    with session(engine) as db:
        block = ProgrammeSession(
            conference_id=conference.id, title="Lightning talks", kind="lightning",
            start=at(16), end=at(16, 30), floor_languages=["en"],
            interpretation_languages=["fr", "ar"],
        )  # fmt: skip
        db.add(block)
        speaker = Person(name="Ama Owusu", email="ama@example.org", roles=["speaker"])
        db.add(speaker)
        db.add(Person(name="Ines", email="ines@example.org", roles=["interpreter"]))
        db.add(Person(name="Lee", email="lee@example.org", roles=["participant"]))
        db.flush()
        assert block.id is not None and speaker.id is not None and conference.id is not None
        # The roster: French direct from English and Spanish; Arabic takes Spanish by relay.
        db.add(Booth(session_id=block.id, language="fr", sources={"en": "direct", "es": "direct"}))
        db.add(Booth(session_id=block.id, language="ar",
                     sources={"en": "direct", "es": "relay:fr"}))  # fmt: skip
        for title, language, minute, slides in (
            ("Lexemes", "es", 6, "https://example.org/lexemes.pdf"),
            ("Offline reading", "en", 0, ""),
            ("Wikidata", "fr", 12, ""),
        ):
            db.add(LightningTalk(
                conference_id=conference.id, speaker_id=speaker.id, title=title,
                language=language, status="accepted", block_id=block.id, slides_url=slides,
                slot_start=at(16, minute), slot_end=at(16, minute + 5),
            ))  # fmt: skip
        db.add(LightningTalk(conference_id=conference.id, speaker_id=speaker.id,
                             title="Not accepted", language="en", status="rejected"))  # fmt: skip
        return block.id


def test_interpreters_see_the_running_order_languages_slides_and_relays(client, block) -> None:
    sign_in(client, "ines@example.org")
    page = client.get(f"/interpret/lightning/{block}").text
    assert re.findall(r'data-tag="([\w-]+)"', page) == ["en", "es", "fr"]
    assert re.findall(r'<li id="talk-\d+" data-language="(\w+)">', page) == ["en", "es", "fr"]
    assert "Not accepted" not in page
    assert '<a class="slides" href="https://example.org/lexemes.pdf"' in page
    sources = re.findall(r'<li data-booth="(\w+)" data-source="(\w+)">', page)
    assert sources == [
        ("ar", "direct"), ("fr", "direct"),  # English
        ("ar", "relay"), ("fr", "direct"),  # Spanish
        ("ar", "unplanned"), ("fr", "floor"),  # French
    ]  # fmt: skip
    assert "relay from the Français booth" in page
    assert "The العربية booth takes relay from the Français booth for some talks." in page


def test_the_notes_are_for_interpreters_and_organisers_only(client, block) -> None:
    sign_in(client, "lee@example.org")
    assert client.get(f"/interpret/lightning/{block}").status_code == 403
    client.cookies.clear()
    sign_in(client, "organiser@example.org")
    assert client.get(f"/interpret/lightning/{block}").status_code == 200
    assert client.get("/interpret/lightning/1").status_code == 404  # the plenary is no block

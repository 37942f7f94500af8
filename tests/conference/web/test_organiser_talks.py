"""Reviewing lightning talks: decide, tell the speaker, plan the accepted ones, move one by hand."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from conference.storage.engine import session
from conference.storage.tables import Conference, LightningTalk, Person, PlanRun, SpeakerWindow
from conference.storage.tables import Session as ProgrammeSession

from .conftest import csrf, sign_in

pytestmark = pytest.mark.integration


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, 5, hour, minute, tzinfo=UTC)


@dataclass
class Lightning:
    block: int
    english_only: int  # a parallel block without booths
    ama: int  # talks
    bo: int
    cy: int


@pytest.fixture
def lightning(engine: Engine, conference: Conference) -> Lightning:
    with session(engine) as db:
        block = ProgrammeSession(
            conference_id=conference.id, title="Lightning talks", kind="lightning",
            start=at(16), end=at(16, 30), floor_languages=["en"],
            interpretation_languages=["fr", "es"],
        )  # fmt: skip
        other = ProgrammeSession(
            conference_id=conference.id, title="Lightning, English only", kind="lightning",
            start=at(16), end=at(16, 30), floor_languages=["en"],
        )  # fmt: skip
        db.add(block)
        db.add(other)
        ids = []
        for name, email, language, locale in (
            ("Ama Owusu", "ama@example.org", "fr", "fr"),
            ("Bo Chen", "bo@example.org", "en", "en"),
            ("Cy Díaz", "cy@example.org", "es", "es"),
        ):
            person = Person(name=name, email=email, roles=["speaker"], locale=locale)
            db.add(person)
            db.flush()
            assert conference.id is not None and person.id is not None
            talk = LightningTalk(conference_id=conference.id, speaker_id=person.id,
                                 title=f"Talk by {name}", language=language)  # fmt: skip
            db.add(talk)
            db.flush()
            assert talk.id is not None
            ids.append(talk.id)
        db.add(SpeakerWindow(talk_id=ids[0], start=at(15, 55), end=at(16, 20)))
        db.flush()
        assert block.id is not None and other.id is not None
        return Lightning(block.id, other.id, *ids)


def talk(engine: Engine, talk_id: int) -> LightningTalk:
    with session(engine) as db:
        found = db.get(LightningTalk, talk_id)
        assert found is not None
        return found


def decide(client, talk_id: int, decision: str, priority: str = "1"):  # type: ignore[no-untyped-def]
    page = client.get("/organiser/talks")
    return client.post(
        f"/organiser/talks/{talk_id}/decide",
        data={"decision": decision, "priority": priority, "csrf_token": csrf(page.text)},
        follow_redirects=False,
    )


def move(client, talk_id: int, slot: str, confirm: str | None = None):  # type: ignore[no-untyped-def]
    page = client.get(f"/organiser/talks/{talk_id}/move")
    data = {"slot": slot, "csrf_token": csrf(page.text)}
    if confirm is not None:
        data["confirm"] = confirm
    return client.post(f"/organiser/talks/{talk_id}/move", data=data, follow_redirects=False)


def test_only_organisers_review(client, engine, lightning) -> None:
    sign_in(client, "ama@example.org")
    assert client.get("/organiser/talks").status_code == 403
    assert client.get(f"/organiser/talks/{lightning.ama}/move").status_code == 403


def test_a_decision_is_saved_and_mailed_to_the_speaker_and_the_log_holds_no_address(
    client, engine, lightning, caplog
) -> None:
    sign_in(client, "organiser@example.org")
    listing = client.get("/organiser/talks")
    assert "Talk by Ama Owusu" in listing.text and "Talk by Cy Díaz" in listing.text
    mailer = client.app.state.services.mailer  # type: ignore[attr-defined]
    before = len(mailer.sent)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        response = decide(client, lightning.bo, "accepted", "3")
    assert response.status_code == 303
    assert response.headers["location"] == f"/organiser/talks?decided={lightning.bo}"
    decided = talk(engine, lightning.bo)
    assert (decided.status, decided.priority) == ("accepted", 3)
    assert decided.decided_at is not None and decided.notified_at is not None
    (mail,) = list(mailer.sent)[before:]
    assert (mail["To"], mail["Subject"]) == ("bo@example.org", "Your lightning talk is accepted")
    assert "accepted your lightning talk “Talk by Bo Chen”" in mail.get_content()
    assert f"/talks/{lightning.bo}" in mail.get_content()
    mail_lines = [r.getMessage() for r in caplog.records if r.name == "conference.mail"]
    assert mail_lines == [
        f"No mail server is configured. Lightning talk #{lightning.bo} accepted: told person "
        f"#{decided.speaker_id}."
    ]
    assert all("@" not in r.getMessage() for r in caplog.records if "ightning" in r.getMessage())
    assert "The speaker has been told by mail." in client.get(response.headers["location"]).text

    # Same status, new priority: saved, and the speaker is not told again.
    assert decide(client, lightning.bo, "accepted", "5").status_code == 303
    assert talk(engine, lightning.bo).priority == 5 and len(mailer.sent) == before + 1


def test_a_bad_decision_or_priority_is_refused_next_to_the_field(client, engine, lightning) -> None:
    sign_in(client, "organiser@example.org")
    response = decide(client, lightning.ama, "accepted", "11")
    assert response.status_code == 400
    assert f'id="priority-{lightning.ama}-error">This must be at most 10.' in response.text
    assert decide(client, lightning.ama, "maybe").status_code == 400
    assert talk(engine, lightning.ama).status == "submitted"


def test_the_planner_plans_only_accepted_talks_and_a_rejected_talk_loses_its_slot(
    client, engine, lightning
) -> None:
    sign_in(client, "organiser@example.org")
    decide(client, lightning.ama, "accepted", "2")
    decide(client, lightning.cy, "waitlisted")
    page = client.get("/organiser/plan/lightning")
    planned = client.post("/organiser/plan/lightning", data={"csrf_token": csrf(page.text)})
    assert planned.status_code == 200
    with session(engine) as db:
        run = db.exec(select(PlanRun)).one()
    assert [t["id"] for t in run.input["talks"]] == [str(lightning.ama)]
    assert [s["talk"] for s in run.result["slots"]] == [str(lightning.ama)]
    apply = client.post(
        "/organiser/plan/lightning/apply",
        data={"run": str(run.id), "csrf_token": csrf(planned.text)},
        follow_redirects=False,
    )
    assert apply.status_code == 303
    slotted = talk(engine, lightning.ama)
    assert slotted.block_id is not None and slotted.slot_start is not None

    decide(client, lightning.ama, "rejected")
    rejected = talk(engine, lightning.ama)
    assert (rejected.status, rejected.block_id, rejected.slot_start) == ("rejected", None, None)


def test_moving_a_talk_warns_about_each_broken_rule_and_moves_only_when_confirmed(
    client, engine, lightning
) -> None:
    sign_in(client, "organiser@example.org")
    for talk_id in (lightning.ama, lightning.bo):
        decide(client, talk_id, "accepted")
    block, english = lightning.block, lightning.english_only
    first, fourth = at(16).isoformat(), at(16, 18).isoformat()
    assert move(client, lightning.bo, f"{block}|{first}").status_code == 303
    assert talk(engine, lightning.bo).slot_start == at(16)

    # Ama into Bo's slot: a warning, and nothing moves.
    warned = move(client, lightning.ama, f"{block}|{first}")
    assert warned.status_code == 200
    assert 'data-problem="slot_taken"' in warned.text
    assert "Another talk already has this slot. (Talk by Bo Chen)" in warned.text
    assert talk(engine, lightning.ama).slot_start is None
    # Confirming another slot than the one warned about does not count.
    assert move(client, lightning.ama, f"{block}|{fourth}", confirm=first).status_code == 200
    assert talk(engine, lightning.ama).slot_start is None

    # A slot outside her windows, in a block that takes no French: two warnings.
    both = move(client, lightning.ama, f"{english}|{at(16, 24).isoformat()}")
    assert 'data-problem="unavailable"' in both.text and 'data-problem="language"' in both.text

    moved = move(client, lightning.ama, f"{block}|{first}", confirm=f"{block}|{first}")
    assert moved.status_code == 303
    ama = talk(engine, lightning.ama)
    assert (ama.block_id, ama.slot_start, ama.slot_end) == (block, at(16), at(16, 5))

    # A clean move needs no confirmation; "none" takes the talk off the programme.
    assert move(client, lightning.ama, f"{block}|{at(16, 6).isoformat()}").status_code == 303
    assert talk(engine, lightning.ama).slot_start == at(16, 6)
    assert move(client, lightning.ama, "none").status_code == 303
    assert talk(engine, lightning.ama).block_id is None


def test_only_accepted_talks_move_and_a_slot_must_come_from_the_list(
    client, engine, lightning
) -> None:
    sign_in(client, "organiser@example.org")
    refused = move(client, lightning.cy, f"{lightning.block}|{at(16).isoformat()}")
    assert refused.status_code == 400 and "Accept the talk first." in refused.text
    decide(client, lightning.cy, "accepted")
    nonsense = move(client, lightning.cy, "999|yesterday")
    assert nonsense.status_code == 400 and "Choose a slot from the list." in nonsense.text
    assert talk(engine, lightning.cy).slot_start is None

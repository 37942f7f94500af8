"""Snapshots spliced from cached view texts are the text the whole message encodes to."""

from __future__ import annotations

import dataclasses
import json

import pytest

from rooms.bus import encode
from rooms.domain.participant import Participant
from rooms.domain.roles import Role
from rooms.signalling.identity import Identity
from rooms.signalling.limits import Limits
from rooms.signalling.messages import ParticipantView
from rooms.signalling.rooms_core import RoomsCore
from rooms.signalling.view_texts import splice
from rooms.snapshot import decode
from rooms.snapshot import encode as encode_snapshot
from tests.support.rooms_view import FakeClock

pytestmark = pytest.mark.unit


def _people(core: RoomsCore, room_id: str, names: list[str]) -> list[Participant]:
    seats = []
    for name in names:
        seat, _, _, _ = core.attach(Identity.of(name, name.title(), ["participant"]), None,
                                    f"c-{name}", 0.0)  # fmt: skip
        core.join(seat, room_id)
        seats.append(seat)
    return seats


def _same(core: RoomsCore, seat: Participant) -> str:
    text = core.room_state_text(seat, "joined")
    assert text == encode(core.room_state(seat, "joined").to_dict())
    return text


def test_a_snapshot_follows_every_change_of_every_seat() -> None:
    core = RoomsCore(Limits(), media=False)
    room_id = core.room_for_session("s1", "plenary", 'Keynote "quoted" \u00e9')
    lea, max_, olga = _people(core, room_id, ["lea", "max", "olga"])
    first = _same(core, lea)

    max_.raise_hand()
    assert _same(core, lea) != first
    core.set_muted(max_, True)
    core.hold_mute(olga)
    olga.ask_unmute()
    core.set_floor(max_, True)  # may_publish too
    core.set_camera(max_, True)
    core.set_sharing(lea, True)
    core.reseat(olga, Identity.of("olga", "Olga B.", ["organiser"]))
    core.detach(max_, "c-max", 1.0)  # away
    _same(core, lea)
    views = json.loads(core.room_state_text(lea, "joined"))["participants"]
    by_seat = {view["seat_id"]: view for view in views}
    assert by_seat[max_.seat_id]["state"] == "away"
    assert by_seat[olga.seat_id]["display_name"] == "Olga B."
    assert by_seat[olga.seat_id]["roles"] == ["organiser"]

    core.release(max_, "gone")
    assert len(core.view_texts) == 2
    assert [v["seat_id"] for v in json.loads(_same(core, olga))["participants"]] == [
        lea.seat_id,
        olga.seat_id,
    ]


def test_every_field_of_a_participant_view_is_read_from_the_seat_or_its_room() -> None:
    """Each view field changes with an assignment to the seat, which its revision counts."""
    core = RoomsCore(Limits(), media=False)
    room_id = core.room_for_session("s1", "workshop", "Workshop")
    (lea,) = _people(core, room_id, ["lea"])
    changes = {
        "display_name": "Lea K.",
        "roles": frozenset({Role.SPEAKER}),
        "hand_raised": True,
        "muted": True,
        "mute_held": True,
        "unmute_asked": True,
        "has_floor": True,
        "camera": True,
        "sharing": True,
        "listen_only": True,  # may_publish
    }
    derived = {"seat_id", "state", "may_publish"}  # the id never changes; the others follow
    assert {f.name for f in dataclasses.fields(ParticipantView)} - derived <= changes.keys()
    for name, value in changes.items():
        before, revision = _same(core, lea), lea.revision
        setattr(lea, name, value)
        assert lea.revision > revision
        assert _same(core, lea) != before, name


def test_a_restored_seat_is_not_taken_for_the_one_it_replaced() -> None:
    core = RoomsCore(Limits(), media=False)
    room_id = core.room_for_session("s1", "workshop", "Workshop")
    lea, max_ = _people(core, room_id, ["lea", "max"])
    _same(core, lea)
    state = decode(encode_snapshot(core.live_state(0.0, {}), "conf"), "conf")
    core.restore(state, FakeClock().now())
    restored = core.seats[lea.seat_id]
    assert restored is not lea
    assert '"state":"away"' in _same(core, restored)


def test_splice_puts_the_items_in_place_of_one_field_only() -> None:
    message = {"type": "x", "title": "participants", "participants": None, "tail": [1]}
    text = splice(message, "participants", ['{"a":1}', '{"b":"]"}'])
    assert json.loads(text) == {"type": "x", "title": "participants",
                                "participants": [{"a": 1}, {"b": "]"}], "tail": [1]}  # fmt: skip
    assert splice(message, "participants", []) == encode({**message, "participants": []})


def test_a_session_taken_over_elsewhere_leaves_no_view_text_behind() -> None:
    core = RoomsCore(Limits(), media=False)
    room_id = core.room_for_session("s1", "workshop", "Workshop")
    lea, max_ = _people(core, room_id, ["lea", "max"])
    _same(core, lea)
    assert len(core.view_texts) == 2
    core.detach(lea, "c-lea", 1.0)
    core.detach(max_, "c-max", 1.0)
    core.forget_session("s1")
    assert len(core.view_texts) == 0

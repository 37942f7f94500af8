from __future__ import annotations

import pytest

from rooms.domain import InvalidTransition, Participant, ParticipantState, Role

pytestmark = pytest.mark.unit

P = ParticipantState


def seat(*roles: Role) -> Participant:
    return Participant("seat-1", "person-1", "Ada", frozenset(roles or {Role.PARTICIPANT}))


def test_drop_reconnect_drop_and_leave() -> None:
    ada = seat()
    ada.enter_room("room-1")
    ada.disconnect(at=100.0)
    assert ada.away_for(112.5) == 12.5
    ada.reconnect()
    ada.disconnect(at=200.0)
    ada.leave()
    assert ada.history == [P.PRESENT, P.AWAY, P.PRESENT, P.AWAY, P.LEFT]
    assert (ada.room_id, ada.away_since) == (None, 200.0)


@pytest.mark.parametrize(
    ("setup", "action"),
    [
        ([], "reconnect"),
        (["leave"], "leave"),
        (["leave"], "reconnect"),
        (["disconnect"], "raise_hand"),
    ],
)
def test_illegal_transitions_raise(setup: list[str], action: str) -> None:
    ada = seat()
    ada.enter_room("room-1")
    for step in setup:
        getattr(ada, step)(*([1.0] if step == "disconnect" else []))
    history = list(ada.history)
    with pytest.raises(InvalidTransition):
        getattr(ada, action)()
    assert ada.history == history


def test_hand_floor_and_mute() -> None:
    ada = seat()
    with pytest.raises(InvalidTransition, match="hand cannot be raised while outside a room"):
        ada.raise_hand()
    ada.enter_room("room-1")
    ada.raise_hand()
    with pytest.raises(InvalidTransition):
        ada.raise_hand()
    ada.give_floor()
    assert (ada.has_floor, ada.hand_raised) == (True, False)
    ada.set_muted(True)
    ada.enter_room("room-2")  # the floor belongs to the room
    assert (ada.room_id, ada.has_floor, ada.muted) == ("room-2", False, True)
    with pytest.raises(InvalidTransition):
        ada.take_floor()


def test_roles() -> None:
    org = seat(Role.ORGANISER, Role.SPEAKER)
    assert org.is_organiser and org.has_role(Role.SPEAKER) and not org.has_role(Role.INTERPRETER)

"""Presence coalescing: the pure merge rules, and a large room's presence sent as batches."""

from __future__ import annotations

from typing import Any

import pytest
from rooms_ws_harness import serve

from rooms.signalling.coalesce import PresenceBuffer
from rooms.signalling.limits import Limits


def joined(seat: str, state: str = "present") -> dict[str, Any]:
    return {
        "type": "presence_joined",
        "room_id": "r",
        "participant": {"seat_id": seat, "state": state},
    }


def updated(seat: str, state: str) -> dict[str, Any]:
    return {
        "type": "presence_updated",
        "room_id": "r",
        "participant": {"seat_id": seat, "state": state},
    }


def left(seat: str) -> dict[str, Any]:
    return {"type": "presence_left", "room_id": "r", "seat_id": seat, "reason": "left"}


def merged(*events: dict[str, Any]) -> list[dict[str, Any]]:
    buffer = PresenceBuffer()
    for event in events:
        buffer.add(event)
    out = buffer.drain()
    assert len(buffer) == 0 and buffer.drain() == []
    return out


@pytest.mark.unit
def test_distinct_seats_keep_their_order() -> None:
    assert merged(joined("a"), joined("b"), left("c")) == [joined("a"), joined("b"), left("c")]


@pytest.mark.unit
def test_an_update_folds_into_the_pending_event_of_its_seat() -> None:
    assert merged(joined("a"), joined("b"), updated("a", "away")) == [
        joined("a", "away"),
        joined("b"),
    ]
    assert merged(updated("a", "away"), updated("a", "present")) == [updated("a", "present")]


@pytest.mark.unit
def test_a_join_and_a_leave_in_one_window_cancel_out() -> None:
    assert merged(joined("a"), updated("a", "away"), left("a"), joined("b")) == [joined("b")]
    assert merged(updated("a", "away"), left("a")) == [left("a")]


@pytest.mark.unit
def test_a_seat_that_leaves_and_comes_back_keeps_both_in_order() -> None:
    assert merged(left("a"), joined("a")) == [left("a"), joined("a")]
    assert merged(left("a"), joined("a"), left("a")) == [left("a")]


@pytest.mark.unit
def test_only_presence_is_buffered() -> None:
    with pytest.raises(ValueError, match="chat_message is not a presence event"):
        PresenceBuffer().add({"type": "chat_message"})


@pytest.mark.integration
async def test_a_large_room_gets_presence_in_batches_and_chat_after_what_came_before() -> None:
    async with serve(limits=Limits(coalesce_above=2, presence_window=0.2)) as harness:
        room_id = harness.registry.room_for_session("s-1")
        ada = await harness.seated("ada", "organiser", room_id)
        bob = await harness.seated("bob", "participant", room_id)
        cy = await harness.seated("cy", "participant", room_id)
        # Up to two seats the room is small: joins arrive one by one.
        assert (await ada.expect("presence_joined"))["participant"]["seat_id"] == bob.seat_id
        assert (await ada.expect("presence_joined"))["participant"]["seat_id"] == cy.seat_id
        newcomers = [await harness.seated(f"p{i}", "participant", room_id) for i in range(4)]
        batch = await ada.expect("presence_batch")
        assert batch["room_id"] == room_id
        assert [(e["type"], e["participant"]["seat_id"]) for e in batch["events"]] == [
            ("presence_joined", c.seat_id) for c in newcomers
        ]
        # A chat line never overtakes presence still waiting: the batch goes first.
        await harness.seated("late", "participant", room_id)
        await cy.send("chat", text="hello all")
        seen = [(await ada.recv())["type"] for _ in range(2)]
        assert seen == ["presence_joined", "chat_message"]

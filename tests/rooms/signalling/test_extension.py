"""Another package adds message types and handlers without rooms importing it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from rooms_ws_harness import serve

from rooms.domain.roles import Role
from rooms.signalling import ClientMessage, Context, Dispatcher, ServerMessage
from rooms.signalling.registry import Registry

pytestmark = pytest.mark.integration


@dataclass(frozen=True, kw_only=True)
class TakeBooth(ClientMessage):
    type = "x_take_booth"
    roles = frozenset({Role.INTERPRETER})
    booth: str


@dataclass(frozen=True, kw_only=True)
class BoothTaken(ServerMessage):
    type = "x_booth_taken"
    booth: str
    seat_id: str


async def take_booth(ctx: Context, message: TakeBooth) -> None:
    room = ctx.registry.current_room(ctx.seat)
    await ctx.registry.publish_room(
        room.room_id, BoothTaken(booth=message.booth, seat_id=ctx.seat.seat_id)
    )


def install(dispatcher: Dispatcher) -> None:
    dispatcher.register(TakeBooth, take_booth)
    dispatcher.catalog.add_server(BoothTaken)


@pytest.mark.unit
def test_extensions_add_to_the_catalog_of_their_registry_only() -> None:
    extended = Registry(extensions=[install])
    assert extended.catalog.client["x_take_booth"] is TakeBooth
    assert extended.catalog.server["x_booth_taken"] is BoothTaken
    assert "x_take_booth" not in Registry().catalog.client
    with pytest.raises(ValueError, match="already has a handler"):
        extended.dispatcher.register(TakeBooth, take_booth)


async def test_extension_messages_are_routed_and_role_checked() -> None:
    async with serve(extensions=(install,)) as harness:
        room_id = harness.registry.room_for_session("s-1")
        ina = await harness.seated("ina", "interpreter", room_id)
        bob = await harness.seated("bob", "participant", room_id)
        await ina.send("x_take_booth", booth="fr")
        assert await bob.expect("x_booth_taken") == {
            "type": "x_booth_taken",
            "booth": "fr",
            "seat_id": ina.seat_id,
        }
        await bob.send("x_take_booth", booth="fr")
        assert (await bob.expect("error"))["message"] == "Only interpreters may send x_take_booth."

"""Routing client messages to handlers, with the role check every message passes.

Other packages extend the protocol through ``Dispatcher.register`` (client messages
and their handlers) and ``Dispatcher.catalog.add_server`` (server messages), usually
from an ``Extension`` given to the ``Registry``; rooms never imports them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

from rooms.domain.participant import Participant
from rooms.signalling.codec import ClientMessage, MessageCatalog, ServerMessage
from rooms.signalling.errors import Forbidden, UnknownMessageType
from rooms.signalling.seat_events import SeatEvent

if TYPE_CHECKING:
    from rooms.signalling.registry import Registry


@dataclass(frozen=True)
class Context:
    """What a handler may use: the registry, the sender's seat, and a reply channel."""

    registry: Registry
    seat: Participant
    connection_id: str
    reply: Callable[[ServerMessage], None]


M = TypeVar("M", bound=ClientMessage)
Handler = Callable[[Context, M], Awaitable[None]]


# An extension's part of a live snapshot (rooms/snapshot.py): ``dump`` returns JSON-able
# data, ``load`` puts it back into a freshly started registry (it may be a coroutine).
Dump = Callable[["Registry"], Any]
# A part of a snapshot put back, for the given rooms only (a failover adopts one session's).
Load = Callable[["Registry", Any, frozenset[str]], Awaitable[None] | None]
# Drop what the extension keeps for these rooms, saying nothing to anyone: their session
# moved to another node, which took it over (``Registry.forget_session``).
Forget = Callable[["Registry", frozenset[str]], None]
# Told of every seat event (rooms/signalling/seat_events.py), in order.
Observer = Callable[["Registry", SeatEvent], Awaitable[None]]


class Dispatcher:
    def __init__(self, catalog: MessageCatalog) -> None:
        self.catalog = catalog
        self._handlers: dict[str, Handler[Any]] = {}
        self.persisted: dict[str, tuple[Dump, Load]] = {}
        self.forgetters: list[Forget] = []
        self.observers: list[Observer] = []
        self.stoppers: list[Callable[[], None]] = []

    def observe(self, observer: Observer) -> None:
        """Hear what happens to seats (lost, back, entered, changed, left), in order."""
        self.observers.append(observer)

    def on_stop(self, stop: Callable[[], None]) -> None:
        """Called when the registry stops (cancel timers, for example)."""
        self.stoppers.append(stop)

    def persist(self, name: str, dump: Dump, load: Load, forget: Forget | None = None) -> None:
        """Keep an extension's live state in the registry's snapshots, under ``name``;
        ``forget`` drops a session's rooms from it when the session moves away."""
        if name in self.persisted:
            raise ValueError(f'the snapshot already has a part named "{name}"')
        self.persisted[name] = (dump, load)
        if forget is not None:
            self.forgetters.append(forget)

    def register(self, cls: type[M], handler: Handler[M]) -> None:
        """Handle client messages of type ``cls`` (added to the catalog if new)."""
        if cls.type in self._handlers:
            raise ValueError(f'message type "{cls.type}" already has a handler')
        if self.catalog.client.get(cls.type) is not cls:
            self.catalog.add_client(cls)
        self._handlers[cls.type] = cast(Handler[Any], handler)

    def handles(self, type_name: str) -> bool:
        return type_name in self._handlers

    async def dispatch(self, context: Context, message: ClientMessage) -> None:
        allowed = message.roles
        if allowed is not None and not (context.seat.roles & allowed):
            names = " or ".join(sorted(role.value + "s" for role in allowed))
            raise Forbidden(f"only {names} may send {message.type}")
        handler = self._handlers.get(message.type)
        if handler is None:
            raise UnknownMessageType(f'no handler for message type "{message.type}"')
        await handler(context, message)


Extension = Callable[[Dispatcher], None]

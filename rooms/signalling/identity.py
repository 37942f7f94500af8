"""Who is on the other end of a connection, as the application shell resolves it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from starlette.websockets import WebSocket

from rooms.domain.roles import Role, parse_roles


@dataclass(frozen=True)
class Identity:
    person_id: str
    display_name: str
    roles: frozenset[Role]

    def __post_init__(self) -> None:
        # Accept role names too ({"organiser"}), and refuse unknown ones early.
        object.__setattr__(self, "roles", parse_roles(self.roles))

    @classmethod
    def of(cls, person_id: str, display_name: str, roles: Iterable[str]) -> Identity:
        """Build an identity from role names; an unknown role raises ValueError."""
        return cls(person_id, display_name, parse_roles(roles))


# Resolves the person behind a websocket before it is accepted (for example from the
# signed session cookie); None refuses the connection. It may be sync or async.
Authenticate = Callable[[WebSocket], Identity | None | Awaitable[Identity | None]]

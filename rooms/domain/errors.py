"""The exception tree of the ``rooms`` package.

::

    RoomsError
     ├── DomainError                 a rule of the live rooms was broken (rooms.domain)
     │    ├── InvalidTransition      a state machine was asked for a move its state forbids
     │    ├── NotAllowed             the rules of the room forbid it (no floor, not a member...)
     │    ├── NotFound               no such room, seat, breakout or help request
     │    └── Conflict               it clashes with what is already there
     ├── BusError                    the event bus failed (rooms.bus)
     │    ├── BusClosed              publish or subscribe after close()
     │    └── SubscriberOverflow     a subscriber fell too far behind and was dropped
     └── SignallingError             a client broke the protocol (rooms.signalling.errors)
          ├── MalformedMessage, UnknownMessageType, HelloRequired, Forbidden,
          │   UnsupportedVersion, RateLimited, MediaUnavailable, MediaFailed
          └── ...

``rooms.signalling.errors.describe`` is the one place that turns any of these into an
error code and a sentence for a person.
"""

from __future__ import annotations


class RoomsError(Exception):
    """Base of every error the rooms package raises on purpose."""


class DomainError(RoomsError):
    """A rule of the live rooms was broken."""


class InvalidTransition(DomainError):
    """A state machine was asked for a transition its current state does not allow."""

    def __init__(self, machine: str, state: str, action: str) -> None:
        super().__init__(f"{machine} cannot {action} while {state}")
        self.machine = machine
        self.state = state
        self.action = action


class NotAllowed(DomainError):
    """The rules of the room forbid this action for this participant."""


class NotFound(DomainError):
    """No such room, seat, breakout set or help request."""


class Conflict(DomainError):
    """The action clashes with the current state (for example a second breakout set)."""

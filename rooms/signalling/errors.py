"""Signalling errors, close codes, and the one place that explains any error to a person.

The ``rooms`` exception tree is drawn in ``rooms.domain.errors``; this module adds the
``SignallingError`` branch.
"""

from __future__ import annotations

from enum import IntEnum

from rooms.bus import BusError
from rooms.domain.errors import Conflict, InvalidTransition, NotAllowed, NotFound, RoomsError


class CloseCode(IntEnum):
    NORMAL = 1000
    GOING_AWAY = 1001  # the server is shutting down
    POLICY = 1008  # origin or authentication refused, or persistent flooding
    TOO_BIG = 1009  # a message over the size limit
    INTERNAL = 1011
    TRY_AGAIN_LATER = 1013  # the client reads too slowly; reconnect and resume
    HEARTBEAT_TIMEOUT = 4000
    REPLACED = 4001  # the seat was resumed by a newer connection
    UNSUPPORTED_VERSION = 4002
    SEAT_TAKEN = 4003  # the same person sat down in this room from a newer connection
    REDIRECTED = 4010  # another node owns the session: the redirect message says which


class SignallingError(RoomsError):
    """A client broke the signalling protocol."""

    code = "protocol_error"


class MalformedMessage(SignallingError):
    code = "malformed"


class UnknownMessageType(SignallingError):
    code = "unknown_type"


class HelloRequired(SignallingError):
    code = "hello_required"


class Forbidden(SignallingError):
    code = "forbidden"


class UnsupportedVersion(SignallingError):
    code = "unsupported_version"


class RateLimited(SignallingError):
    code = "rate_limited"


class MediaUnavailable(SignallingError):
    code = "media_unavailable"


class MediaFailed(SignallingError):
    code = "media_failed"


_DOMAIN_CODES: tuple[tuple[type[RoomsError], str], ...] = (
    (InvalidTransition, "invalid_state"),
    (NotAllowed, "not_allowed"),
    (NotFound, "not_found"),
    (Conflict, "conflict"),
    (BusError, "unavailable"),
)


def describe(error: Exception) -> tuple[str, str]:
    """The error code and a sentence a person understands, for any error."""
    if isinstance(error, SignallingError):
        return error.code, _sentence(error)
    for kind, code in _DOMAIN_CODES:
        if isinstance(error, kind):
            return code, _sentence(error)
    return "internal", "Something went wrong on the server; your message was not carried out."


def _sentence(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."

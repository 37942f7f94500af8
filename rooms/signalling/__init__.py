"""Signalling for the live rooms: typed messages over one websocket per participant."""

from rooms.signalling.clock import Clock, SystemClock
from rooms.signalling.codec import ClientMessage, MessageCatalog, ServerMessage
from rooms.signalling.dispatch import Context, Dispatcher, Extension
from rooms.signalling.errors import CloseCode, SignallingError
from rooms.signalling.identity import Authenticate, Identity
from rooms.signalling.limits import Limits
from rooms.signalling.media_port import MediaPort
from rooms.signalling.messages import PROTOCOL_VERSION
from rooms.signalling.registry import Registry, SessionInfo, websocket_route
from rooms.signalling.tokens import ConnectTokens

__all__ = [
    "PROTOCOL_VERSION",
    "Authenticate",
    "ClientMessage",
    "Clock",
    "CloseCode",
    "ConnectTokens",
    "Context",
    "Dispatcher",
    "Extension",
    "Identity",
    "Limits",
    "MediaPort",
    "MessageCatalog",
    "Registry",
    "ServerMessage",
    "SessionInfo",
    "SignallingError",
    "SystemClock",
    "websocket_route",
]

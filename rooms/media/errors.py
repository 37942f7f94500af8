"""Errors of the media layer.

::

    MediaError
     ├── NegotiationError     the offer does not follow the slot convention, or has no Opus
     ├── UnknownPeerError     no peer with that id
     └── ReceiverHookError    the installed aiortc is not the one the receive hook is pinned to
"""


class MediaError(Exception):
    """Base class of every error raised by rooms.media."""


class NegotiationError(MediaError):
    """The client's SDP offer cannot be answered."""


class ReceiverHookError(MediaError):
    """The installed aiortc is not the one the receive hook was written against."""


class UnknownPeerError(MediaError, KeyError):
    """No peer with that id is known to the router."""

"""The media port: what signalling asks of the media layer (rooms.media implements it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol


class MediaPort(Protocol):
    """Media for seats; ``peer_id`` is always the participant's seat id.

    Signalling calls ``place`` whenever a seat's room or its right to publish changes,
    possibly before the seat's first ``negotiate`` (``room_id`` None: in no room), and
    ``close`` once the seat is released after the reconnection grace. Placement, mute
    and channel belong to the peer id and survive a new ``negotiate`` (a reconnect).
    """

    # Called (peer id, the media layer's slot assignment) when what a seat's slots carry
    # changes; the registry sets it to tell that seat.
    on_slots: Callable[[str, Any], None] | None

    async def negotiate(self, peer_id: str, offer_sdp: str) -> str:
        """Answer an SDP offer; returns the SDP answer."""
        ...

    def place(self, peer_id: str, room_id: str | None, may_publish: bool) -> None: ...

    def set_muted(self, peer_id: str, muted: bool) -> None: ...

    def set_channel(self, peer_id: str, source_peer_id: str | None) -> None:
        """Which source the seat hears: a peer id, or None for the room's floor."""
        ...

    def set_low_data(self, peer_id: str, low_data: bool) -> None:
        """16 kbit/s renditions instead of the originals, for every voice the seat hears."""
        ...

    def set_camera(self, peer_id: str, on: bool) -> None:
        """Whether the seat's camera may be shown."""
        ...

    def set_pinned(self, peer_id: str, sources: list[str | None]) -> None:
        """The cameras the seat's pinned video slots show (a sign-language interpreter)."""
        ...

    def set_sharing(self, peer_id: str, on: bool) -> None:
        """Whether the seat's screen fills its room's share slot."""
        ...

    def set_floor_tap(self, room_id: str, tap: Any | None) -> None:
        """Let ``tap`` hear every microphone on the room's floor, encoded (automatic
        captions, ``rooms.autocaptions``); None stops it."""
        ...

    def set_voice_tap(self, key: str, peer_id: str | None, tap: Any | None) -> None:
        """Let ``tap`` hear one seat's microphone wherever it is (a booth's voice on air, for
        its automatic captions); the same ``key`` again moves it; ``tap`` None stops it."""
        ...

    async def close(self, peer_id: str) -> None: ...

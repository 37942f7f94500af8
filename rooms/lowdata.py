"""Low-data mode, a protocol extension: a listener asks for 9 kbit/s renditions of every voice.

The rooms protocol proper has no such message, so the application installs this
extension on its registry (``Registry(..., extensions=[lowdata.install])``). The
choice belongs to the seat's media peer, so it survives a reconnect that resumes
the seat; a fresh seat starts in normal mode and the client asks again.
"""

from __future__ import annotations

from dataclasses import dataclass

from rooms.media.datause import megabytes_per_hour
from rooms.media.rendition import FRAME_MS, LOW_BITRATE
from rooms.signalling import ClientMessage, Context, Dispatcher, ServerMessage
from rooms.signalling.errors import MediaUnavailable

__all__ = ["NORMAL_BITRATE", "LowData", "LowDataSet", "data_use", "install"]

NORMAL_BITRATE = 32_000
"""What a browser's Opus voice stream usually carries; forwarded packets keep it."""

CAMERA_BITRATE = 500_000
"""The most a camera sends (static/js/protocol/peer.js caps it); the server forwards it as is."""


@dataclass(frozen=True, kw_only=True)
class LowData(ClientMessage):
    type = "low_data"
    enabled: bool


@dataclass(frozen=True, kw_only=True)
class LowDataSet(ServerMessage):
    type = "low_data_set"
    enabled: bool
    bitrate: int  # bits per second of each voice this seat now receives
    megabytes_per_hour: float  # per voice heard, packet overhead included


def _use(low: bool) -> float:
    if low:
        return round(megabytes_per_hour(LOW_BITRATE, frame_ms=FRAME_MS), 1)
    return round(megabytes_per_hour(NORMAL_BITRATE), 1)


def data_use() -> dict[str, dict[str, float]]:
    """Expected use per voice heard in both modes, and at most per picture seen (for the page)."""
    return {
        "normal": {"bitrate": NORMAL_BITRATE, "megabytes_per_hour": _use(False)},
        "low": {"bitrate": LOW_BITRATE, "megabytes_per_hour": _use(True)},
        "video": {
            "bitrate": CAMERA_BITRATE,
            "megabytes_per_hour": round(CAMERA_BITRATE * 3600 / 8 / 1_000_000),
        },
    }


async def low_data(ctx: Context, message: LowData) -> None:
    if ctx.registry.media is None:
        raise MediaUnavailable("this server has no low-data mode")
    ctx.registry.media.set_low_data(ctx.seat.seat_id, message.enabled)
    bitrate = LOW_BITRATE if message.enabled else NORMAL_BITRATE
    ctx.reply(
        LowDataSet(
            enabled=message.enabled,
            bitrate=bitrate,
            megabytes_per_hour=_use(message.enabled),
        )
    )


def install(dispatcher: Dispatcher) -> None:
    dispatcher.register(LowData, low_data)
    dispatcher.catalog.add_server(LowDataSet)

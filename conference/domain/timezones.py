"""IANA timezones: validation and conversion for showing times to people where they are."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones()) | {"UTC"}


def is_known(name: str) -> bool:
    return name in _zones()


def all_names() -> list[str]:
    return sorted(_zones())


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name if is_known(name) else "UTC")


def local(moment: datetime, name: str) -> datetime:
    """An aware UTC time seen in the named zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone(name))


def to_utc(naive_local: datetime, name: str) -> datetime:
    """A wall-clock time in the named zone, as aware UTC."""
    return naive_local.replace(tzinfo=zone(name)).astimezone(UTC)

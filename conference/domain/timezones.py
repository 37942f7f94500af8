"""IANA timezones: validation and conversion for showing times to people where they are."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

# Legacy names that browsers (ICU) still report, and the names tzdata now uses.
ALIASES = {
    "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Saigon": "Asia/Ho_Chi_Minh",
    "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Rangoon": "Asia/Yangon",
    "Asia/Ulan_Bator": "Asia/Ulaanbaatar",
    "Europe/Kiev": "Europe/Kyiv",
    "America/Godthab": "America/Nuuk",
    "Atlantic/Faeroe": "Atlantic/Faroe",
    "Pacific/Ponape": "Pacific/Pohnpei",
    "Pacific/Truk": "Pacific/Chuuk",
    "Pacific/Enderbury": "Pacific/Kanton",
}


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones()) | {"UTC"}


def is_known(name: str) -> bool:
    return name in _zones() or name in ALIASES


def canonical(name: str) -> str:
    """The current tzdata name for a zone a browser may report by its legacy name."""
    return ALIASES.get(name, name)


@cache
def all_names() -> list[str]:
    """Zones for pickers: current names only, without the legacy aliases."""
    return sorted(z for z in _zones() if z not in ALIASES)


@cache
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

"""Support requests: what a registrant needs in order to take part."""

from __future__ import annotations

from enum import StrEnum


class SupportKind(StrEnum):
    DATA_PACKAGE = "data_package"
    CHILDCARE = "childcare"


class SupportStatus(StrEnum):
    REQUESTED = "requested"
    GRANTED = "granted"
    DECLINED = "declined"

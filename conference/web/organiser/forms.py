"""Small helpers the organiser and interpreter forms share."""

from __future__ import annotations

from datetime import datetime

from ...domain import timezones
from ...domain.registration import Form
from ..ids import parse_number
from ..page import Ctx


def form_of(ctx: Ctx) -> Form:
    """The submitted form, read the way the domain's cleaning functions expect."""
    return Form(ctx.value, ctx.values)


def datetime_local(moment: datetime, zone: str) -> str:
    """An aware time as the value of an ``<input type="datetime-local">`` in ``zone``."""
    return timezones.local(moment, zone).strftime("%Y-%m-%dT%H:%M")


def int_param(raw: str | None) -> int | None:
    """A whole number from a query parameter or path, or None when it is not one."""
    return parse_number(raw or "")

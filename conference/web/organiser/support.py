"""Support requests: the list with its filters, and granting or declining one by hand."""

from __future__ import annotations

import logging
import re
from decimal import Decimal
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from ...domain import fields
from ...domain.fields import Errors, FieldError
from ...domain.people import Role
from ...domain.support import SupportKind, SupportStatus
from ...storage import support as storage
from ...storage.tables import Conference
from ..messages import N_
from ..page import Ctx, NotFound, page

# Request details (carriers, children, countries) are personal: log lines carry ids only.
log = logging.getLogger(__name__)

MAX_REASON = 500
MAX_AMOUNT_CENTS = 100_000_000
_AMOUNT = re.compile(r"^\d{1,9}(\.\d{1,2})?$")
DECISIONS = ("grant", "decline")


def amount_cents(value: str | None) -> int | None:
    """An optional amount with at most two decimals (``12.5`` → 1250), or :class:`FieldError`."""
    typed = (value or "").strip()
    if not typed:
        return None
    raw = typed.replace(",", ".")  # a decimal comma is as common as a decimal point
    if not _AMOUNT.match(raw):
        raise FieldError(
            "%(value)s is not an amount such as 12.50 (at most two decimals).", value=typed[:20]
        )
    cents = int(Decimal(raw) * 100)
    if cents > MAX_AMOUNT_CENTS:
        raise FieldError("This amount is too large.")
    return cents


def clean_decision(
    decision: str | None, amount: str | None, reason: str | None
) -> tuple[tuple[str, int | None, str] | None, Errors]:
    """A decline needs a reason; a grant may carry an amount."""
    errors = Errors()
    chosen = errors.run("decision", fields.choice, decision, DECISIONS)
    cents = errors.run("amount", amount_cents, amount) if chosen == "grant" else None
    text = errors.run("reason", fields.text, reason, required=chosen == "decline", limit=MAX_REASON)
    if errors or chosen is None or text is None:
        return None, errors
    return (chosen, cents, text), errors


def _choice(raw: str, allowed: list[str]) -> str | None:
    return raw if raw in allowed else None


@page(role=Role.ORGANISER)
def support_list(ctx: Ctx) -> Response:
    conference = ctx.conference()
    params = ctx.request.query_params
    status = _choice(params.get("status", ""), [s.value for s in SupportStatus])
    kind = _choice(params.get("kind", ""), [k.value for k in SupportKind])
    return ctx.render(
        "organiser/support.html",
        currency=ctx.services.settings.currency,
        conference=conference,
        requests=storage.listing(ctx.db, conference, status=status, kind=kind),
        values={"status": status or "", "kind": kind or ""},
        counts=storage.counts_by_status(ctx.db, conference),
        decided=ctx.request.query_params.get("decided", ""),
    )


def _decision_page(
    ctx: Ctx,
    conference: Conference,
    listed: storage.Listed,
    values: dict[str, Any],
    errors: Errors,
    status_code: int = 200,
) -> Response:
    return ctx.render(
        "organiser/support_decide.html",
        status_code=status_code,
        conference=conference,
        listed=listed,
        r=listed.request,
        values=values,
        errors=errors,
    )


@page(role=Role.ORGANISER)
def support_decide(ctx: Ctx) -> Response:
    conference = ctx.conference()
    listed = storage.get(ctx.db, conference, ctx.request.path_params["request_id"])
    if listed is None:
        raise NotFound(N_("There is no such support request."))
    request = listed.request
    if ctx.request.method == "GET":
        values = {
            "decision": {"granted": "grant", "declined": "decline"}.get(request.status, ""),
            "amount": f"{request.amount_cents / 100:.2f}" if request.amount_cents else "",
            "reason": request.reason,
        }
        return _decision_page(ctx, conference, listed, values, Errors())
    typed = {key: ctx.value(key) for key in ("decision", "amount", "reason")}
    decision, errors = clean_decision(typed["decision"], typed["amount"], typed["reason"])
    if decision is None:
        ctx.db.rollback()
        return _decision_page(ctx, conference, listed, typed, errors, status_code=400)
    chosen, cents, reason = decision
    if chosen == "grant":
        storage.grant(ctx.db, request, cents, reason)
    else:
        storage.decline(ctx.db, request, reason)
    log.info(
        "support request #%s %s by person #%s",
        request.id,
        request.status,
        ctx.person.id if ctx.person else None,
    )
    return ctx.redirect(f"/organiser/support?decided={request.id}")


routes = [
    Route("/organiser/support", support_list),
    Route("/organiser/support/{request_id:id}", support_decide, methods=["GET", "POST"]),
]

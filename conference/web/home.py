"""The start page, and the error pages that stand in for any traceback."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time
from typing import Any

from sqlmodel import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from ..domain import timezones
from ..domain.people import Role
from ..storage import agenda
from ..storage.tables import Conference, Registration
from . import viewer
from .log_redaction import redact
from .page import Ctx, language_of, page, page_context, services_of

log = logging.getLogger("conference.web")


@page()
def home(ctx: Ctx) -> Response:
    """What is on now and next in the viewer's zone; for a signed-in person, their own part."""
    conference = ctx.db.exec(select(Conference).order_by(Conference.id)).first()  # type: ignore[arg-type]
    if conference is None:
        return ctx.render("home.html", conference=None)
    registration = None
    if ctx.person is not None:
        registration = ctx.db.exec(
            select(Registration).where(Registration.person_id == ctx.person.id)
        ).first()
    asked = ctx.request.query_params.get("tz", "")
    zone = asked if asked and timezones.is_known(asked) else viewer.zone_of(ctx, conference)
    now = datetime.now(UTC)
    running, later = agenda.now_and_next(ctx.db, conference, now)
    mine: dict[str, Any] = {}
    person = ctx.person
    if person is not None and person.id is not None:
        mine["sessions"] = agenda.attending(ctx.db, conference, person.id, now)[:5]
        if ctx.has(Role.INTERPRETER):
            mine["turns"] = agenda.booth_turns(ctx.db, person.id, now)[:6]
            mine["consoles"] = agenda.booth_sessions(ctx.db, person.id)
        mine["talks"] = agenda.talk_slots(ctx.db, person.id)
        if ctx.has(Role.ORGANISER):
            mine["boards"] = [s for s in agenda.interpreted(ctx.db, conference) if s.end > now][:5]
    start = datetime.combine(conference.start_date, time(12), tzinfo=UTC)
    end = datetime.combine(conference.end_date, time(12), tzinfo=UTC)
    return ctx.render(
        "home.html",
        conference=conference,
        registration=registration,
        start=start,
        end=end,
        zone=zone,
        follow_browser=not asked and registration is None,
        running=running,
        later=later,
        mine=mine,
    )


_TITLES = {
    400: "This request could not be understood",
    403: "You may not do that",
    404: "Not found",
    405: "Not allowed",
    410: "This link no longer works",
    413: "Too large",
    429: "Too many requests",
}


def _error_page(request: Request, status: int, message: str) -> Response:
    lang = language_of(request)
    try:
        services = services_of(request)
        context = page_context(request, lang, None)
        context.update(
            title=lang.gettext(_TITLES.get(status, "Something went wrong")), message=message
        )
        html = services.templates.get_template("error.html").render(context)
    except Exception:  # the error page itself must never fail
        log.exception("error page failed")
        html = f"<!doctype html><title>{status}</title><h1>{status}</h1>"
    return HTMLResponse(html, status_code=status)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    lang = language_of(request)
    values = getattr(exc, "values", None) or {}
    return _error_page(request, exc.status_code, lang.gettext(exc.detail, **values))


async def server_error(request: Request, exc: Exception) -> Response:
    # The traceback goes to the log (no personal data in it: forms are not logged), never to the page.
    log.error("unhandled error on %s %s", request.method, redact(request.url.path), exc_info=exc)
    lang = language_of(request)
    return _error_page(
        request, 500, lang.gettext("Something went wrong on our side. Please try again.")
    )


async def favicon(request: Request) -> Response:
    """Browsers ask for /favicon.ico whatever the page links: send them to the icon."""
    return RedirectResponse("/static/favicon.svg", status_code=301)


routes = [Route("/", home), Route("/favicon.ico", favicon)]

"""The programme editor: list, add, change and delete sessions, with overlap warnings."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from ...domain import fields, languages
from ...domain.fields import Errors
from ...domain.people import Role
from ...domain.registration import Form
from ...domain.sessions import SessionKind, Span, overlap_warnings
from ...storage import sessions as storage
from ...storage.tables import Conference, Session
from ..messages import N_
from ..page import Ctx, NotFound, page
from .forms import datetime_local, form_of

log = logging.getLogger(__name__)

MAX_TITLE = 200
MAX_DESCRIPTION = 4000
LANGUAGE_FIELDS = ("floor_languages", "interpretation_languages")


@dataclass(frozen=True)
class SessionData:
    title: str
    kind: str
    start: datetime
    end: datetime
    floor_languages: list[str]
    interpretation_languages: list[str]
    description: str


def _typed_languages(form: Form, name: str) -> list[str]:
    """The languages picked in the list, then any tags typed in the "other" box."""
    return [*form.get_list(name), *(form.get(f"{name}_other") or "").split()]


def clean(form: Form, zone: str) -> tuple[SessionData | None, Errors]:
    """Validate the session form; times are wall-clock in the conference's ``zone``."""
    errors = Errors()
    title = errors.run("title", fields.text, form.get("title"), limit=MAX_TITLE)
    kind = errors.run("kind", fields.choice, form.get("kind"), [k.value for k in SessionKind])
    start = errors.run("start", fields.local_time, form.get("start"), zone)
    end = errors.run("end", fields.local_time, form.get("end"), zone)
    errors.run("end", fields.span, start, end)
    floor = errors.run(
        "floor_languages", fields.language_list, _typed_languages(form, "floor_languages")
    )
    interpretation = errors.run(
        "interpretation_languages",
        fields.language_list,
        _typed_languages(form, "interpretation_languages"),
        required=False,
    )
    description = errors.run(
        "description", fields.text, form.get("description"), required=False, limit=MAX_DESCRIPTION
    )
    if (
        errors
        or title is None
        or kind is None
        or start is None
        or end is None
        or floor is None
        or interpretation is None
        or description is None
    ):
        return None, errors
    return SessionData(title, kind, start, end, floor, interpretation, description), errors


def _submitted(ctx: Ctx) -> dict[str, Any]:
    values: dict[str, Any] = {
        key: ctx.value(key)
        for key in ("title", "kind", "start", "end", "description")
        + tuple(f"{name}_other" for name in LANGUAGE_FIELDS)
    }
    for name in LANGUAGE_FIELDS:
        values[name] = ctx.values(name)
    return values


def _stored(row: Session, zone: str) -> dict[str, Any]:
    return {
        "title": row.title,
        "kind": row.kind,
        "start": datetime_local(row.start, zone),
        "end": datetime_local(row.end, zone),
        "floor_languages": list(row.floor_languages),
        "interpretation_languages": list(row.interpretation_languages),
        "description": row.description,
    }


def _warnings(row: Session, programme: list[Session]) -> list[Span]:
    (candidate,) = storage.spans([row])
    return overlap_warnings(candidate, storage.spans(programme))


def _session_or_404(ctx: Ctx, conference: Conference) -> Session:
    row = storage.get(ctx.db, conference, ctx.request.path_params["session_id"])
    if row is None:
        raise NotFound(N_("There is no such session."))
    return row


def _form_page(
    ctx: Ctx,
    conference: Conference,
    row: Session | None,
    values: dict[str, Any],
    errors: Errors,
    status_code: int = 200,
) -> Response:
    warnings = _warnings(row, storage.programme(ctx.db, conference)) if row and not errors else []
    return ctx.render(
        "organiser/session_form.html",
        status_code=status_code,
        conference=conference,
        session=row,
        values=values,
        errors=errors,
        warnings=warnings,
        language_choices=languages.choices(),
        saved=ctx.request.query_params.get("saved") == "1",
    )


def _save(ctx: Ctx, conference: Conference, existing: Session | None) -> Response:
    data, errors = clean(form_of(ctx), conference.timezone)
    if data is None:
        ctx.db.rollback()
        return _form_page(ctx, conference, existing, _submitted(ctx), errors, status_code=400)
    row = storage.save(
        ctx.db,
        conference,
        existing,
        title=data.title,
        kind=data.kind,
        start=data.start,
        end=data.end,
        floor_languages=data.floor_languages,
        interpretation_languages=data.interpretation_languages,
        description=data.description,
    )
    log.info("session #%s saved by person #%s", row.id, ctx.person.id if ctx.person else None)
    return ctx.redirect(f"/organiser/sessions/{row.id}?saved=1")


@page(role=Role.ORGANISER)
def session_list(ctx: Ctx) -> Response:
    conference = ctx.conference()
    programme = storage.programme(ctx.db, conference)
    return ctx.render(
        "organiser/sessions.html",
        conference=conference,
        sessions=[(s, _warnings(s, programme)) for s in programme],
        deleted=ctx.request.query_params.get("deleted") == "1",
    )


@page(role=Role.ORGANISER)
def session_new(ctx: Ctx) -> Response:
    conference = ctx.conference()
    if ctx.request.method == "POST":
        return _save(ctx, conference, None)
    values = {
        "kind": SessionKind.PLENARY.value,
        "floor_languages": [],
        "interpretation_languages": [],
    }
    return _form_page(ctx, conference, None, values, Errors())


@page(role=Role.ORGANISER)
def session_edit(ctx: Ctx) -> Response:
    conference = ctx.conference()
    row = _session_or_404(ctx, conference)
    if ctx.request.method == "POST":
        return _save(ctx, conference, row)
    return _form_page(ctx, conference, row, _stored(row, conference.timezone), Errors())


@page(role=Role.ORGANISER)
def session_delete(ctx: Ctx) -> Response:
    """GET asks for confirmation; only a POST with ``confirm`` deletes."""
    conference = ctx.conference()
    row = _session_or_404(ctx, conference)
    hanging = storage.dependents(ctx.db, row)
    if ctx.request.method == "POST" and ctx.value("confirm") == "yes" and not hanging.blocking:
        storage.delete(ctx.db, row)
        log.info("session #%s deleted by person #%s", row.id, ctx.person.id if ctx.person else None)
        return ctx.redirect("/organiser/sessions?deleted=1")
    status = 400 if ctx.request.method == "POST" else 200
    return ctx.render(
        "organiser/session_delete.html",
        status_code=status,
        conference=conference,
        session=row,
        dependents=hanging,
        unconfirmed=ctx.request.method == "POST" and not hanging.blocking,
    )


routes = [
    Route("/organiser/sessions", session_list),
    Route("/organiser/sessions/new", session_new, methods=["GET", "POST"]),
    Route("/organiser/sessions/{session_id:id}", session_edit, methods=["GET", "POST"]),
    Route("/organiser/sessions/{session_id:id}/delete", session_delete, methods=["GET", "POST"]),
]

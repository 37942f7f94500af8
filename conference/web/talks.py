"""A speaker's lightning talks: submit one, see them all, edit one until the organisers decide.

- ``GET /talks``: the signed-in person's talks, with their status and slot.
- ``GET|POST /talks/new``: submit a talk (no role comes with it: see
  ``storage.talks.save``).
- ``GET|POST /talks/{id}``: see the talk, and change it while it is still undecided.

Windows are typed in the speaker's own timezone and kept in UTC.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlmodel import select
from starlette.responses import Response
from starlette.routing import Route

from ..domain import languages, talks, timezones
from ..domain.fields import Errors
from ..domain.interpreters import window_field
from ..storage import talks as storage
from ..storage.plans import SLOT_MINUTES
from ..storage.tables import Conference, LightningTalk, Registration
from .messages import N_
from .organiser.forms import datetime_local, form_of
from .page import Ctx, NotFound, page

log = logging.getLogger(__name__)

BLANK_ROWS = 2
STATUS_NAMES = {
    "submitted": N_("Submitted, waiting for the organisers"),
    "accepted": N_("Accepted"),
    "rejected": N_("Not accepted"),
    "waitlisted": N_("On the waiting list"),
}


def viewer_zone(ctx: Ctx, conference: Conference) -> str:
    """The signed-in person's timezone: their registration's, else the conference's."""
    if ctx.person is not None:
        registration = ctx.db.exec(
            select(Registration).where(Registration.person_id == ctx.person.id)
        ).first()
        if registration is not None:
            return registration.timezone
    return conference.timezone


def _stored(ctx: Ctx, talk: LightningTalk) -> dict[str, Any]:
    zone = talk.timezone
    return {
        "title": talk.title,
        "abstract": talk.abstract,
        "language": talk.language,
        "duration_minutes": str(talk.duration_minutes),
        "slides_url": talk.slides_url,
        "timezone": zone,
        "windows": [
            (datetime_local(w.start, zone), datetime_local(w.end, zone))
            for w in storage.windows(ctx.db, talk)
        ],
    }


def _submitted(ctx: Ctx) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: ctx.value(name)
        for name in ("title", "abstract", "language", "duration_minutes", "slides_url", "timezone")
    }
    starts, ends = ctx.values("window_start"), ctx.values("window_end")
    rows = max(len(starts), len(ends))
    values["windows"] = [
        (starts[i] if i < len(starts) else "", ends[i] if i < len(ends) else "")
        for i in range(rows)
    ]
    return values


def _form(
    ctx: Ctx,
    conference: Conference,
    talk: LightningTalk | None,
    values: dict[str, Any],
    errors: Errors,
    status_code: int = 200,
) -> Response:
    offered = storage.offered_languages(ctx.db, conference)
    values["windows"] = [*values["windows"], *[("", "")] * BLANK_ROWS]
    return ctx.render(
        "talks/form.html",
        status_code=status_code,
        conference=conference,
        talk=talk,
        values=values,
        errors=errors,
        language_choices=[(tag, languages.native_name(tag)) for tag in offered],
        timezones=timezones.all_names(),
        window_field=window_field,
        max_minutes=int(min(talks.MAX_DURATION, SLOT_MINUTES)),
        status_names=STATUS_NAMES,
        zone=viewer_zone(ctx, conference),
        saved=ctx.request.query_params.get("saved") == "1",
    )


def _save(ctx: Ctx, conference: Conference, talk: LightningTalk | None) -> Response:
    assert ctx.person is not None
    offered = storage.offered_languages(ctx.db, conference)
    data, errors = talks.clean_talk(form_of(ctx), offered, SLOT_MINUTES)
    if data is None:
        ctx.db.rollback()
        return _form(ctx, conference, talk, _submitted(ctx), errors, status_code=400)
    saved = storage.save(ctx.db, conference, ctx.person, data, talk)
    log.info("lightning talk #%s saved by person #%s", saved.id, ctx.person.id)
    return ctx.redirect(f"/talks/{saved.id}?saved=1")


@page(signed_in=True)
def my_talks(ctx: Ctx) -> Response:
    assert ctx.person is not None
    conference = ctx.conference()
    mine = storage.of_speaker(ctx.db, ctx.person)
    blocks = {b.id: b for b in storage.blocks(ctx.db, conference)}
    return ctx.render(
        "talks/index.html",
        talks=mine,
        blocks=blocks,
        zone=viewer_zone(ctx, conference),
        status_names=STATUS_NAMES,
    )


@page(signed_in=True)
def new_talk(ctx: Ctx) -> Response:
    conference = ctx.conference()
    if ctx.request.method == "POST":
        return _save(ctx, conference, None)
    values: dict[str, Any] = {
        "duration_minutes": str(int(min(talks.MAX_DURATION, SLOT_MINUTES))),
        "timezone": viewer_zone(ctx, conference),
        "windows": [],
    }
    return _form(ctx, conference, None, values, Errors())


@page(signed_in=True)
def one_talk(ctx: Ctx) -> Response:
    assert ctx.person is not None
    conference = ctx.conference()
    talk = storage.get(ctx.db, conference, ctx.request.path_params["talk_id"])
    if talk is None or talk.speaker_id != ctx.person.id:
        raise NotFound(N_("There is no such talk among yours."))
    if ctx.request.method == "POST":
        if not talks.editable(talk.status):
            ctx.db.rollback()
            errors = Errors(
                form=N_("The organisers have decided about this talk; it can no longer be changed.")
            )
            return _form(ctx, conference, talk, _submitted(ctx), errors, status_code=409)
        return _save(ctx, conference, talk)
    return _form(ctx, conference, talk, _stored(ctx, talk), Errors())


routes = [
    Route("/talks", my_talks),
    Route("/talks/new", new_talk, methods=["GET", "POST"]),
    Route("/talks/{talk_id:id}", one_talk, methods=["GET", "POST"]),
]

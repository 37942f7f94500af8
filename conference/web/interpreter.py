"""The interpreter profile: A, B and C languages, a daily limit and availability windows.

Interpreters edit their own at /interpreter/profile; organisers edit anyone's at
/organiser/interpreters/{person_id}/profile with the same form (the list of interpreters
is in :mod:`conference.web.organiser.interpreters`).
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from ..domain import interpreters, languages, timezones
from ..domain.fields import Errors
from ..domain.people import Role
from ..storage import interpreters as storage
from ..storage.tables import InterpreterProfile, Person
from .messages import N_
from .organiser.forms import datetime_local, form_of
from .page import Ctx, NotFound, page

log = logging.getLogger(__name__)

BLANK_ROWS = 3


def _stored(ctx: Ctx, profile: InterpreterProfile) -> dict[str, Any]:
    zone = profile.timezone
    return {
        "a_languages": list(profile.a_languages),
        "b_languages": list(profile.b_languages),
        "c_languages": list(profile.c_languages),
        "timezone": zone,
        "max_minutes_per_day": str(profile.max_minutes_per_day or ""),
        "windows": [
            (datetime_local(w.start, zone), datetime_local(w.end, zone))
            for w in storage.windows(ctx.db, profile)
        ],
    }


def _submitted(ctx: Ctx) -> dict[str, Any]:
    values: dict[str, Any] = {level: ctx.values(level) for level in interpreters.LEVELS}
    values["timezone"] = ctx.value("timezone")
    values["max_minutes_per_day"] = ctx.value("max_minutes_per_day")
    starts, ends = ctx.values("window_start"), ctx.values("window_end")
    rows = max(len(starts), len(ends))
    values["windows"] = [
        (starts[i] if i < len(starts) else "", ends[i] if i < len(ends) else "")
        for i in range(rows)
    ]
    return values


def profile_page(ctx: Ctx, person: Person, *, own: bool) -> Response:
    """Show or save ``person``'s profile; ``own`` when interpreters edit their own."""
    profile = storage.profile_of(ctx.db, person)
    status = 200
    errors = Errors()
    if ctx.request.method == "POST":
        data, errors = interpreters.clean_profile(form_of(ctx))
        if data is not None:
            storage.save(ctx.db, profile, data)
            log.info("interpreter profile #%s saved by person #%s", profile.id, _actor(ctx))
            return ctx.redirect(f"{ctx.request.url.path}?saved=1")
        ctx.db.rollback()
        values = _submitted(ctx)
        status = 400
    else:
        values = _stored(ctx, profile)
    # Rows without JavaScript: what is there, and a few blank ones to add more.
    values["windows"] = [*values["windows"], *[("", "")] * BLANK_ROWS]
    return ctx.render(
        "interpreter/profile.html",
        status_code=status,
        who=person,
        own=own,
        values=values,
        errors=errors,
        language_choices=languages.choices(),
        timezones=timezones.all_names(),
        saved=ctx.request.query_params.get("saved") == "1",
        window_field=interpreters.window_field,
        max_minutes=interpreters.MAX_MINUTES_PER_DAY,
    )


def _actor(ctx: Ctx) -> int | None:
    return ctx.person.id if ctx.person else None


@page(role=Role.INTERPRETER)
def own_profile(ctx: Ctx) -> Response:
    assert ctx.person is not None
    return profile_page(ctx, ctx.person, own=True)


@page(role=Role.ORGANISER)
def any_profile(ctx: Ctx) -> Response:
    person = ctx.db.get(Person, ctx.request.path_params["person_id"])
    if person is None or Role.INTERPRETER.value not in person.roles:
        raise NotFound(N_("There is no interpreter with this number."))
    return profile_page(ctx, person, own=False)


routes = [
    Route("/interpreter/profile", own_profile, methods=["GET", "POST"]),
    Route("/organiser/interpreters/{person_id:id}/profile", any_profile, methods=["GET", "POST"]),
]

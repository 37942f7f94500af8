"""The programme in the viewer's timezone, and each registrant's calendar feed."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlmodel import col, select
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from ..domain import calendar, timezones
from ..domain.people import Role
from ..storage import agenda, registrations
from ..storage import talks as lightning_talks
from ..storage.tables import Registration, Session
from .microcache import MicroCache
from .page import Ctx, NotFound, page


def _viewer_registration(ctx: Ctx) -> Registration | None:
    if ctx.person is None:
        return None
    return ctx.db.exec(select(Registration).where(Registration.person_id == ctx.person.id)).first()


@page()
def programme(ctx: Ctx) -> Response:
    asked = ctx.request.query_params.get("tz", "")
    # Everyone opens the programme at once before a session; anonymous views are the same
    # for everyone with the same zone and language, so each is rendered once every few seconds.
    cache: MicroCache = ctx.services.extras.setdefault("programme_cache", MicroCache())
    key = (asked, ctx.lang.code)
    if ctx.person is None and (body := cache.get(key)) is not None:
        return HTMLResponse(body)
    conference = ctx.conference()
    registration = _viewer_registration(ctx)
    if asked and timezones.is_known(asked):
        zone = asked
    elif registration is not None:
        zone = registration.timezone
    else:
        zone = conference.timezone
    sessions = ctx.db.exec(
        select(Session)
        .where(Session.conference_id == conference.id)
        .order_by(col(Session.start), col(Session.id))
    ).all()
    attending: set[int] = set()
    if registration is not None and registration.id is not None:
        attending = set(registrations.attended_sessions(ctx.db, registration.id))
    consoles: set[int] = set()
    if ctx.person is not None and ctx.person.id is not None and ctx.has(Role.INTERPRETER):
        consoles = agenda.booth_sessions(ctx.db, ctx.person.id)
    days: dict[date, list[Session]] = defaultdict(list)
    for s in sessions:
        days[timezones.local(s.start, zone).date()].append(s)
    response = ctx.render(
        "programme.html",
        conference=conference,
        zone=zone,
        asked_unknown=bool(asked) and not timezones.is_known(asked),
        days=sorted(days.items()),
        attending=attending,
        consoles=consoles,
        follow_browser=not asked and registration is None,
        registration=registration,
        lightning=lightning_talks.slotted_by_block(ctx.db, conference),
    )
    if ctx.person is None:
        cache.put(key, bytes(response.body))
    return response


@page()
def calendar_feed(ctx: Ctx) -> Response:
    """The sessions one registrant attends; the feed's own read-only token is the key."""
    token = ctx.request.path_params["token"]
    registration = registrations.by_calendar_token(ctx.db, token)
    if registration is None or registration.id is None:
        raise NotFound("This calendar link is not valid.")
    conference = ctx.conference()
    ids = registrations.attended_sessions(ctx.db, registration.id)
    sessions = (
        ctx.db.exec(
            select(Session).where(col(Session.id).in_(ids)).order_by(col(Session.start))
        ).all()
        if ids
        else []
    )
    site = ctx.services.settings.site_url
    host = site.split("://", 1)[-1].split("/", 1)[0]
    entries = [
        calendar.Entry(
            uid=f"session-{s.id}@{host}",
            title=s.title,
            start=s.start,
            end=s.end,
            description=s.description,
            url=f"{site}/programme#session-{s.id}",
        )
        for s in sessions
    ]
    # A speaker's own lightning slots, inside whichever block holds them.
    for talk, block in lightning_talks.speaker_slots(ctx.db, registration.person_id):
        assert talk.slot_start is not None
        entries.append(
            calendar.Entry(
                uid=f"talk-{talk.id}@{host}",
                title=ctx._("Your lightning talk: %(title)s", title=talk.title),
                start=talk.slot_start,
                end=talk.slot_end or talk.slot_start,
                description=block.title,
                url=f"{site}/talks/{talk.id}",
            )
        )
    body = calendar.feed(conference.name, registration.timezone, entries)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="sessions.ics"'},
    )


routes = [
    Route("/programme", programme),
    Route("/calendar/{token}.ics", calendar_feed),
]

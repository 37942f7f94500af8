"""Polls as the organiser runs them: create, open, close, publish, watch the result live,
and export the raw anonymised ballots (CSV and JSON) from which anyone can recount."""

from __future__ import annotations

import csv
import io
import json
import logging

from sqlmodel import col, select
from starlette.responses import Response
from starlette.routing import Route

from ...domain import polls as domain
from ...domain.fields import Errors
from ...domain.people import Role
from ...storage import polls as storage
from ...storage.tables import Poll
from ...storage.tables import Session as ProgrammeSession
from ..messages import N_
from ..page import Ctx, NotFound, page
from ..poll_picture import poll_bars
from ..polls import poll_id, results_by_room

log = logging.getLogger(__name__)

STATUS_NAMES = {
    domain.PollStatus.DRAFT: N_("draft: not open yet"),
    domain.PollStatus.OPEN: N_("open for ballots"),
    domain.PollStatus.CLOSED: N_("closed"),
    domain.PollStatus.PUBLISHED: N_("published"),
}
ACTION_NAMES = {
    "open": N_("Open for ballots"),
    "close": N_("Close"),
    "publish": N_("Publish results"),
}


def _sessions(ctx: Ctx) -> list[ProgrammeSession]:
    return list(
        ctx.db.exec(
            select(ProgrammeSession)
            .where(ProgrammeSession.conference_id == ctx.conference().id)
            .order_by(col(ProgrammeSession.start), col(ProgrammeSession.id))
        ).all()
    )


@page(role=Role.ORGANISER)
def poll_list(ctx: Ctx) -> Response:
    conference = ctx.conference()
    sessions = _sessions(ctx)
    values = {"title": "", "options": "", "session": ""}
    errors = Errors()
    status_code = 200
    if ctx.request.method == "POST":
        values = {key: ctx.value(key) for key in values}
        data, errors = domain.clean_poll(
            values["title"], values["options"], values["session"], [s.id for s in sessions if s.id]
        )
        if data is not None:
            poll = storage.create(ctx.db, conference, data)
            log.info("Poll #%s created", poll.id)
            return ctx.redirect(f"/organiser/polls/{poll.id}")
        ctx.db.rollback()
        status_code = 400
    return ctx.render(
        "organiser/polls.html",
        status_code=status_code,
        polls=storage.listing(ctx.db, conference),
        sessions=sessions,
        session_titles={s.id: s.title for s in sessions},
        status_names=STATUS_NAMES,
        values=values,
        errors=errors,
    )


def _poll(ctx: Ctx) -> Poll:
    poll = storage.get(ctx.db, ctx.conference(), poll_id(ctx))
    if poll is None:
        raise NotFound(N_("There is no such poll."))
    return poll


@page(role=Role.ORGANISER)
def poll_detail(ctx: Ctx) -> Response:
    poll = _poll(ctx)
    status = domain.PollStatus(poll.status)
    if ctx.request.method == "POST":
        try:
            poll.status = domain.next_status(status, ctx.value("action")).value
        except domain.PollTransitionError:
            ctx.db.rollback()
            return ctx.redirect(f"/organiser/polls/{poll.id}")
        ctx.db.add(poll)
        log.info("Poll #%s is now %s", poll.id, poll.status)
        return ctx.redirect(f"/organiser/polls/{poll.id}")
    overall, rooms = results_by_room(ctx, poll)
    session = ctx.db.get(ProgrammeSession, poll.session_id) if poll.session_id else None
    return ctx.render(
        "organiser/poll.html",
        poll=poll,
        session=session,
        status_name=STATUS_NAMES[status],
        actions=[
            (a, ACTION_NAMES[a]) for a, (froms, _) in domain.TRANSITIONS.items() if status in froms
        ],
        overall=overall,
        chart=poll_bars(overall, ctx._),
        rooms=[(name, result, poll_bars(result, ctx._, limit=10)) for name, result in rooms],
    )


def ballots_csv(poll: Poll, ballots: list[storage.AnonymousBallot]) -> str:
    """One row per ballot: its room, then the options it ranked, best first."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["ballot", "room", *[f"choice_{i}" for i in range(1, len(poll.options) + 1)]])
    for number, ballot in enumerate(ballots, start=1):
        writer.writerow([number, ballot.room, *[poll.options[i] for i in ballot.ranking]])
    return out.getvalue()


def ballots_json(poll: Poll, ballots: list[storage.AnonymousBallot]) -> str:
    return json.dumps(
        {
            "poll": poll.title,
            "options": poll.options,
            "method": "Schulze (beat path) with truncated ballots; symmetric Borda beside it",
            "ballots": [{"room": b.room, "ranking": list(b.ranking)} for b in ballots],
        },
        ensure_ascii=False,
        indent=1,
    )


@page(role=Role.ORGANISER)
def poll_export(ctx: Ctx) -> Response:
    poll = _poll(ctx)
    ballots = storage.anonymous_ballots(ctx.db, poll)
    kind = ctx.request.path_params["kind"]
    if kind not in ("csv", "json"):
        raise NotFound()
    name = f"poll-{poll.id}-ballots.{kind}"
    if kind == "csv":
        body, media = ballots_csv(poll, ballots), "text/csv; charset=utf-8"
    else:
        body, media = ballots_json(poll, ballots), "application/json"
    return Response(
        body, media_type=media, headers={"content-disposition": f'attachment; filename="{name}"'}
    )


routes = [
    Route("/organiser/polls", poll_list, methods=["GET", "POST"]),
    Route("/organiser/polls/{poll_id:id}", poll_detail, methods=["GET", "POST"]),
    Route("/organiser/polls/{poll_id:id}/ballots.{kind:str}", poll_export),
]

"""Ranked-priority polls for participants: cast or change a ballot, and see published results.

- ``GET /polls``: the polls open now, and the results published so far.
- ``GET|POST /polls/{id}``: rank the options of an open poll (signed in; one ballot each).
- ``GET /polls/{id}/results``: a published poll's result, overall and per room.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from ..domain import poll_count
from ..domain.fields import Errors, FieldError
from ..domain.polls import PollStatus, clean_ballot
from ..storage import polls as storage
from ..storage.tables import Poll
from .messages import N_
from .page import Ctx, NotFound, page
from .poll_picture import poll_bars

log = logging.getLogger(__name__)


def poll_id(ctx: Ctx) -> int:
    return int(ctx.request.path_params["poll_id"])


def results_by_room(ctx: Ctx, poll: Poll) -> tuple[poll_count.PollResult, list[tuple[str, Any]]]:
    """The overall result, then one result per room that has ballots (main room first)."""
    ballots = storage.anonymous_ballots(ctx.db, poll)
    overall = poll_count.count(poll.options, [b.ranking for b in ballots])
    rooms = [
        (room, poll_count.count(poll.options, rankings))
        for room, rankings in storage.by_room(ballots).items()
    ]
    return overall, rooms


@page()
def poll_list(ctx: Ctx) -> Response:
    conference = ctx.conference()
    return ctx.render(
        "polls/list.html",
        open_polls=storage.listing(ctx.db, conference, statuses={PollStatus.OPEN.value}),
        published=storage.listing(ctx.db, conference, statuses={PollStatus.PUBLISHED.value}),
    )


def _room_choice(ctx: Ctx, poll: Poll, typed: str, errors: Errors) -> int | None:
    if not typed:
        return None
    rooms = {str(r.id): r.id for r in storage.breakout_rooms(ctx.db, poll)}
    if typed not in rooms:
        errors["room"] = FieldError("Choose one of the rooms listed.").message
        return None
    return rooms[typed]


@page(signed_in=True)
def ballot(ctx: Ctx) -> Response:
    poll = storage.get(ctx.db, ctx.conference(), poll_id(ctx))
    if poll is None or poll.status == PollStatus.DRAFT:
        raise NotFound(N_("There is no such poll."))
    assert ctx.person is not None and ctx.person.id is not None
    rooms = storage.breakout_rooms(ctx.db, poll)
    mine = storage.ballot_of(ctx.db, poll, ctx.person.id)
    errors = Errors()
    ranking: list[int] = list(mine.ranking) if mine else []
    room = str(mine.breakout_room_id or "") if mine else ctx.request.query_params.get("room", "")
    saved = ctx.request.query_params.get("saved") == "1"
    status_code = 200
    if ctx.request.method == "POST":
        if poll.status != PollStatus.OPEN:
            errors["ranking"] = FieldError(
                "This poll is closed: ballots can no longer change."
            ).message
        typed = ctx.values("ranking")
        room = ctx.value("room")
        chosen = errors.run("ranking", clean_ballot, typed, len(poll.options))
        room_id = _room_choice(ctx, poll, room, errors)
        if chosen is not None and not errors:
            storage.cast(ctx.db, poll, ctx.person.id, chosen, room_id)
            log.info("Ballot cast in poll #%s", poll.id)
            return ctx.redirect(f"/polls/{poll.id}?saved=1")
        ctx.db.rollback()
        status_code = 400
        ranking = [
            int(t) for t in typed if t.isascii() and t.isdigit() and int(t) < len(poll.options)
        ]
        ranking = list(dict.fromkeys(ranking))
        saved = False
    return ctx.render(
        "polls/ballot.html",
        status_code=status_code,
        poll=poll,
        ranked=[(i, poll.options[i]) for i in ranking],
        unranked=[(i, o) for i, o in enumerate(poll.options) if i not in ranking],
        rooms=rooms,
        room=room,
        errors=errors,
        saved=saved,
        has_ballot=mine is not None,
    )


@page()
def results(ctx: Ctx) -> Response:
    poll = storage.get(ctx.db, ctx.conference(), poll_id(ctx))
    organiser = "organiser" in ctx.roles
    if poll is None or (poll.status != PollStatus.PUBLISHED and not organiser):
        raise NotFound(N_("There is no such poll, or its results are not published yet."))
    overall, rooms = results_by_room(ctx, poll)
    return ctx.render(
        "polls/results.html",
        poll=poll,
        overall=overall,
        chart=poll_bars(overall, ctx._),
        rooms=[(name, result, poll_bars(result, ctx._, limit=10)) for name, result in rooms],
    )


routes = [
    Route("/polls", poll_list),
    Route("/polls/{poll_id:id}", ballot, methods=["GET", "POST"]),
    Route("/polls/{poll_id:id}/results", results),
]

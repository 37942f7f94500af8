"""The event's results: a public page ready to copy to a wiki, and the organiser's archive.

- ``GET /results``: published poll results and attendance counts, with the same text as
  Markdown to copy.
- ``GET /results.md``: that Markdown alone.
- ``GET /organiser/results.zip``: the Markdown, every poll's raw anonymised ballots (CSV and
  JSON, published or not) and attendance per session and language (counts only).
"""

from __future__ import annotations

import csv
import io
import zipfile

from sqlmodel import col, select
from starlette.responses import Response
from starlette.routing import Route

from ..domain import languages, results
from ..domain.people import Role
from ..domain.polls import PollStatus
from ..storage import polls as storage
from ..storage.tables import BreakoutNotes, Poll
from ..storage.tables import Session as ProgrammeSession
from .organiser.polls import ballots_csv, ballots_json
from .page import Ctx, page
from .poll_picture import poll_bars
from .polls import results_by_room

# Fewer registrants than this in one session and language are counted as "other languages",
# so that a count never points at one person.
SMALLEST_GROUP = 3


def _words(ctx: Ctx) -> dict[str, str]:
    _ = ctx._
    return {
        "results": _("Results"), "polls": _("Polls"), "no_polls": _("No poll results are published yet."),
        "ballots": _("ballots"), "main_room": _("Main room"), "attendance": _("Attendance"),
        "session": _("Session"), "language": _("First language"), "registrants": _("Registrants"),
        "breakouts": _("Breakout summaries"), "no_summary": _("No summary yet."), "notes": _("Shared notes"),
        "rank": _("Rank"), "option": _("Option"), "ranked_by": _("Ranked on ballots"),
        "method": _("Options are ordered by the Schulze method (beat path). A ballot may rank only its top few: the options it ranks beat the ones it leaves out. The Borda score beside each option counts, over all ballots, the options ranked below it minus those ranked above it."),
    }  # fmt: skip


def _attendance(ctx: Ctx) -> list[results.Attendance]:
    rows: list[results.Attendance] = []
    other = ctx._("Other languages")
    for session, tag, n in storage.attendance(ctx.db, ctx.conference()):
        if n < SMALLEST_GROUP:
            if rows and rows[-1].session == session and rows[-1].language == other:
                rows[-1] = results.Attendance(session, other, rows[-1].registrants + n)
            else:
                rows.append(results.Attendance(session, other, n))
        else:
            rows.append(
                results.Attendance(session, languages.native_name(tag) if tag else other, n)
            )
    return rows


def _summaries(ctx: Ctx, polls: list[Poll]) -> list[tuple[Poll, results.PollSummary]]:
    out = []
    for poll in polls:
        overall, rooms = results_by_room(ctx, poll)
        session = ctx.db.get(ProgrammeSession, poll.session_id) if poll.session_id else None
        scope = session.title if session else ctx._("The whole event")
        out.append((poll, results.PollSummary(poll.title, scope, overall, rooms)))
    return out


def _breakouts(ctx: Ctx) -> list[results.BreakoutSummary]:
    rows = ctx.db.exec(
        select(
            ProgrammeSession.title, BreakoutNotes.title, BreakoutNotes.summary, BreakoutNotes.text
        )
        .join(ProgrammeSession, col(ProgrammeSession.id) == col(BreakoutNotes.session_id))
        .where(ProgrammeSession.conference_id == ctx.conference().id)
        .order_by(col(ProgrammeSession.start), col(BreakoutNotes.id))
    ).all()
    return [results.BreakoutSummary(*row) for row in rows if row[2].strip() or row[3].strip()]


def _markdown(ctx: Ctx, summaries: list[results.PollSummary]) -> str:
    return results.markdown(
        ctx.conference().name, summaries, _attendance(ctx), _words(ctx), _breakouts(ctx)
    )


@page()
def results_page(ctx: Ctx) -> Response:
    published = storage.listing(ctx.db, ctx.conference(), statuses={PollStatus.PUBLISHED.value})
    summaries = _summaries(ctx, published)
    return ctx.render(
        "results.html",
        conference=ctx.conference(),
        polls=[(poll, summary, poll_bars(summary.overall, ctx._)) for poll, summary in summaries],
        attendance=_attendance(ctx),
        markdown=_markdown(ctx, [s for _, s in summaries]),
    )


@page()
def results_markdown(ctx: Ctx) -> Response:
    published = storage.listing(ctx.db, ctx.conference(), statuses={PollStatus.PUBLISHED.value})
    text = _markdown(ctx, [s for _, s in _summaries(ctx, published)])
    return Response(text, media_type="text/markdown; charset=utf-8")


@page(role=Role.ORGANISER)
def results_archive(ctx: Ctx) -> Response:
    conference = ctx.conference()
    polls = storage.listing(ctx.db, conference)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("results.md", _markdown(ctx, [s for _, s in _summaries(ctx, polls)]))
        for poll in polls:
            ballots = storage.anonymous_ballots(ctx.db, poll)
            archive.writestr(f"polls/poll-{poll.id}-ballots.csv", ballots_csv(poll, ballots))
            archive.writestr(f"polls/poll-{poll.id}-ballots.json", ballots_json(poll, ballots))
        table = io.StringIO()
        writer = csv.writer(table)
        writer.writerow(["session", "first_language", "registrants"])
        for row in _attendance(ctx):
            writer.writerow([row.session, row.language, row.registrants])
        archive.writestr("attendance.csv", table.getvalue())
    return Response(
        buffer.getvalue(),
        media_type="application/zip",
        headers={"content-disposition": f'attachment; filename="{conference.slug}-results.zip"'},
    )


routes = [
    Route("/results", results_page),
    Route("/results.md", results_markdown),
    Route("/organiser/results.zip", results_archive),
]

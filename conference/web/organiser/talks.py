"""Reviewing lightning talks: accept, reject or wait-list each one, set its priority, move it.

- ``GET /organiser/talks``: every talk, filtered by status, with a decision form per talk.
- ``POST /organiser/talks/{id}/decide``: record the decision and priority; a changed
  status is mailed to the speaker (or written to the log without an address).
- ``GET|POST /organiser/talks/{id}/move``: put an accepted talk in a slot by hand. A move
  that breaks a rule (``conference.domain.talk_moves``) is shown with its warnings first
  and made only when the organiser confirms it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from ...domain import talk_moves, talks
from ...domain.fields import Errors, FieldError
from ...domain.people import Role
from ...planning.lightning import cut
from ...storage import talks as storage
from ...storage.tables import Conference, LightningTalk, Person, Session
from .. import i18n
from ..ids import query_number
from ..messages import N_
from ..page import Ctx, NotFound, page
from ..talks import STATUS_NAMES

log = logging.getLogger(__name__)

STATUS_FILTERS = ("submitted", "accepted", "waitlisted", "rejected")
# The statuses as the page shows them (translated in the template; listed for extraction).
STATUS_WORDS = (N_("submitted"), N_("accepted"), N_("waitlisted"), N_("rejected"))
DECISION_NAMES = {
    "submitted": N_("undecided"),
    "accepted": N_("accept"),
    "waitlisted": N_("wait-list"),
    "rejected": N_("reject"),
}
SUBJECTS = {
    "accepted": N_("Your lightning talk is accepted"),
    "waitlisted": N_("Your lightning talk is on the waiting list"),
    "rejected": N_("Your lightning talk was not accepted"),
}
BODIES = {
    "accepted": N_(
        "Good news: the organisers accepted your lightning talk “%(title)s”. "
        "Your slot will appear on the programme and in your calendar feed once it is planned."
    ),
    "waitlisted": N_(
        "The organisers put your lightning talk “%(title)s” on the waiting list. "
        "If a slot frees up, they will let you know."
    ),
    "rejected": N_(
        "Thank you for submitting “%(title)s”. The organisers could not find a place for it "
        "among this year's lightning talks."
    ),
}


def _list(ctx: Ctx, conference: Conference, **extra: Any) -> Response:
    wanted = ctx.request.query_params.get("status", "")
    status = wanted if wanted in STATUS_FILTERS else ""
    rows = storage.for_review(ctx.db, conference, status or None)
    blocks = {b.id: b for b in storage.blocks(ctx.db, conference)}
    return ctx.render(
        "organiser/talks.html",
        conference=conference,
        rows=rows,
        status=status,
        filters=STATUS_FILTERS,
        decisions=DECISION_NAMES,
        status_names=STATUS_NAMES,
        blocks=blocks,
        max_priority=talks.MAX_PRIORITY,
        **extra,
    )


@page(role=Role.ORGANISER)
def review(ctx: Ctx) -> Response:
    conference = ctx.conference()
    decided = query_number(ctx.request.query_params, "decided")
    return _list(
        ctx,
        conference,
        decided=decided,
        unsent=ctx.request.query_params.get("unsent") == "1",
        moved=ctx.request.query_params.get("moved", ""),
        errors=Errors(),
        failed=None,
    )


def _talk(ctx: Ctx, conference: Conference) -> LightningTalk:
    talk = storage.get(ctx.db, conference, ctx.request.path_params["talk_id"])
    if talk is None:
        raise NotFound(N_("There is no such lightning talk."))
    return talk


@page(role=Role.ORGANISER)
def decide(ctx: Ctx) -> Response:
    conference = ctx.conference()
    talk = _talk(ctx, conference)
    errors = Errors()
    status = errors.run("decision", talks.decision, ctx.value("decision"))
    priority = errors.run("priority", talks.priority, ctx.value("priority"))
    if status is None or priority is None:
        ctx.db.rollback()
        return _list(
            ctx,
            conference,
            status_code=400,
            errors=errors,
            failed=talk.id,
            decided=None,
            unsent=False,
            moved="",
        )
    now = datetime.now(UTC)
    changed = storage.decide(ctx.db, talk, status, priority, now)
    log.info("lightning talk #%s: %s by person #%s", talk.id, status.value, _actor(ctx))
    unsent = False
    if changed:
        unsent = not _tell_speaker(ctx, talk, status)
        if not unsent:
            storage.mark_notified(ctx.db, talk, now)
    return ctx.redirect(f"/organiser/talks?decided={talk.id}{'&unsent=1' if unsent else ''}")


def _tell_speaker(ctx: Ctx, talk: LightningTalk, status: talks.Status) -> bool:
    """Mail the decision in the speaker's language; False when the mail could not go."""
    speaker = ctx.db.get(Person, talk.speaker_id)
    if speaker is None:
        return False
    lang = i18n.choose(speaker.locale, None)
    site = ctx.services.settings.site_url
    body = (
        lang.gettext(BODIES[status.value], title=talk.title)
        + "\n\n"
        + lang.gettext("Your talks: %(link)s", link=f"{site}/talks/{talk.id}")
        + "\n"
    )
    # The outbox logs a failure without the address (never the SMTP error's text).
    return ctx.services.mailer.send(
        speaker.email,
        lang.gettext(SUBJECTS[status.value]),
        body,
        log_line=f"Lightning talk #{talk.id} {status.value}: told person #{speaker.id}.",
    )


# -- moving a talk by hand ---------------------------------------------------------------------


def _slot_choices(
    ctx: Ctx, conference: Conference, blocks: list[Session]
) -> list[tuple[str, str, list[tuple[str, datetime]]]]:
    """Per block: its id, title and (value, start) of each slot."""
    result = []
    for block in blocks:
        planned = storage.block_of(block)
        result.append(
            (
                str(block.id),
                block.title,
                [(f"{block.id}|{slot.start.isoformat()}", slot.start) for slot in cut(planned)],
            )
        )
    return result


def _parse_choice(raw: str, blocks: list[Session]) -> tuple[Session, datetime]:
    block_id, _, start = raw.partition("|")
    block = next((b for b in blocks if str(b.id) == block_id), None)
    try:
        moment = datetime.fromisoformat(start)
    except ValueError:
        moment = None
    if block is None or moment is None or moment.tzinfo is None:
        raise FieldError("Choose a slot from the list.")
    return block, moment


@page(role=Role.ORGANISER)
def move(ctx: Ctx) -> Response:
    conference = ctx.conference()
    talk = _talk(ctx, conference)
    blocks = storage.blocks(ctx.db, conference)
    errors = Errors()
    warnings: list[talk_moves.MoveWarning] = []
    chosen = ctx.value("slot")
    if ctx.request.method == "POST":
        if talk.status != talks.Status.ACCEPTED:
            errors["slot"] = N_("Only accepted talks have a slot. Accept the talk first.")
        elif chosen == "none":
            storage.unslot(ctx.db, talk)
            log.info("lightning talk #%s taken off the programme", talk.id)
            return ctx.redirect(f"/organiser/talks?moved={talk.id}")
        else:
            picked = errors.run("slot", _parse_choice, chosen, blocks)
            if picked is not None:
                block, start = picked
                planned = storage.block_of(block)
                warnings = talk_moves.check_move(
                    storage.planner_talk(ctx.db, talk),
                    planned,
                    start,
                    storage.placements(ctx.db, conference),
                )
                slot = talk_moves.slot_at(planned, start)
                # A confirmation holds only for the slot whose warnings were shown.
                if slot is not None and (not warnings or ctx.value("confirm") == chosen):
                    storage.move(ctx.db, talk, block, slot)
                    log.info(
                        "lightning talk #%s moved to block #%s (%s warnings)",
                        talk.id,
                        block.id,
                        len(warnings),
                    )
                    return ctx.redirect(f"/organiser/talks?moved={talk.id}")
        ctx.db.rollback()
    elif talk.block_id is not None and talk.slot_start is not None:
        chosen = f"{talk.block_id}|{talk.slot_start.isoformat()}"
    others = {p.talk: p for p in storage.placements(ctx.db, conference)}
    names = {str(t.id): t.title for t, _ in storage.for_review(ctx.db, conference)}
    return ctx.render(
        "organiser/talk_move.html",
        status_code=400 if errors else 200,
        conference=conference,
        talk=talk,
        speaker=ctx.db.get(Person, talk.speaker_id),
        choices=_slot_choices(ctx, conference, blocks),
        taken={
            f"{p.slot.block}|{p.slot.start.isoformat()}": names.get(key, key)
            for key, p in others.items()
            if key != str(talk.id)
        },
        chosen=chosen,
        errors=errors,
        warnings=warnings,
        names=names,
        windows=storage.windows(ctx.db, talk),
    )


def _actor(ctx: Ctx) -> int | None:
    return ctx.person.id if ctx.person else None


routes = [
    Route("/organiser/talks", review),
    Route("/organiser/talks/{talk_id:id}/decide", decide, methods=["POST"]),
    Route("/organiser/talks/{talk_id:id}/move", move, methods=["GET", "POST"]),
]

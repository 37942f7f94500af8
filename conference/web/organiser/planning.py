"""Planning pages: feed a planner from the database, keep the run, show it, apply it.

The planners come from ``services.extras["planners"]`` (the composition root puts them
there), so this module never imports ``rooms`` or ``interpretation``. A run is applied from
what the database stored for it, never from a plan the browser sends back, and only while
the database still gives the same input.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup
from sqlmodel import Session as DbSession
from sqlmodel import col, select
from starlette.responses import Response
from starlette.routing import Route

from ...domain.people import Role
from ...planning.inputs import InvalidInput
from ...storage import plan_runs, plans
from ...storage.tables import Conference, PlanRun, Session
from .. import pictures
from ..ids import parse_number, query_number
from ..messages import N_
from ..page import Ctx, NotFound, page
from ..templating import money

log = logging.getLogger(__name__)

PLAN_SECONDS = 10.0
TITLES = {
    "roster": N_("Interpreter roster"),
    "lightning": N_("Lightning talks"),
    "breakouts": N_("Breakout rooms"),
    "support": N_("Support requests"),
}
KIND_NAMES = {"data_package": N_("Mobile-data package"), "childcare": N_("Childcare")}
_PATH = re.compile(r"^(\w+)\[(\d+)\]")


@dataclass
class Scope:
    """What one planning page covers: a kind, and for breakouts one session."""

    kind: str
    conference: Conference
    session: Session | None = None

    @property
    def key(self) -> str:
        return str(self.session.id) if self.session else ""

    @property
    def url(self) -> str:
        if self.session is not None:
            return f"/organiser/plan/breakouts/{self.session.id}"
        return f"/organiser/plan/{self.kind}"

    def build(self, db: DbSession) -> dict[str, Any]:
        """The planner's input, freshly built from the database."""
        if self.kind == "roster":
            return plans.roster_input(db, self.conference)
        if self.kind == "lightning":
            return plans.lightning_input(db, self.conference)
        if self.kind == "support":
            return plans.support_input(db, self.conference)
        assert self.session is not None
        return plans.breakouts_input(db, self.session)


def _scope(ctx: Ctx, kind: str) -> Scope:
    conference = ctx.conference()
    if kind != "breakouts":
        return Scope(kind, conference)
    session = ctx.db.get(Session, ctx.request.path_params["session_id"])
    if session is None or session.conference_id != conference.id or session.kind != "breakout":
        raise NotFound(N_("There is no such breakout session."))
    return Scope(kind, conference, session)


def _planner(ctx: Ctx, kind: str) -> Callable[..., dict[str, Any]]:
    planner: Callable[..., dict[str, Any]] = ctx.services.extras["planners"][kind]
    return planner


# -- what the planner is fed -----------------------------------------------------------------


def _summary(ctx: Ctx, kind: str, document: dict[str, Any]) -> list[tuple[str, str]]:
    _ = ctx._
    if kind == "roster":
        return [
            (_("Sessions to staff"), str(len(document["sessions"]))),
            (_("Groups of listeners by language"), str(len(document["demand"]))),
            (_("Listeners"), str(sum(g["listeners"] for g in document["demand"]))),
            (_("Interpreters"), str(len(document["interpreters"]))),
        ]
    if kind == "lightning":
        slots = 0
        for block in document["blocks"]:
            minutes = (
                datetime.fromisoformat(block["end"]) - datetime.fromisoformat(block["start"])
            ).total_seconds() / 60
            step = block["slot_minutes"] + block.get("changeover_minutes", 0)
            slots += max(int((minutes + block.get("changeover_minutes", 0)) // step), 0)
        return [
            (_("Lightning blocks"), str(len(document["blocks"]))),
            (_("Slots in them"), str(slots)),
            (_("Talks to place"), str(len(document["talks"]))),
        ]
    if kind == "breakouts":
        return [
            (_("Rooms"), str(len(document["rooms"]))),
            (_("Seats"), str(sum(r["capacity"] for r in document["rooms"]))),
            (_("Participants"), str(len(document["participants"]))),
        ]
    kinds = [r["kind"] for r in document["requests"]]
    budgets = document["budgets"]
    return [
        (_("Undecided data-package requests"), str(kinds.count("data_package"))),
        (_("Undecided childcare requests"), str(kinds.count("childcare"))),
        (_("Data-package budget left"), _money(ctx, round(budgets["data_package"] * 100))),
        (_("Childcare budget left"), _money(ctx, round(budgets["childcare"] * 100))),
    ]


# -- names for the ids in planner documents ---------------------------------------------------


@dataclass
class Names:
    sessions: dict[str, str]
    people: dict[str, str]
    registrants: dict[str, str]
    talks: dict[str, Any]
    rooms: dict[str, Any]
    requests: dict[str, Any]


def _names(ctx: Ctx, scope: Scope) -> Names:
    db, conference = ctx.db, scope.conference
    return Names(
        sessions=plan_runs.session_titles(db, conference),
        people=plan_runs.person_names(db),
        registrants=plan_runs.registrant_names(db, conference),
        talks=plan_runs.talks(db, conference) if scope.kind == "lightning" else {},
        rooms=plan_runs.rooms(db, scope.session) if scope.session else {},
        requests=plan_runs.requests(db, conference) if scope.kind == "support" else {},
    )


def _problems(ctx: Ctx, run: PlanRun, names: Names) -> list[tuple[str, str]]:
    """Each problem line, with the name of the item it is about when that can be found."""
    lists = {
        "sessions": names.sessions,
        "blocks": names.sessions,
        "interpreters": names.people,
        "participants": names.registrants,
        "talks": {k: t.title for k, t in names.talks.items()},
        "rooms": {k: r.name for k, r in names.rooms.items()},
        "requests": {k: ctx._("support request #%(id)s", id=k) for k in names.requests},
    }
    result = []
    for line in run.result.get("problems", []):
        hint = ""
        match = _PATH.match(line)
        if match and match.group(1) in lists:
            items = run.input.get(match.group(1))
            index = int(match.group(2))
            if isinstance(items, list) and index < len(items) and isinstance(items[index], dict):
                ident = str(items[index].get("id", ""))
                hint = lists[match.group(1)].get(ident, "")
        result.append((str(line), hint))
    return result


def _sources(ctx: Ctx, sources: dict[str, str]) -> str:
    parts = []
    for floor, source in sources.items():
        if source.startswith("relay:"):
            parts.append(ctx._("from %(floor)s relay via %(pivot)s", floor=floor, pivot=source[6:]))
        else:
            parts.append(ctx._("from %(floor)s direct", floor=floor))
    return "; ".join(parts)


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _view(ctx: Ctx, scope: Scope, run: PlanRun, names: Names) -> dict[str, Any]:
    """What the page shows of a run's result: figures, the plan's rows, the unmet items."""
    result, kind = run.result, run.kind
    _ = ctx._
    if kind == "roster":
        return {
            "figures": [
                (_("Listeners served"), result["served_listeners"]),
                (_("Listeners not served"), result["unserved_listeners"]),
                (_("Relays"), result["relays"]),
                (_("Booths"), len(result["booths"])),
            ],
            "rows": [
                {
                    "session": names.sessions.get(b["session"], b["session"]),
                    "language": b["language"],
                    "interpreters": [names.people.get(i, i) for i in b["interpreters"]],
                    "sources": _sources(ctx, b["sources"]),
                    "turns": len(b["turns"]),
                }
                for b in result["booths"]
            ],
            "unmet": [
                {
                    "what": names.sessions.get(u["session"], u["session"]),
                    "detail": ctx.lang.ngettext(
                        "%(num)s listener of %(languages)s",
                        "%(num)s listeners of %(languages)s",
                        int(u["listeners"]),
                        languages=", ".join(u["languages"]),
                    ),
                    "reason": u["reason"],
                }
                for u in result["unserved"]
            ],
        }
    if kind == "lightning":

        def talk(ident: str) -> tuple[str, str, str]:
            found = names.talks.get(ident)
            if found is None:
                return ident, "", ""
            speaker = names.people.get(str(found.speaker_id), "")
            return found.title, speaker, found.language

        return {
            "figures": [
                (_("Priority scheduled"), result["scheduled_priority"]),
                (_("Talks scheduled"), len(result["slots"])),
                (_("Talks not scheduled"), len(result["unscheduled"])),
            ],
            "rows": [
                {
                    "block": names.sessions.get(s["block"], s["block"]),
                    "start": _when(s["start"]),
                    "end": _when(s["end"]),
                    "talk": talk(s["talk"]),
                }
                for s in sorted(result["slots"], key=lambda s: (s["start"], s["block"]))
            ],
            "unmet": [
                {"what": talk(u["talk"])[0], "detail": talk(u["talk"])[1], "reason": u["reason"]}
                for u in result["unscheduled"]
            ],
        }
    if kind == "breakouts":
        preferences = {p["id"]: p.get("preferences") or [] for p in run.input["participants"]}

        def room(ident: str) -> str:
            found = names.rooms.get(ident)
            return f"{found.name} · {found.topic}" if found else ident

        def choice(participant: str, room_id: str) -> str:
            wanted = preferences.get(participant, [])
            if room_id in wanted:
                return _("choice %(rank)s", rank=wanted.index(room_id) + 1)
            return _("no preference given") if not wanted else _("not among their choices")

        return {
            "figures": [
                (_("Participants placed"), result["placed"]),
                (_("Participants not placed"), len(result["unplaced"])),
                (_("Cost of missed preferences"), result["cost"]),
            ],
            "rows": [
                {
                    "participant": names.registrants.get(a["participant"], a["participant"]),
                    "room": room(a["room"]),
                    "choice": choice(a["participant"], a["room"]),
                }
                for a in sorted(result["assignments"], key=lambda a: (room(a["room"]), a["room"]))
            ],
            "unmet": [
                {
                    "what": names.registrants.get(u["participant"], u["participant"]),
                    "detail": "",
                    "reason": u["reason"],
                }
                for u in result["unplaced"]
            ],
        }

    def registrant(ident: str) -> str:
        return names.registrants.get(ident, ident)

    return {
        "figures": [
            (_("Priority granted"), result["granted_priority"]),
            (_("Requests granted"), len(result["grants"])),
            (_("Requests declined"), len(result["declined"])),
        ],
        "rows": [
            {
                "registrant": registrant(g["registrant"]),
                "kind": _(KIND_NAMES.get(g["kind"], g["kind"])),
                "cost": _money(ctx, round(float(g["cost"]) * 100)),
                "offer": (
                    f"{g['offer']['carrier']} {g['offer']['gb']:g} GB" if g.get("offer") else ""
                ),
            }
            for g in result["grants"]
        ],
        "unmet": [
            {
                "what": registrant(d["registrant"]),
                "detail": _(KIND_NAMES.get(str(_request_kind(names, d)), "")),
                "reason": d["reason"],
            }
            for d in result["declined"]
        ],
    }


def _request_kind(names: Names, declined: dict[str, Any]) -> str:
    found = names.requests.get(str(declined["request"]))
    return found.kind if found else str(declined.get("kind", ""))


def _pictures(ctx: Ctx, scope: Scope, run: PlanRun | None, names: Names) -> list[Markup]:
    zone = scope.conference.timezone
    if scope.kind == "roster" and run is not None and run.status != plan_runs.INVALID:
        rows = pictures.demand_by_session(run.input, run.result, names.sessions)
        return [
            pictures.roster_timeline(run.result, names.sessions, names.people, zone, ctx._),
            pictures.demand_bars(rows, ctx._),
        ]
    if scope.kind == "support":
        granted = plan_runs.granted_cents(ctx.db, scope.conference)
        planned: dict[str, Any] = {}
        if run is not None and run.status != plan_runs.INVALID and run.applied_at is None:
            planned = run.result.get("spent", {})
        budgets = {
            "data_package": scope.conference.data_budget_cents,
            "childcare": scope.conference.childcare_budget_cents,
        }
        pools = [
            pictures.Pool(
                kind=kind,
                name=ctx._(KIND_NAMES[kind]),
                budget=budget,
                granted=granted.get(kind, 0),
                planned=round(float(planned.get(kind, 0)) * 100),
            )
            for kind, budget in budgets.items()
        ]
        return [pictures.budget_bars(pools, ctx._, lambda cents: _money(ctx, cents))]
    return []


# -- the pages ---------------------------------------------------------------------------------


def _render(
    ctx: Ctx,
    scope: Scope,
    run: PlanRun | None = None,
    refusal: str = "",
    status_code: int = 200,
) -> Response:
    document = scope.build(ctx.db)
    if run is None:
        wanted = query_number(ctx.request.query_params, "run")
        if wanted is not None:
            run = plan_runs.get(ctx.db, scope.conference, wanted)
            if run is None or run.kind != scope.kind or run.scope != scope.key:
                raise NotFound(N_("There is no such planning run."))
        else:
            run = plan_runs.latest(ctx.db, scope.conference, scope.kind, scope.key)
    names = _names(ctx, scope)
    valid = run is not None and run.status != plan_runs.INVALID
    return ctx.render(
        "organiser/planning/plan.html",
        status_code=status_code,
        conference=scope.conference,
        scope=scope,
        kind=scope.kind,
        heading=ctx._(TITLES[scope.kind]),
        summary=_summary(ctx, scope.kind, document),
        run=run,
        problems=_problems(ctx, run, names) if run is not None and not valid else [],
        view=_view(ctx, scope, run, names) if run is not None and valid else None,
        stale=bool(run and valid and not plan_runs.same_input(run, document)),
        pictures=_pictures(ctx, scope, run, names),
        recent=plan_runs.recent(ctx.db, scope.conference, scope.kind, scope.key),
        people=names.people,
        refusal=refusal,
        parse_time=datetime.fromisoformat,
    )


def _show(ctx: Ctx, kind: str) -> Response:
    scope = _scope(ctx, kind)
    if ctx.request.method == "GET":
        return _render(ctx, scope)
    document = scope.build(ctx.db)
    try:
        result = _planner(ctx, kind)(document, time_limit=PLAN_SECONDS)
    except InvalidInput as exc:
        result = {"problems": list(exc.problems)}
    run = plan_runs.save(ctx.db, scope.conference, kind, scope.key, document, result, ctx.person)
    log.info("plan run #%s (%s %s): %s", run.id, kind, scope.key, run.status)
    return ctx.redirect(f"{scope.url}?run={run.id}")


def _apply(ctx: Ctx, kind: str) -> Response:
    scope = _scope(ctx, kind)
    number = parse_number(ctx.value("run"))
    run = plan_runs.get(ctx.db, scope.conference, number) if number is not None else None
    if run is None or run.kind != kind or run.scope != scope.key:
        raise NotFound(N_("There is no such planning run."))
    if run.status == plan_runs.INVALID:
        return _refuse(ctx, scope, run, N_("This run found problems in the data; it has no plan."))
    if run.applied_at is not None:
        return _refuse(ctx, scope, run, N_("This plan has been applied already."))
    fresh = scope.build(ctx.db)
    if not plan_runs.same_input(run, fresh):
        return _refuse(
            ctx,
            scope,
            run,
            N_(
                "The data changed since this plan was made (%(parts)s), so it may no longer fit. "
                "Plan again, then apply the new plan."
            ),
            parts=", ".join(plan_runs.changed_parts(run, fresh)),
        )
    if not plan_runs.claim(ctx.db, run):
        return _refuse(ctx, scope, run, N_("This plan has been applied already."))
    changes = APPLY[kind](ctx, scope, run.result)
    plan_runs.record_changes(ctx.db, run, changes)
    log.info("plan run #%s applied by person #%s", run.id, ctx.person.id if ctx.person else None)
    return ctx.redirect(f"{scope.url}?run={run.id}#changes")


def _refuse(ctx: Ctx, scope: Scope, run: PlanRun, message: str, **values: str) -> Response:
    ctx.db.rollback()
    return _render(ctx, scope, run, refusal=ctx._(message, **values), status_code=409)


# -- applying, and saying what changed ---------------------------------------------------------


def _apply_roster(ctx: Ctx, scope: Scope, result: dict[str, Any]) -> dict[str, Any]:
    db, conference = ctx.db, scope.conference
    titles = plan_runs.session_titles(db, conference)
    people = plan_runs.person_names(db)
    before_languages = {
        str(s.id): list(s.interpretation_languages)
        for s in db.exec(_sessions_query(conference)).all()
    }
    replaced = len(plan_runs.booths(db, conference))
    plans.apply_roster(db, conference, result)
    opened = [
        {
            "session": titles.get(str(booth.session_id), ""),
            "language": booth.language,
            "interpreters": [people.get(str(p), str(p)) for p in members],
            "sources": _sources(ctx, booth.sources),
        }
        for booth, members in plan_runs.booths(db, conference)
    ]
    after = {
        str(s.id): list(s.interpretation_languages) for s in db.exec(_sessions_query(conference))
    }
    languages = [
        {"session": titles.get(key, key), "before": before_languages[key], "after": now}
        for key, now in after.items()
        if before_languages.get(key) != now
    ]
    return {"booths": opened, "replaced": replaced, "languages": languages}


def _sessions_query(conference: Conference) -> Any:
    return (
        select(Session)
        .where(Session.conference_id == conference.id)
        .order_by(col(Session.start), col(Session.id))
    )


def _apply_lightning(ctx: Ctx, scope: Scope, result: dict[str, Any]) -> dict[str, Any]:
    db, conference = ctx.db, scope.conference
    titles = plan_runs.session_titles(db, conference)
    people = plan_runs.person_names(db)
    before = {k: t.slot_start for k, t in plan_runs.talks(db, conference).items()}
    plans.apply_lightning(db, conference, result)
    talks = plan_runs.talks(db, conference)
    slotted = [
        {
            "talk": t.title,
            "speaker": people.get(str(t.speaker_id), ""),
            "block": titles.get(str(t.block_id), ""),
            "start": t.slot_start.isoformat() if t.slot_start else "",
            "end": t.slot_end.isoformat() if t.slot_end else "",
        }
        for t in sorted(talks.values(), key=lambda t: (str(t.slot_start or ""), t.id or 0))
        if t.slot_start is not None
    ]
    unslotted = [
        {"talk": t.title, "speaker": people.get(str(t.speaker_id), "")}
        for k, t in talks.items()
        if t.slot_start is None and before.get(k) is not None
    ]
    return {"slotted": slotted, "unslotted": unslotted}


def _apply_breakouts(ctx: Ctx, scope: Scope, result: dict[str, Any]) -> dict[str, Any]:
    db = ctx.db
    assert scope.session is not None
    names = plan_runs.registrant_names(db, scope.conference)
    rooms = plan_runs.rooms(db, scope.session)
    replaced = len(plan_runs.assignments(db, scope.session))
    plans.apply_breakouts(db, scope.session, result)
    assigned = [
        {
            "participant": names.get(str(a.registration_id), ""),
            "room": f"{rooms[str(a.room_id)].name} · {rooms[str(a.room_id)].topic}",
        }
        for a in plan_runs.assignments(db, scope.session)
    ]
    return {"assigned": assigned, "replaced": replaced}


def _apply_support(ctx: Ctx, scope: Scope, result: dict[str, Any]) -> dict[str, Any]:
    db, conference = ctx.db, scope.conference
    names = plan_runs.registrant_names(db, conference)
    plans.apply_support(db, result)
    requests = plan_runs.requests(db, conference)
    decided: dict[str, list[dict[str, Any]]] = {"granted": [], "declined": []}
    for item in [*result["grants"], *result["declined"]]:
        request = requests.get(str(item["request"]))
        if request is None:
            continue
        decided.setdefault(request.status, []).append(
            {
                "registrant": names.get(str(request.registration_id), ""),
                "kind": request.kind,
                "amount": request.amount_cents,
                "reason": request.reason,
            }
        )
    return {"granted": decided["granted"], "declined": decided["declined"]}


APPLY: dict[str, Callable[[Ctx, Scope, dict[str, Any]], dict[str, Any]]] = {
    "roster": _apply_roster,
    "lightning": _apply_lightning,
    "breakouts": _apply_breakouts,
    "support": _apply_support,
}


# -- views ---------------------------------------------------------------------------------------


@page(role=Role.ORGANISER)
def index(ctx: Ctx) -> Response:
    conference = ctx.conference()
    latest = {
        kind: plan_runs.latest(ctx.db, conference, kind)
        for kind in ("roster", "lightning", "support")
    }
    sessions = plan_runs.breakout_sessions(ctx.db, conference)
    return ctx.render(
        "organiser/planning/index.html",
        conference=conference,
        titles=TITLES,
        latest=latest,
        breakout_sessions=len(sessions),
    )


@page(role=Role.ORGANISER)
def breakout_sessions(ctx: Ctx) -> Response:
    conference = ctx.conference()
    rows = []
    for session in plan_runs.breakout_sessions(ctx.db, conference):
        document = plans.breakouts_input(ctx.db, session)
        rows.append(
            {
                "session": session,
                "rooms": len(document["rooms"]),
                "participants": len(document["participants"]),
                "run": plan_runs.latest(ctx.db, conference, "breakouts", str(session.id)),
            }
        )
    return ctx.render("organiser/planning/breakouts.html", conference=conference, rows=rows)


def _input_json(ctx: Ctx, kind: str) -> Response:
    scope = _scope(ctx, kind)
    name = f"{kind}-{scope.key}-input.json" if scope.key else f"{kind}-input.json"
    return _json(scope.build(ctx.db), name)


def _json(document: dict[str, Any], filename: str) -> Response:
    return Response(
        json.dumps(document, indent=2, ensure_ascii=False) + "\n",
        media_type="application/json",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


@page(role=Role.ORGANISER)
def run_json(ctx: Ctx) -> Response:
    run = plan_runs.get(ctx.db, ctx.conference(), ctx.request.path_params["run_id"])
    if run is None:
        raise NotFound(N_("There is no such planning run."))
    part = ctx.request.path_params["part"]
    if part not in ("input", "result"):
        raise NotFound()
    return _json(run.input if part == "input" else run.result, f"run-{run.id}-{part}.json")


def _views(kind: str) -> tuple[Any, Any, Any]:
    @page(role=Role.ORGANISER)
    def show(ctx: Ctx) -> Response:
        return _show(ctx, kind)

    @page(role=Role.ORGANISER)
    def apply(ctx: Ctx) -> Response:
        return _apply(ctx, kind)

    @page(role=Role.ORGANISER)
    def input_json(ctx: Ctx) -> Response:
        return _input_json(ctx, kind)

    show.__name__ = f"plan_{kind}"
    return show, apply, input_json


def _money(ctx: Ctx, cents: int) -> str:
    return money(cents, ctx.services.settings.currency, ctx.lang.code)


def _routes() -> list[Route]:
    routes = [
        Route("/organiser/plan", index),
        Route("/organiser/plan/breakouts", breakout_sessions),
        Route("/organiser/plan/runs/{run_id:id}/{part}.json", run_json),
    ]
    for kind in ("roster", "lightning", "support", "breakouts"):
        base = (
            "/organiser/plan/breakouts/{session_id:id}"
            if kind == "breakouts"
            else (f"/organiser/plan/{kind}")
        )
        show, apply, input_json = _views(kind)
        routes += [
            Route(base, show, methods=["GET", "POST"]),
            Route(f"{base}/apply", apply, methods=["POST"]),
            Route(f"{base}/input.json", input_json),
        ]
    return routes


routes = _routes()

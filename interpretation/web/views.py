"""The interpreter's console and the organiser's live board.

- ``GET /interpret/session/{id}``: the console, only for interpreters assigned to a booth
  of the session (stored by the roster, or opened live by an organiser); others get 403.
- ``GET /interpret/session/{id}/board``: the live board (organisers).
"""

from __future__ import annotations

import logging

from anyio import from_thread
from sqlmodel import select
from starlette.responses import Response
from starlette.routing import Route

from conference.domain import languages, sign_languages
from conference.domain.people import Role
from conference.storage.tables import Person, Session
from conference.web.page import Ctx, Forbidden, NotFound, Services, page
from conference.web.templating import local_time, sign_language_name, zone_name
from conference.web.viewer import zone_of
from interpretation.signalling.service import Interpretation
from interpretation.web.store import booth_specs, is_stored_member
from rooms.media.slots import RECOMMENDED_FLOOR_SLOTS
from rooms.web.views import live_links, live_of, owner_redirect

__all__ = ["EXTRAS_KEY", "interpretation_of", "routes"]

log = logging.getLogger(__name__)

EXTRAS_KEY = "interpretation"


def interpretation_of(services: Services) -> Interpretation:
    found = services.extras.get(EXTRAS_KEY)
    if not isinstance(found, Interpretation):
        raise RuntimeError("interpretation is not running (the app lifespan has not started)")
    return found


def _session(ctx: Ctx) -> Session:
    session = ctx.db.get(Session, ctx.request.path_params["session_id"])
    if session is None or session.conference_id != ctx.conference().id:
        raise NotFound("There is no such session.")
    return session


def _main_room(ctx: Ctx, session: Session) -> str:
    live = live_of(ctx.services)
    assert session.id is not None
    # The registry lives on the event loop; this view runs in a worker thread.
    return str(from_thread.run_sync(live.room_for_session, session.id, session.kind, session.title))


def _live_member(ctx: Ctx, room_id: str, person_id: str) -> bool:
    live, interpretation = live_of(ctx.services), interpretation_of(ctx.services)

    def check() -> bool:
        main = live.registry.room(room_id)
        rooms = [r.room_id for r in interpretation.core.rooms_of(live.registry, main)]
        return bool(interpretation.member_booths(person_id, rooms))

    return bool(from_thread.run_sync(check))


def _console_texts(ctx: Ctx) -> dict[str, str]:
    _ = ctx._
    return {
        "connecting": _("Connecting…"),
        "connected": _("Connected"),
        "reconnecting": _("Connection lost; reconnecting…"),
        "offline": _("Disconnected. Reload the page to try again."),
        "go_on_air": _("Go on air"),
        "go_off_air": _("Go off air"),
        "on_air": _("On air"),
        "mic_off": _("Microphone off"),
        "coughing_short": _("Coughing"),
        "partner_has_air": _("Your partner has the air"),
        "you_on_air": _("You are on air"),
        "coughing": _("Coughing: your microphone is muted"),
        "partner_on_air": _("%(name)s is on air"),
        "nobody_on_air": _("Nobody is on air"),
        "dropped": _("%(name)s lost the connection"),
        "dropped_short": _("connection lost while on air"),
        "request_handover": _("Ask for the air"),
        "offer_handover": _("Offer the air"),
        "cancel_handover": _("Cancel"),
        "asks_for_air": _("%(name)s asks for the air"),
        "offers_air": _("%(name)s offers you the air"),
        "you_asked": _("You asked %(name)s for the air. Waiting for the answer…"),
        "you_offered": _("You offered the air to %(name)s. Waiting for the answer…"),
        "no_handover": _("No handover pending."),
        "alone_in_booth": _("You are alone in this booth."),
        "handover_done": _("Handover done: %(name)s is on air."),
        "handover_done_you": _("Handover done: you are on air."),
        "next_turn": _("Next handover in %(time)s: %(name)s"),
        "turn_starts": _("Your turn starts in %(time)s"),
        "no_turns": _("No turn plan for this booth."),
        "working_into": _("Working into %(language)s"),
        "switch_into": _("Switch to %(language)s (retour)"),
        "floor": _("Floor"),
        "relay_from": _("Relay from %(language)s"),
        "live": _("live"),
        "silent": _("silent"),
        "connected_member": _("connected"),
        "away_member": _("not connected"),
        "you_named": _("%(name)s (you)"),
        "floor_up_booth_empty": _("Your listeners hear the floor at full level: nobody is on air."),
        "floor_up_interpreter_dropped": _(
            "Your listeners hear the floor at full level: the interpreter on air lost the connection."
        ),
        "floor_up_retour": _(
            "Your listeners hear the floor at full level: the booth works into the other language."
        ),
        "floor_up_no_booth": _(
            "Your listeners hear the floor at full level: no booth serves the language."
        ),
        "slow_down_sent": _("The speaker was asked to slow down."),
        # The speaker's picture and the shared screen; a signer's own camera and partner.
        "floor_speaker": _("Floor speaker"),
        "screen_of": _("Shared screen"),
        "your_camera": _("Your camera: your listeners see it while you are on air"),
        "signer_of": _("Your partner on air"),
        "sign_nobody": _("Nobody is on air"),
        "speaking": _("Speaking"),
        "enlarge": _("Enlarge"),
        "camera_failed": _("Your camera could not be started."),
    }


@page(signed_in=True)
def console_page(ctx: Ctx) -> Response:
    session = _session(ctx)
    person = ctx.person
    assert person is not None and person.id is not None and session.id is not None
    moved = owner_redirect(ctx, session.id)
    if moved is not None:
        return moved
    room_id = _main_room(ctx, session)
    allowed = Role.INTERPRETER.value in person.roles and (
        is_stored_member(ctx.db, session.id, person.id)
        or _live_member(ctx, room_id, str(person.id))
    )
    if not allowed:
        # Logged without personal data: the session is enough to look into it.
        log.warning("refused the interpreter console of session %s: not assigned", session.id)
        raise Forbidden(ctx._("Only interpreters assigned to a booth of this session may open it."))
    zone = zone_of(ctx, ctx.conference())
    turns = []
    for spec in booth_specs(ctx.db, session.id):
        if str(person.id) not in {p for p, _ in spec.members}:
            continue
        names = dict(spec.members)
        turns = [
            {
                "name": names.get(t.interpreter, t.interpreter),
                "start": local_time(t.start, zone, ctx.lang.code),
                "end": local_time(t.end, zone, ctx.lang.code),
                "start_ts": int(t.start.timestamp()),
                "end_ts": int(t.end.timestamp()),
                "you": t.interpreter == str(person.id),
            }
            for t in spec.turns
        ]
    live = live_of(ctx.services)
    return ctx.render(
        "interpret/console.html",
        session=session,
        room_id=room_id,
        ws_url=(links := live_links(ctx, session.id)).ws_url,
        relocate_url=links.relocate_url,
        ice_servers=live.ice_plan.for_browser(f"person-{person.id}"),
        floor_slots=RECOMMENDED_FLOOR_SLOTS,
        turns=turns,
        zone_label=zone_name(zone, ctx.lang.code),
        language_names={
            tag: sign_language_name(tag, ctx._, ctx.lang)
            if languages.is_sign_language(tag)
            else languages.native_name(tag)
            for tag in (
                *session.floor_languages,
                *session.interpretation_languages,
                *sign_languages.COMMON_SIGN,
            )
        },
        texts=_console_texts(ctx),
    )


def _board_texts(ctx: Ctx) -> dict[str, str]:
    _ = ctx._
    return {
        "connecting": _("Connecting…"),
        "connected": _("Connected"),
        "reconnecting": _("Connection lost; reconnecting…"),
        "offline": _("Disconnected. Reload the page to try again."),
        "original": _("Original (floor)"),
        "nobody": _("nobody"),
        "floor_speaking": _("The floor is speaking."),
        "floor_silent": _("The floor is silent."),
        "channel": _("Channel"),
        "on_air": _("On air"),
        "state": _("State"),
        "source": _("Source"),
        "listeners": _("Listeners"),
        "state_idle": _("Nobody on air"),
        "state_on_air": _("On air"),
        "state_handover_requested": _("On air, handover pending"),
        "state_coughing": _("Coughing"),
        "state_dropped": _("Connection lost"),
        "state_inactive": _("Filled by the floor: the booth works into %(language)s"),
        "state_floor_speaking": _("Speaking"),
        "state_floor_silent": _("Silent"),
        "floor": _("Floor"),
        "relay_from": _("Relay from %(language)s"),
        "floor_up": _("Listeners hear the floor at full level."),
        "relay": _("%(booth)s takes relay from the %(pivot)s booth."),
        "no_relays": _("No relay in use."),
        "all_well": _("All is well: no problems."),
        "problem_no_interpreter": _("The %(booth)s booth has no interpreter assigned."),
        "problem_nobody_on_air": _(
            "Nobody is on air in the %(booth)s booth while the floor speaks."
        ),
        "problem_interpreter_dropped": _(
            "%(name)s lost the connection while on air in the %(booth)s booth."
        ),
        "problem_pivot_silent": _(
            "The %(booth)s booth takes relay from %(pivot)s, but nobody is on air there."
        ),
        "problem_pivot_in_retour": _(
            "The %(booth)s booth takes relay from %(pivot)s, but that booth works into %(language)s."
        ),
        "problem_no_channel": _("Listeners chose %(language)s, which no booth offers."),
        "main_room": _("Main room"),
    }


@page(role=Role.ORGANISER)
def board_page(ctx: Ctx) -> Response:
    session = _session(ctx)
    assert session.id is not None
    moved = owner_redirect(ctx, session.id)
    if moved is not None:
        return moved
    room_id = _main_room(ctx, session)
    interpreters = [
        (str(p.id), p.name)
        for p in ctx.db.exec(select(Person).order_by(Person.name)).all()
        if Role.INTERPRETER.value in p.roles
    ]
    return ctx.render(
        "interpret/board.html",
        session=session,
        room_id=room_id,
        ws_url=(links := live_links(ctx, session.id)).ws_url,
        relocate_url=links.relocate_url,
        interpreters=interpreters,
        language_choices=languages.choices(),
        language_names=dict(languages.choices()),
        texts=_board_texts(ctx),
    )


routes = [
    Route("/interpret/session/{session_id:id}", console_page, name="interpret-console"),
    Route("/interpret/session/{session_id:id}/board", board_page, name="interpret-board"),
]

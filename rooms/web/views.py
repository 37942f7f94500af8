"""The live room page, and the JSON a non-browser client needs to connect.

- ``GET /rooms/session/{id}``: the room page (signed in; any registered person). In a
  session larger than its node, a plain participant's page is the listen-only one
  (rooms/web/listen.py, :func:`listens_only`).
- ``POST /rooms/token``: a short-lived connect token for the signed-in person (form
  post with the page's CSRF token); ``{"token", "expires_in"}``.
- ``GET /rooms/session/{id}/connect``: the room id, websocket URL and ICE servers, for
  ``Authorization: Bearer <token>`` or the session cookie; ``listen_only``: null, or where
  to sit down as a listen-only seat instead (``{"node", "url", "ws_url"}``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from anyio import from_thread
from sqlalchemy.engine import Engine
from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from conference.domain import sign_languages
from conference.domain.languages import native_name
from conference.domain.people import Role
from conference.storage import agenda
from conference.storage import engine as storage
from conference.storage.tables import (
    BreakoutAssignment,
    BreakoutRoom,
    CaptionerAssignment,
    Registration,
    Session,
)
from conference.web.page import Ctx, NotFound, Services, page, services_of
from conference.web.templating import sign_language_name
from rooms import lowdata
from rooms.media.slots import RECOMMENDED_FLOOR_SLOTS
from rooms.signalling import Identity
from rooms.signalling.tokens import TOKEN_LIFETIME_S
from rooms.web import stage as lightning_stage
from rooms.web.auth import identity_of
from rooms.web.listen import listens_only, where_to_listen
from rooms.web.live import EXTRAS_KEY, LiveRooms, websocket_url

__all__ = ["live_links", "live_of", "owner_redirect", "routes", "websocket_url"]


def live_of(services: Services) -> LiveRooms:
    live = services.extras.get(EXTRAS_KEY)
    if live is None:
        raise RuntimeError("the live rooms are not running (the app lifespan has not started)")
    return live  # type: ignore[no-any-return]


def owner_redirect(ctx: Ctx, session_id: int) -> Response | None:
    """Several nodes: a 303 to the same page on the node that owns the session, if not here."""
    routing = live_of(ctx.services).routing
    if routing is None:
        return None
    owner = from_thread.run(routing.elsewhere, str(session_id))
    if owner is None:
        return None
    target = owner.public_url + ctx.request.url.path
    if ctx.request.url.query:
        target += "?" + ctx.request.url.query
    return RedirectResponse(target, status_code=303)


@dataclass(frozen=True)
class LiveLinks:
    ws_url: str
    relocate_url: str  # empty when this is the only node


def live_links(ctx: Ctx, session_id: int) -> LiveLinks:
    """The page's websocket URL and, with several nodes, where to go if this node dies."""
    routing = live_of(ctx.services).routing
    if routing is None:
        return LiveLinks(websocket_url(ctx.services.settings.site_url), "")
    return LiveLinks(
        f"{websocket_url(routing.public_url)}?session={session_id}",
        from_thread.run(routing.relocate_url, ctx.request.url.path),
    )


def _texts(ctx: Ctx) -> dict[str, str]:
    """Sentences the page's scripts show, in the viewer's language."""
    _ = ctx._
    return {
        "connecting": _("Connecting…"),
        "connected": _("Connected"),
        "reconnecting": _("Connection lost; reconnecting…"),
        "offline": _("Disconnected. Reload the page to try again."),
        "seat_taken": _(
            "This room is open in another tab or window, so it closed here. "
            "Reload the page to use it here again."
        ),
        "you": _("you"),
        "away": _("away"),
        "hand": _("hand raised"),
        "muted": _("muted"),
        "floor": _("has the floor"),
        "raise_hand": _("Raise hand"),
        "lower_hand": _("Lower hand"),
        "mute_self": _("Mute my microphone"),
        "unmute_self": _("Unmute my microphone"),
        "mute": _("Mute"),
        "ask_unmute": _("Ask to unmute"),
        "mute_held_self": _("An organiser muted you. Ask to unmute if you want to speak."),
        "unmute_asked_self": _("You asked to unmute. Wait for an organiser to allow it."),
        "muted_by_organiser": _("muted by an organiser"),
        "asks_unmute": _("asks to unmute"),
        "allow_unmute": _("Allow to unmute"),
        "give_floor": _("Give floor"),
        "take_floor": _("Take floor"),
        "move_to": _("Move to…"),
        "main_room": _("Main room"),
        "join_room": _("Go to this room"),
        "back_to_main": _("Back to the main room"),
        "closes_in": _("Breakout rooms close in %(time)s"),
        "resolve": _("Done"),
        "start_audio": _("Start audio"),
        "no_mic": _("No microphone: you can listen and chat."),
        "data_use": _(
            "About %(normal)s MB per hour per voice you hear; %(low)s MB in low-data mode."
        ),
        "data_use_low": _("Low-data mode: about %(low)s MB per hour per voice you hear."),
        "data_use_video": _("Each picture you see adds up to %(video)s MB per hour."),
        "low_data_unsupported": _("This server has no low-data mode."),
        "data_now": _("Receiving now: about %(mb)s MB per hour."),
        "losing_sound": _("Your connection is losing sound: %(percent)s"),
        "losing_sound_help": _(
            "It keeps happening: low-data mode needs less of your connection, "
            "and captions show what is said."
        ),
        "room_n": _("Room %(n)s"),
        "role_organiser": _("organiser"),
        "role_speaker": _("speaker"),
        "role_interpreter": _("interpreter"),
        "role_participant": _("participant"),
        # Video.
        "camera_on": _("Turn my camera on"),
        "camera_off": _("Turn my camera off"),
        "share_start": _("Share my screen"),
        "share_stop": _("Stop sharing my screen"),
        "stop_their_share": _("Stop their screen share"),
        "camera_is_on": _("camera on"),
        "sharing": _("sharing their screen"),
        "screen_of": _("Screen of %(name)s"),
        "your_camera": _("Your camera"),
        "speaking": _("Speaking"),
        "camera_failed": _("Your camera could not be started."),
        "share_failed": _("Your screen could not be shared."),
        "share_stopped_organiser": _("An organiser stopped your screen share."),
        "share_stopped_replaced": _(
            "Your screen share ended: someone else in the room started sharing."
        ),
        "share_stopped_not_presenter": _(
            "Your screen share ended: you are no longer presenting here."
        ),
        # Interpretation (the language picker; the channels come from the server).
        "original": _("Original (floor)"),
        "floor_booth_empty": _("No interpreter is on air: you hear the floor."),
        "floor_interpreter_dropped": _("The interpreter lost the connection: you hear the floor."),
        "floor_retour": _("The booth is working into another language: you hear the floor."),
        "floor_no_booth": _("No booth works into this language: you hear the floor."),
        "slow_down": _("The interpreters ask you to slow down, please."),
        "interpreter_back": _("You hear the interpreter again."),
        # Sign language (a pinned picture beside the speaker).
        "sign_none": _("None"),
        "signer_of": _("%(name)s, signing"),
        "sign_nobody": _("No sign-language interpreter is on air."),
        "enlarge": _("Enlarge"),
    }


def sign_names(ctx: Ctx, session: Session) -> dict[str, str]:
    """Sign languages in the page's language, for the channels the server names in English."""
    tags = [*sign_languages.COMMON_SIGN, *session.interpretation_languages]
    return {
        tag: sign_language_name(tag, ctx._, ctx.lang)
        for tag in tags
        if sign_languages.is_sign_language(tag)
    }


@page(signed_in=True)
def room_page(ctx: Ctx) -> Response:
    session = ctx.db.get(Session, ctx.request.path_params["session_id"])
    if session is None or session.conference_id != ctx.conference().id or ctx.person is None:
        raise NotFound("There is no such session.")
    assert session.id is not None
    moved = owner_redirect(ctx, session.id)
    if moved is not None:
        return moved
    live = live_of(ctx.services)
    # The registry lives on the event loop; this view runs in a worker thread.
    room_id = from_thread.run_sync(live.room_for_session, session.id, session.kind, session.title)
    if session.kind == "lightning":
        lightning_stage.prepare(ctx, live, session, room_id)
    identity = identity_of(ctx.person)
    if from_thread.run_sync(listens_only, live, str(session.id), room_id, identity):
        return listen_page(ctx, session, live)
    registration = ctx.db.exec(
        select(Registration).where(
            Registration.person_id == ctx.person.id,
            Registration.conference_id == session.conference_id,
        )
    ).first()
    captioning = sorted(
        ctx.db.exec(
            select(CaptionerAssignment.language).where(
                CaptionerAssignment.session_id == session.id,
                CaptionerAssignment.person_id == ctx.person.id,
            )
        ).all()
    )
    caption_languages = list(
        dict.fromkeys([*session.floor_languages, *session.interpretation_languages])
    )
    return ctx.render(
        "room.html",
        session=session,
        caption_languages=[(tag, native_name(tag)) for tag in caption_languages],
        captioning=[(tag, native_name(tag)) for tag in captioning],
        room_id=room_id,
        ws_url=(links := live_links(ctx, session.id)).ws_url,
        relocate_url=links.relocate_url,
        ice_servers=live.ice_plan.for_browser(f"person-{ctx.person.id}"),
        room_roles=sorted(role.value for role in identity.roles),
        display_name=identity.display_name,
        floor_slots=RECOMMENDED_FLOOR_SLOTS,
        data_use=lowdata.data_use(),
        sign_names=sign_names(ctx, session),
        languages=registration.languages if registration is not None else [],
        texts=_texts(ctx),
        stage_texts=lightning_stage.texts(ctx) if session.kind == "lightning" else None,
        planned_breakouts=planned_breakouts(ctx, session.id) if "organiser" in ctx.roles else [],
        console_link=ctx.has(Role.INTERPRETER)
        and ctx.person.id is not None
        and session.id in agenda.booth_sessions(ctx.db, ctx.person.id),
        board_link=ctx.has(Role.ORGANISER),
    )


def _listen_texts(ctx: Ctx) -> dict[str, str]:
    """Sentences the listen-only page's script shows, in the viewer's language."""
    _ = ctx._
    return {
        "connecting": _("Connecting…"),
        "reconnecting": _("Reconnecting…"),
        "listening": _("You are listening."),
        "mode": _("A large session: you are listening from a relay server."),
        "mode_origin": _("A large session: you are listening without a seat in the room."),
        "listening_n": _("People listening this way: %(n)s."),
        "offline": _("No server can take you now. Reload the page to try again."),
        "start_audio": _("Start audio"),
        "original": _("Original (floor)"),
        "floor_booth_empty": _("No interpreter is on air: you hear the floor."),
        "floor_picture": _("Floor"),
        "signer_of": _("%(name)s, signing"),
        "sign_nobody": _("No sign-language interpreter is on air."),
        "your_camera": _("Your camera"),
        "screen_of": _("Screen of %(name)s"),
        "speaking": _("Speaking"),
        "enlarge": _("Enlarge"),
    }


def listen_page(ctx: Ctx, session: Session, live: LiveRooms) -> Response:
    """The room page of a listen-only seat: the floor, a language, and their picture."""
    assert ctx.person is not None and session.id is not None
    registration = ctx.db.exec(
        select(Registration).where(
            Registration.person_id == ctx.person.id,
            Registration.conference_id == session.conference_id,
        )
    ).first()
    spoken = [t for t in session.interpretation_languages if not sign_languages.is_sign_language(t)]
    return ctx.render(
        "room_listen.html",
        session=session,
        listen_url=f"/relay/listen?session={session.id}",
        node_id=live.relay.node_id if live.relay is not None else "",
        ice_servers=live.ice_plan.for_browser(f"person-{ctx.person.id}"),
        floor_slots=RECOMMENDED_FLOOR_SLOTS,
        language_names={tag: native_name(tag) for tag in spoken},
        sign_names=sign_names(ctx, session),
        languages=registration.languages if registration is not None else [],
        texts=_listen_texts(ctx),
    )


def planned_breakouts(ctx: Ctx, session_id: int) -> list[dict[str, Any]]:
    """The applied breakout plan of a session: room titles with the person ids sent there."""
    rooms = ctx.db.exec(
        select(BreakoutRoom)
        .where(BreakoutRoom.session_id == session_id)
        .order_by(col(BreakoutRoom.id))
    ).all()
    planned = []
    for room in rooms:
        people = ctx.db.exec(
            select(Registration.person_id)
            .join(BreakoutAssignment, col(BreakoutAssignment.registration_id) == Registration.id)
            .where(BreakoutAssignment.room_id == room.id)
            .order_by(col(Registration.person_id))
        ).all()
        if people:
            title = f"{room.name}: {room.topic}" if room.topic else room.name
            planned.append({"title": title[:120], "people": [str(p) for p in people]})
    return planned


@page(signed_in=True)
def connect_token(ctx: Ctx) -> Response:
    assert ctx.person is not None
    token = live_of(ctx.services).tokens.issue(identity_of(ctx.person))
    return JSONResponse(
        {"token": token, "expires_in": TOKEN_LIFETIME_S}, headers={"Cache-Control": "no-store"}
    )


def _session_facts(engine: Engine, session_id: int) -> tuple[int, str, str] | None:
    with storage.session(engine) as db:
        found = db.get(Session, session_id)
        return None if found is None or found.id is None else (found.id, found.kind, found.title)


async def connect_info(request: Request) -> Response:
    services = services_of(request)
    live = live_of(services)
    identity: Identity | None = None
    scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and bearer:
        identity = live.tokens.verify(bearer.strip())
    elif "session" in request.scope:
        identity = await _maybe_await(live.authenticate(request))  # type: ignore[arg-type]
    if identity is None:
        return JSONResponse(
            {"error": "Sign in, or send a connect token as Authorization: Bearer <token>."},
            status_code=401,
        )
    facts = await run_in_threadpool(
        _session_facts, services.engine, request.path_params["session_id"]
    )
    if facts is None:
        return JSONResponse({"error": "There is no such session."}, status_code=404)
    session_id, kind, title = facts
    ws_url = websocket_url(services.settings.site_url)
    if live.routing is not None:
        owner = await live.routing.elsewhere(str(session_id))
        if owner is not None:  # several nodes: ask the one that owns the session
            return RedirectResponse(owner.public_url + request.url.path, status_code=307)
        ws_url = f"{websocket_url(live.routing.public_url)}?session={session_id}"
    room_id = live.room_for_session(session_id, kind, title)
    listen_only = None
    if live.relay is not None and listens_only(live, str(session_id), room_id, identity):
        listen_only = await where_to_listen(live.relay, str(session_id))
    return JSONResponse(
        {
            "session_id": session_id,
            "title": title,
            "room_id": room_id,
            "ws_url": ws_url,
            "ice_servers": live.ice_plan.for_browser(f"person-{identity.person_id}"),
            "listen_only": listen_only,
        },
        headers={"Cache-Control": "no-store"},
    )


async def _maybe_await(value: Any) -> Any:
    return await value if hasattr(value, "__await__") else value


routes = [
    Route("/rooms/session/{session_id:id}", room_page, name="room"),
    Route("/rooms/session/{session_id:id}/connect", connect_info, name="room-connect"),
    Route("/rooms/token", connect_token, methods=["POST"], name="room-token"),
]

"""Registering, and viewing or changing a registration through its private link."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from starlette.responses import Response
from starlette.routing import Route

from ..domain import languages, registration, timezones
from ..domain.fields import Errors, Message
from ..storage import registration_confirmations, registrations
from ..storage.tables import Person, Registration, Session
from .accounts import sign_in
from .page import MAIL_FAILED, TOO_MANY, Ctx, NotFound, page
from .ratelimit import client_ip


def _form_context(ctx: Ctx, values: dict[str, Any], errors: Errors) -> dict[str, Any]:
    conference = ctx.conference()
    sessions = ctx.db.exec(
        select(Session)
        .where(Session.conference_id == conference.id)
        .order_by(col(Session.start), col(Session.id))
    ).all()
    return {
        "conference": conference,
        "sessions": sessions,
        "values": values,
        "errors": errors,
        "language_choices": languages.choices(),
        "language_slots": range(1, registration.LANGUAGE_SLOTS + 1),
        "timezones": timezones.all_names(),
    }


def _submitted(ctx: Ctx) -> dict[str, Any]:
    """The form as typed, so a page with errors shows it back unchanged."""
    values: dict[str, Any] = {
        key: ctx.value(key)
        for key in (
            "name", "email", "timezone", "need_data", "data_country", "data_carrier", "data_gb",
            "need_childcare", "childcare_children",
        )
    }  # fmt: skip
    for i in range(1, registration.LANGUAGE_SLOTS + 1):
        values[f"language_{i}"] = ctx.value(f"language_{i}")
    values["sessions"] = ctx.values("sessions")
    values["childcare_sessions"] = ctx.values("childcare_sessions")
    return values


def _stored(ctx: Ctx, row: Registration) -> dict[str, Any]:
    person = ctx.db.get(Person, row.person_id)
    assert person is not None
    values: dict[str, Any] = {"name": person.name, "email": person.email, "timezone": row.timezone}
    for i, tag in enumerate(row.languages[: registration.LANGUAGE_SLOTS], start=1):
        values[f"language_{i}"] = tag
    assert row.id is not None
    values["sessions"] = [str(s) for s in registrations.attended_sessions(ctx.db, row.id)]
    for request in registrations.support_requests(ctx.db, row.id):
        if request.kind == "data_package":
            values.update(
                need_data="1", data_country=request.country, data_carrier=request.carrier,
                data_gb=f"{request.gb:g}",
            )  # fmt: skip
        elif request.kind == "childcare":
            values.update(
                need_childcare="1",
                childcare_children=str(request.children),
                childcare_sessions=[str(s) for s in request.sessions],
            )
    return values


def _save(ctx: Ctx, existing: Registration | None, template: str) -> Response:
    values = _submitted(ctx)
    context = _form_context(ctx, values, Errors())
    form = registration.Form(ctx.value, ctx.values)
    data, errors = registration.clean(form, {s.id for s in context["sessions"] if s.id})
    if data is not None:
        if existing is None and (ctx.person is None or ctx.person.email != data.email):
            return _ask_owner_to_confirm(ctx, data.email, values)
        try:
            row = registrations.save(ctx.db, context["conference"], data, existing)
        except registrations.EmailTaken:
            ctx.db.rollback()
            if existing is None:
                # The signed-in owner of this address is registered already.
                taken = _registration_of(ctx, data.email)
                if taken is not None:
                    return ctx.redirect(f"/registration/{taken.token}")
            errors["email"] = Message(
                "This email is already registered. Sign in to change that registration."
            )
        else:
            if existing is None:
                return ctx.redirect(f"/registration/{row.token}?new=1")
            return ctx.redirect(f"/registration/{row.token}?saved=1")
    ctx.db.rollback()
    context["errors"] = errors
    return ctx.render(template, status_code=400, registration=existing, **context)


def _person(ctx: Ctx, row: Registration) -> Person:
    person = ctx.db.get(Person, row.person_id)
    assert person is not None
    return person


def _registration_of(ctx: Ctx, email: str) -> Registration | None:
    person = registrations.person_by_email(ctx.db, email)
    if person is None:
        return None
    return ctx.db.exec(
        select(Registration).where(
            Registration.person_id == person.id,
            Registration.conference_id == ctx.conference().id,
        )
    ).first()


def _printable(value: str | list[str]) -> bool:
    return all("\x00" not in part for part in ([value] if isinstance(value, str) else value))


def _ask_owner_to_confirm(ctx: Ctx, email: str, values: dict[str, Any]) -> Response:
    """Keep the form until the address's owner confirms it through the emailed link.

    Known and unknown addresses take the same path and get the same answer, so the form
    reveals no one, and nobody is signed in as, or changes, an existing person.
    """
    conference = ctx.conference()
    assert conference.id is not None
    if not ctx.services.mail_limits.allow("register", email, client_ip(ctx.request)):
        return _refuse(ctx, values, TOO_MANY, 429)
    # Fields the form ignored (a carrier without "need data") may hold anything: a NUL byte
    # among them would make PostgreSQL refuse the row, so only printable values are kept.
    form = {k: v for k, v in values.items() if v not in (None, "", []) and _printable(v)}
    token = registration_confirmations.issue(ctx.db, conference.id, email, form)
    link = f"{ctx.services.settings.site_url}/register/confirm/{token}"
    sent = ctx.services.mailer.send(
        email,
        ctx._("Confirm your registration for %(name)s", name=conference.name),
        ctx._(
            "Someone, we hope you, registered this address for %(name)s. "
            "Open this link within 24 hours to confirm it:",
            name=conference.name,
        )
        + f"\n\n{link}\n\n"
        + ctx._("If it was not you, ignore this message: nothing changes without you."),
        log_line=f"Registration confirmation link: {link}",
    )
    if not sent:
        return _refuse(ctx, values, MAIL_FAILED, 503)
    return ctx.render("register_sent.html", conference=conference)


def _refuse(ctx: Ctx, values: dict[str, Any], message: Message, status: int) -> Response:
    """The form again, as typed, with ``message`` at the email field; nothing kept."""
    ctx.db.rollback()
    context = _form_context(ctx, values, Errors(email=message))
    return ctx.render("register.html", status_code=status, registration=None, **context)


@page()
def confirm(ctx: Ctx) -> Response:
    """GET shows what will be registered; only the POST uses the link up."""
    token = ctx.request.path_params["token"]
    if ctx.request.method == "GET":
        pending = registration_confirmations.peek(ctx.db, token)
        if pending is None:
            return ctx.render("register_invalid.html", status_code=410)
        return ctx.render(
            "register_confirm.html",
            token=token,
            email=pending.email,
            name=pending.form.get("name", ""),
            already=_registration_of(ctx, pending.email) is not None,
        )
    pending = registration_confirmations.consume(ctx.db, token)
    if pending is None:
        return ctx.render("register_invalid.html", status_code=410)
    taken = _registration_of(ctx, pending.email)
    if taken is None:
        context = _form_context(ctx, {}, Errors())
        form = registration.Form.from_mapping(pending.form)
        data, errors = registration.clean(form, {s.id for s in context["sessions"] if s.id})
        if data is None or data.email != pending.email:
            # The programme changed since (a session removed): the owner fixes the form.
            ctx.db.rollback()
            context.update(values=dict(pending.form), errors=errors)
            return ctx.render("register.html", status_code=400, registration=None, **context)
        try:
            taken = registrations.save(ctx.db, context["conference"], data)
        except registrations.EmailTaken:
            # A second confirmation of the same address won the race: this one joins it.
            ctx.db.rollback()
            taken = _registration_of(ctx, pending.email)
        if taken is None:  # the address is someone's who is not registered: sign in instead
            return ctx.render("register_invalid.html", status_code=410)
        sign_in(ctx.request, _person(ctx, taken))
        return ctx.redirect(f"/registration/{taken.token}?new=1")
    sign_in(ctx.request, _person(ctx, taken))
    return ctx.redirect(f"/registration/{taken.token}")


@page()
def register(ctx: Ctx) -> Response:
    if ctx.request.method == "POST":
        return _save(ctx, None, "register.html")
    if ctx.person is not None:
        existing = ctx.db.exec(
            select(Registration).where(Registration.person_id == ctx.person.id)
        ).first()
        if existing is not None:
            return ctx.redirect(f"/registration/{existing.token}")
    conference = ctx.conference()
    values = {"timezone": conference.timezone}
    return ctx.render("register.html", registration=None, **_form_context(ctx, values, Errors()))


@page()
def private(ctx: Ctx) -> Response:
    """Anyone holding the private link may view and change the registration."""
    row = registrations.by_token(ctx.db, ctx.request.path_params["token"])
    if row is None:
        raise NotFound("This registration link is not valid.")
    if ctx.request.method == "POST":
        return _save(ctx, row, "registration.html")
    assert row.id is not None
    return ctx.render(
        "registration.html",
        registration=row,
        support=registrations.support_requests(ctx.db, row.id),
        new=ctx.request.query_params.get("new") == "1",
        saved=ctx.request.query_params.get("saved") == "1",
        private_link=f"{ctx.services.settings.site_url}/registration/{row.token}",
        calendar_link=f"{ctx.services.settings.site_url}/calendar/{row.calendar_token}.ics",
        **_form_context(ctx, _stored(ctx, row), Errors()),
    )


routes = [
    Route("/register", register, methods=["GET", "POST"]),
    Route("/register/confirm/{token}", confirm, methods=["GET", "POST"]),
    Route("/registration/{token}", private, methods=["GET", "POST"]),
]

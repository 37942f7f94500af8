"""Signing in by a one-time emailed link, signing out, and the interface-language switch."""

from __future__ import annotations

import logging
import time
from urllib.parse import quote, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..domain import fields
from ..storage import people, signin
from ..storage.registrations import person_by_email
from ..storage.tables import Person
from . import i18n
from .page import MAIL_FAILED, TOO_MANY, Ctx, page
from .ratelimit import client_ip

log = logging.getLogger(__name__)
# The sign-in form's answer to a valid address takes at least this long (seconds).
ANSWER_FLOOR_S = 0.25


def safe_next(target: str | None) -> str:
    """Only same-site paths, so a link cannot send people elsewhere after signing in."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@page()
def signin_form(ctx: Ctx) -> Response:
    if ctx.request.method == "GET":
        return ctx.render(
            "signin.html",
            values={},
            errors={},
            next=safe_next(ctx.request.query_params.get("next")),
        )
    errors = fields.Errors()
    email = errors.run("email", fields.email, ctx.value("email"))
    target = safe_next(ctx.value("next"))
    if email is None:
        return ctx.render(
            "signin.html",
            status_code=400,
            values={"email": ctx.value("email")},
            errors=errors,
            next=target,
        )
    if not ctx.services.mail_limits.allow("signin", email, client_ip(ctx.request)):
        errors["email"] = TOO_MANY
        return ctx.render(
            "signin.html", status_code=429, values={"email": email}, errors=errors, next=target
        )
    # Known or not, the address gets a mail: the same answer, the same mail server's verdict
    # and about the same time either way, so the form reveals no one.
    started = time.monotonic()
    site = ctx.services.settings.site_url
    person = person_by_email(ctx.db, email)
    if person is not None:
        token = signin.issue(ctx.db, person, ctx.services.settings.sign_in_minutes)
        link = f"{site}/signin/{token}?next={quote(target, safe='')}"
        subject = ctx._("Your sign-in link")
        body = ctx._(
            "Open this link to sign in. It works once, for %(minutes)s minutes:",
            minutes=ctx.services.settings.sign_in_minutes,
        )
        log_line = f"Sign-in link for person #{person.id}: {link}"
    else:
        link = f"{site}/register"
        subject = ctx._("No account uses this address")
        body = ctx._(
            "Someone, we hope you, asked to sign in with this address, but no account uses it. "
            "If it was you, register first:"
        )
        log_line = "Sign-in asked for an address without an account."
    body += f"\n\n{link}\n\n" + ctx._(
        "If it was not you, ignore this message: nothing changes without you."
    )
    if not ctx.services.mailer.send(email, subject, body, log_line=log_line):
        ctx.db.rollback()
        errors["email"] = MAIL_FAILED
        answer = ctx.render(
            "signin.html", status_code=503, values={"email": email}, errors=errors, next=target
        )
    else:
        answer = ctx.render("signin_sent.html")
    # A known address costs a token's insert: no answer comes sooner than the floor, so the
    # time does not tell the two apart (benchmarks/signin_timing.py measures it).
    time.sleep(max(0.0, ANSWER_FLOOR_S - (time.monotonic() - started)))
    return answer


@page()
def signin_link(ctx: Ctx) -> Response:
    """GET shows a button; only the POST uses the link up, so mail scanners cannot spend it."""
    token = ctx.request.path_params["token"]
    target = safe_next(ctx.request.query_params.get("next") or ctx.value("next"))
    if ctx.request.method == "GET":
        person = signin.peek(ctx.db, token)
        if person is None:
            return ctx.render("signin_invalid.html", status_code=410)
        return ctx.render("signin_confirm.html", who=person, token=token, next=target)
    person = signin.consume(ctx.db, token)
    if person is None:
        return ctx.render("signin_invalid.html", status_code=410)
    sign_in(ctx.request, person)
    return ctx.redirect(target)


def sign_in(request: Request, person: Person) -> None:
    """Start a fresh signed session (a new CSRF secret too) for ``person``."""
    request.session.clear()
    request.session.update(people.session_values(person))


@page()
def signout(ctx: Ctx) -> Response:
    """End this person's sessions everywhere: a copy of the cookie stops working too."""
    if ctx.person is not None:
        people.end_sessions(ctx.person)
        ctx.db.add(ctx.person)
    ctx.request.session.clear()
    return ctx.redirect("/")


async def switch_language(request: Request) -> Response:
    code = request.query_params.get("set", "")
    response = RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    if code in i18n.INTERFACE_LANGUAGES:
        response.set_cookie(
            i18n.COOKIE, code, max_age=365 * 24 * 3600, samesite="lax", httponly=True
        )
    return response


routes = [
    Route("/signin", signin_form, methods=["GET", "POST"]),
    Route("/signin/{token}", signin_link, methods=["GET", "POST"]),
    Route("/signout", signout, methods=["POST"]),
    Route("/language", switch_language),
]

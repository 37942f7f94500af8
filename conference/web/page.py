"""One request as a page sees it, and the ``@page`` decorator every view uses.

The decorator reads the form, checks CSRF on every unsafe method, resolves the signed-in
person, checks roles, and runs the view in a worker thread so that database work never
blocks the event loop that carries live audio and signalling.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment
from sqlalchemy.engine import Engine
from sqlmodel import Session as DbSession
from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ..domain.fields import Message
from ..domain.people import Role
from ..settings import Settings
from ..storage import engine as storage
from ..storage import people
from ..storage.tables import Conference, Person
from . import i18n, ids  # noqa: F401 -- ids registers the "id" route converter
from .body_limit import MAX_BODY_BYTES as MAX_FORM_BYTES
from .body_limit import TOO_LARGE
from .mail import Mailer
from .ratelimit import MailLimits

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Long-lived things the lifespan owns, shared by every request."""

    settings: Settings
    engine: Engine
    templates: Environment
    mailer: Mailer
    mail_limits: MailLimits
    extras: dict[str, Any] = field(default_factory=dict)
    # Awaited on the event loop, with the person ids, once a unit of work that changed
    # people's roles has committed. The composition root connects the live rooms here,
    # so that a demoted organiser loses organiser powers on an open websocket at once.
    on_roles_changed: list[Callable[[list[int]], Awaitable[None]]] = field(default_factory=list)


class Forbidden(HTTPException):
    def __init__(self, detail: str = "You may not do that.") -> None:
        super().__init__(403, detail)


class NotFound(HTTPException):
    def __init__(self, detail: str = "There is nothing here.") -> None:
        super().__init__(404, detail)


@dataclass
class Ctx:
    """Everything a view needs: the request, a database session, the person, the language."""

    request: Request
    db: DbSession
    services: Services
    lang: i18n.InterfaceLanguage
    person: Person | None
    form: FormData | None
    roles_changed: list[int] = field(default_factory=list)  # told after the commit

    @property
    def roles(self) -> set[str]:
        return set(self.person.roles) if self.person else set()

    def has(self, role: Role) -> bool:
        return role.value in self.roles

    def _(self, message: str, **values: object) -> str:
        return self.lang.gettext(message, **values)

    def conference(self) -> Conference:
        """The conference this server runs (the first one; the demo loads one)."""
        conference = self.db.exec(select(Conference).order_by(col(Conference.id))).first()
        if conference is None:
            raise NotFound("No conference has been set up yet. Run `conference demo`.")
        return conference

    def value(self, name: str) -> str:
        if self.form is None:
            return ""
        raw = self.form.get(name)
        return raw if isinstance(raw, str) else ""

    def values(self, name: str) -> list[str]:
        if self.form is None:
            return []
        return [v for v in self.form.getlist(name) if isinstance(v, str)]

    def render(self, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        base = page_context(self.request, self.lang, self.person)
        html = self.services.templates.get_template(template).render({**base, **context})
        return HTMLResponse(html, status_code=status_code)

    def redirect(self, url: str) -> RedirectResponse:
        return RedirectResponse(url, status_code=303)


MAIL_FAILED = Message(
    "We could not send the mail. Check the address, or try again in a few minutes."
)
TOO_MANY = Message(
    "Too many requests for this address or from your network. Wait a few minutes and try again."
)


EXPIRED = (
    "This form has expired or did not come from this site. "
    "Go back, reload the page and send it again."
)


def _same_site(request: Request) -> bool:
    """False when the browser says the form came from another origin."""
    origin = request.headers.get("origin")
    if origin is None:  # older browsers and non-browser clients; the CSRF token still counts
        return True
    return origin == services_of(request).settings.site_origin


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


def page_context(
    request: Request, lang: i18n.InterfaceLanguage, person: Person | None
) -> dict[str, Any]:
    """What every template may use (documented in docs/architecture.md)."""
    return {
        "request": request,
        "lang": lang,
        "_": lang.gettext,
        "ngettext": lang.ngettext,
        "csrf_token": csrf_token(request),
        "person": person,
        "roles": set(person.roles) if person else set(),
        "interface_languages": i18n.all_languages(),
    }


def language_of(request: Request) -> i18n.InterfaceLanguage:
    return i18n.choose(request.cookies.get(i18n.COOKIE), request.headers.get("accept-language"))


def services_of(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


View = Callable[[Ctx], Response]


def page(
    *, role: Role | None = None, signed_in: bool = False
) -> Callable[[View], Callable[[Request], Awaitable[Response]]]:
    """Wrap a synchronous view: CSRF, sign-in and role checks, a database unit of work."""

    def decorate(view: View) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            form = None
            if request.method not in ("GET", "HEAD", "OPTIONS"):
                # Before reading a byte of the body: a form from another site, or from a
                # browser that never got a form from us, cannot pass, so it is not read.
                expected = request.session.get("csrf")
                if not expected or not _same_site(request):
                    raise Forbidden(EXPIRED)
                length = request.headers.get("content-length", "")
                if length.isascii() and length.isdigit() and int(length) > MAX_FORM_BYTES:
                    raise HTTPException(413, TOO_LARGE)
                # BodyLimit stops a longer body (chunked ones too) while it streams in.
                form = await request.form(max_part_size=MAX_FORM_BYTES)
                sent = form.get("csrf_token")
                if not isinstance(sent, str) or not hmac.compare_digest(sent, str(expected)):
                    raise Forbidden(EXPIRED)
            services = services_of(request)
            lang = language_of(request)
            roles_changed: list[int] = []

            def run() -> Response:
                with storage.session(services.engine) as db:
                    person = people.signed_in(db, request.session)
                    if person is None and "person_id" in request.session:
                        # Signed out elsewhere, or a role was taken away: this cookie is over.
                        request.session.pop("person_id", None)
                        request.session.pop("v", None)
                    if (signed_in or role) and person is None:
                        return RedirectResponse(f"/signin?next={request.url.path}", status_code=303)
                    if role and person is not None and role.value not in person.roles:
                        raise Forbidden()
                    return view(Ctx(request, db, services, lang, person, form, roles_changed))

            try:
                response = await run_in_threadpool(run)
            finally:
                if form is not None:
                    await form.close()
            if roles_changed:
                for hook in services.on_roles_changed:
                    try:
                        await hook(sorted(set(roles_changed)))
                    except Exception:  # the roles are saved; a live room failing must not 500
                        log.exception("telling the live rooms about changed roles failed")
            return response

        endpoint.__name__ = view.__name__
        endpoint.__doc__ = view.__doc__
        return endpoint

    return decorate

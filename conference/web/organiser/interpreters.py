"""The interpreters, with their languages and a link to each profile.

The profile form itself, for organisers and interpreters alike, is in
:mod:`conference.web.interpreter`.
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from ...domain.people import Role
from ...storage import interpreters as storage
from ..page import Ctx, page


@page(role=Role.ORGANISER)
def interpreter_list(ctx: Ctx) -> Response:
    return ctx.render("organiser/interpreters.html", interpreters=storage.interpreters(ctx.db))


routes = [Route("/organiser/interpreters", interpreter_list)]

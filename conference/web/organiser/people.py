"""People and roles: invite organisers and interpreters, and change anyone's roles."""

from __future__ import annotations

import logging
from typing import Any

from sqlmodel import col, select
from starlette.responses import Response
from starlette.routing import Route

from ...domain import fields
from ...domain.fields import Errors, FieldError
from ...domain.people import Role
from ...storage import people
from ...storage.tables import Person
from ..messages import N_
from ..page import Ctx, NotFound, page

log = logging.getLogger(__name__)

INVITABLE = (Role.ORGANISER.value, Role.INTERPRETER.value)


def _everyone(ctx: Ctx) -> list[Person]:
    return list(ctx.db.exec(select(Person).order_by(col(Person.name), col(Person.id))).all())


def _list_page(
    ctx: Ctx, values: dict[str, Any], errors: Errors, status_code: int = 200
) -> Response:
    return ctx.render(
        "organiser/people.html",
        status_code=status_code,
        people=_everyone(ctx),
        values=values,
        errors=errors,
        invited=ctx.request.query_params.get("invited") == "1",
        changed=ctx.request.query_params.get("changed") == "1",
    )


@page(role=Role.ORGANISER)
def people_list(ctx: Ctx) -> Response:
    """The list of people; a POST invites someone (the invitee signs in by the usual link)."""
    if ctx.request.method == "GET":
        return _list_page(ctx, {"role": Role.INTERPRETER.value}, Errors())
    typed = {key: ctx.value(key) for key in ("name", "email", "role")}
    errors = Errors()
    name = errors.run("name", fields.name, typed["name"])
    email = errors.run("email", fields.email, typed["email"])
    role = errors.run("role", fields.choice, typed["role"], INVITABLE)
    if errors or name is None or email is None or role is None:
        ctx.db.rollback()
        return _list_page(ctx, typed, errors, status_code=400)
    person = people.invite(ctx.db, name, email, role)
    if person.id is not None:
        ctx.roles_changed.append(person.id)
    log.info("person #%s given the %s role by person #%s", person.id, role, _actor(ctx))
    return ctx.redirect("/organiser/people?invited=1")


def _actor(ctx: Ctx) -> int | None:
    return ctx.person.id if ctx.person else None


def _roles(values: list[str], person: Person, me: Person | None) -> set[Role]:
    chosen: set[Role] = set()
    for raw in values:
        try:
            chosen.add(Role(raw))
        except ValueError:
            raise FieldError("%(value)s is not a role.", value=raw[:20]) from None
    if me is not None and person.id == me.id and Role.ORGANISER not in chosen:
        raise FieldError("You cannot remove your own organiser role; ask another organiser.")
    return chosen


@page(role=Role.ORGANISER)
def person_roles(ctx: Ctx) -> Response:
    person = ctx.db.get(Person, ctx.request.path_params["person_id"])
    if person is None:
        raise NotFound(N_("There is no such person."))
    if ctx.request.method == "GET":
        return _roles_page(ctx, person, list(person.roles), Errors())
    typed = ctx.values("roles")
    errors = Errors()
    roles = errors.run("roles", _roles, typed, person, ctx.person)
    if roles is None:
        ctx.db.rollback()
        return _roles_page(ctx, person, typed, errors, status_code=400)
    people.set_roles(ctx.db, person, roles)
    if person.id is not None:
        ctx.roles_changed.append(person.id)
    log.info("roles of person #%s changed by person #%s", person.id, _actor(ctx))
    return ctx.redirect("/organiser/people?changed=1")


def _roles_page(
    ctx: Ctx, person: Person, chosen: list[str], errors: Errors, status_code: int = 200
) -> Response:
    return ctx.render(
        "organiser/person.html",
        status_code=status_code,
        who=person,
        chosen=chosen,
        all_roles=[r.value for r in Role],
        errors=errors,
    )


routes = [
    Route("/organiser/people", people_list, methods=["GET", "POST"]),
    Route("/organiser/people/{person_id:id}", person_roles, methods=["GET", "POST"]),
]

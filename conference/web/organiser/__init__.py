"""The organiser's pages, one module per page group; every page needs the organiser role."""

from __future__ import annotations

from starlette.routing import BaseRoute

from . import (
    breakout_notes,
    captioners,
    dashboard,
    interpreters,
    people,
    planning,
    polls,
    registrants,
    sessions,
    support,
    talks,
)

routes: list[BaseRoute] = [
    *dashboard.routes,
    *sessions.routes,
    *registrants.routes,
    *support.routes,
    *people.routes,
    *interpreters.routes,
    *planning.routes,
    *talks.routes,
    *polls.routes,
    *breakout_notes.routes,
    *captioners.routes,
]

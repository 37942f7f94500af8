"""Every route × every role, with the outcome each must get. A route without a row fails.

Roles: anonymous, participant, interpreter of another booth, speaker with an unreviewed
talk, speaker (accepted talk), organiser, and a demoted organiser (signed in as organiser,
then demoted: the old cookie must be over). Each request is a real request through the
whole app, with a valid CSRF token on POSTs, so a refusal is the route's own decision.

Outcomes:
- ``ok``: not refused (a page, a redirect elsewhere, or a 400 about the empty form);
- ``signin``: 303 to ``/signin``;
- ``forbidden``: 403;
- ``missing``: 404 or 410 (how object routes refuse people who may not know the object);
- ``unauthorised``: 401 (the bearer-token API).
A 500 fails the test whatever the row says.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from starlette.routing import Route
from starlette.testclient import TestClient

from conference.app import create_app
from conference.domain.people import Role
from conference.settings import Settings
from conference.storage import people
from conference.storage.engine import make_engine, session
from conference.storage.tables import (
    Person,
)
from tests.support.roles import EMAILS, PAT_CALENDAR, PAT_TOKEN, seed_roles

from .conftest import csrf, sign_in

pytestmark = pytest.mark.integration

SITE = "http://127.0.0.1:8000"
ROLES = [
    "anonymous",
    "participant",
    "other_interpreter",
    "unreviewed_speaker",
    "speaker",
    "demoted_organiser",
    "organiser",  # last: its POSTs change data the others' rows rely on
]


def _row(default: str, **by_role: str) -> dict[str, str]:
    return {role: by_role.get(role, default) for role in ROLES}


PUBLIC = _row("ok")
SIGNED_IN = _row("ok", anonymous="signin", demoted_organiser="signin")
ORGANISER = _row("forbidden", anonymous="signin", demoted_organiser="signin", organiser="ok")
MISSING_FOR_ALL = _row("missing")

# (method, route path) -> (the path requested, the outcome per role)
MATRIX: dict[tuple[str, str], tuple[str, dict[str, str]]] = {}


def expect(method: str, route: str, path: str | None, outcomes: dict[str, str]) -> None:
    MATRIX[(method, route)] = (path or route, outcomes)


# fmt: off
# -- public pages and feeds
expect("GET", "/healthz", None, PUBLIC)
expect("GET", "/readyz", None, PUBLIC)
# Prometheus text for loopback clients or a bearer token; the test client is neither.
expect("GET", "/metrics", None, MISSING_FOR_ALL)
# Where a listen-only seat goes: only a node of several answers (the seat itself needs a token).
expect("GET", "/relay/listen", "/relay/listen?session=1", MISSING_FOR_ALL)
expect("GET", "/", None, PUBLIC)
expect("GET", "/favicon.ico", None, PUBLIC)
expect("GET", "/signin", None, PUBLIC)
expect("POST", "/signin", None, PUBLIC)
expect("GET", "/signin/{token}", "/signin/not-a-token", MISSING_FOR_ALL)
expect("POST", "/signin/{token}", "/signin/not-a-token", MISSING_FOR_ALL)
expect("POST", "/signout", None, PUBLIC)
expect("GET", "/language", "/language?set=fr", PUBLIC)
expect("GET", "/register", None, PUBLIC)
expect("POST", "/register", None, PUBLIC)
expect("GET", "/register/confirm/{token}", "/register/confirm/not-a-token", MISSING_FOR_ALL)
expect("POST", "/register/confirm/{token}", "/register/confirm/not-a-token", MISSING_FOR_ALL)
# The private link is a bearer link: whoever holds it may see and change that registration.
expect("GET", "/registration/{token}", f"/registration/{PAT_TOKEN}", PUBLIC)
expect("POST", "/registration/{token}", f"/registration/{PAT_TOKEN}", PUBLIC)
expect("GET", "/programme", None, PUBLIC)
expect("GET", "/calendar/{token}.ics", f"/calendar/{PAT_CALENDAR}.ics", PUBLIC)
expect("GET", "/results", None, PUBLIC)
expect("GET", "/results.md", None, PUBLIC)
# -- organiser pages
for route in [
    "/organiser", "/organiser/sessions", "/organiser/registrants", "/organiser/registrants.csv",
    "/organiser/support", "/organiser/interpreters", "/organiser/plan", "/organiser/plan/breakouts",
    "/organiser/plan/roster/input.json", "/organiser/plan/lightning/input.json",
    "/organiser/plan/support/input.json", "/organiser/talks", "/organiser/results.zip",
]:
    expect("GET", route, None, ORGANISER)
for route in [
    "/organiser/sessions/new", "/organiser/registrants/import", "/organiser/people",
    "/organiser/plan/roster", "/organiser/plan/lightning", "/organiser/plan/support",
    "/organiser/polls",
]:
    expect("GET", route, None, ORGANISER)
    expect("POST", route, None, ORGANISER)
for route in ["/organiser/plan/roster/apply", "/organiser/plan/lightning/apply",
              "/organiser/plan/support/apply"]:
    # An empty form names no run: the organiser's answer is "no such run".
    expect("POST", route, None, {**ORGANISER, "organiser": "missing"})
expect("GET", "/organiser/sessions/{session_id:id}", "/organiser/sessions/1", ORGANISER)
expect("POST", "/organiser/sessions/{session_id:id}", "/organiser/sessions/1", ORGANISER)
expect("GET", "/organiser/sessions/{session_id:id}/delete", "/organiser/sessions/2/delete", ORGANISER)
expect("GET", "/organiser/sessions/{session_id:id}/notes", "/organiser/sessions/2/notes", ORGANISER)
expect("GET", "/organiser/sessions/{session_id:id}/captioners", "/organiser/sessions/2/captioners",
       ORGANISER)
expect("POST", "/organiser/sessions/{session_id:id}/captioners", "/organiser/sessions/2/captioners",
       ORGANISER)
expect("POST", "/organiser/sessions/{session_id:id}/delete", "/organiser/sessions/2/delete", ORGANISER)
expect("GET", "/organiser/support/{request_id:id}", "/organiser/support/1", ORGANISER)
expect("POST", "/organiser/support/{request_id:id}", "/organiser/support/1", ORGANISER)
expect("GET", "/organiser/people/{person_id:id}", "/organiser/people/2", ORGANISER)
expect("POST", "/organiser/people/{person_id:id}", "/organiser/people/2", ORGANISER)
expect("GET", "/organiser/plan/runs/{run_id:id}/{part}.json", "/organiser/plan/runs/1/input.json",
       {**ORGANISER, "organiser": "missing"})
expect("GET", "/organiser/plan/breakouts/{session_id:id}", "/organiser/plan/breakouts/2", ORGANISER)
expect("POST", "/organiser/plan/breakouts/{session_id:id}", "/organiser/plan/breakouts/2", ORGANISER)
expect("POST", "/organiser/plan/breakouts/{session_id:id}/apply", "/organiser/plan/breakouts/2/apply",
       {**ORGANISER, "organiser": "missing"})
expect("GET", "/organiser/plan/breakouts/{session_id:id}/input.json",
       "/organiser/plan/breakouts/2/input.json", ORGANISER)
expect("POST", "/organiser/talks/{talk_id:id}/decide", "/organiser/talks/1/decide", ORGANISER)
expect("GET", "/organiser/talks/{talk_id:id}/move", "/organiser/talks/2/move", ORGANISER)
expect("POST", "/organiser/talks/{talk_id:id}/move", "/organiser/talks/2/move", ORGANISER)
expect("GET", "/organiser/polls/{poll_id:id}", "/organiser/polls/1", ORGANISER)
expect("POST", "/organiser/polls/{poll_id:id}", "/organiser/polls/1", ORGANISER)
expect("GET", "/organiser/polls/{poll_id:id}/ballots.{kind:str}", "/organiser/polls/1/ballots.csv",
       ORGANISER)
expect("GET", "/organiser/interpreters/{person_id:id}/profile", "/organiser/interpreters/3/profile",
       ORGANISER)
expect("POST", "/organiser/interpreters/{person_id:id}/profile", "/organiser/interpreters/3/profile",
       ORGANISER)
# -- interpreters
INTERPRETER = _row("forbidden", anonymous="signin", demoted_organiser="signin",
                   other_interpreter="ok")
expect("GET", "/interpreter/profile", None, INTERPRETER)
expect("POST", "/interpreter/profile", None, INTERPRETER)
# The console of a session whose booths one is not in: refused, even to an interpreter.
expect("GET", "/interpret/session/{session_id:id}", "/interpret/session/1",
       _row("forbidden", anonymous="signin", demoted_organiser="signin"))
expect("GET", "/interpret/session/{session_id:id}/board", "/interpret/session/1/board", ORGANISER)
expect("GET", "/interpret/lightning/{block_id:id}", "/interpret/lightning/3",
       _row("forbidden", anonymous="signin", demoted_organiser="signin",
            other_interpreter="ok", organiser="ok"))
# -- talks: one's own only
expect("GET", "/talks", None, SIGNED_IN)
expect("GET", "/talks/new", None, SIGNED_IN)
expect("POST", "/talks/new", None, SIGNED_IN)
OWN_TALK = _row("missing", anonymous="signin", demoted_organiser="signin", unreviewed_speaker="ok")
expect("GET", "/talks/{talk_id:id}", "/talks/1", OWN_TALK)
expect("POST", "/talks/{talk_id:id}", "/talks/1", OWN_TALK)
# -- polls and rooms
expect("GET", "/polls", None, PUBLIC)
expect("GET", "/polls/{poll_id:id}", "/polls/1", SIGNED_IN)
expect("POST", "/polls/{poll_id:id}", "/polls/1", SIGNED_IN)
# An open poll's results: organisers only, until they are published.
expect("GET", "/polls/{poll_id:id}/results", "/polls/1/results", _row("missing", organiser="ok"))
expect("GET", "/rooms/session/{session_id:id}", "/rooms/session/1", SIGNED_IN)
# The bearer-token API for headless clients: a browser session counts too.
expect("GET", "/rooms/session/{session_id:id}/connect", "/rooms/session/1/connect",
       _row("ok", anonymous="unauthorised", demoted_organiser="unauthorised"))
expect("POST", "/rooms/token", None, SIGNED_IN)
# fmt: on


def _routes(app) -> set[tuple[str, str]]:
    found = set()
    for route in app.routes:
        if isinstance(route, Route):
            for method in route.methods or ():
                if method != "HEAD":
                    found.add((method, route.path))
    return found


def _outcome(status: int, location: str) -> str:
    if status == 303 and location.startswith("/signin"):
        return "signin"
    return {401: "unauthorised", 403: "forbidden", 404: "missing", 410: "missing"}.get(status, "ok")


@pytest.fixture
def engine(tmp_path: Path, sqlite_template: Path) -> Iterator[Engine]:
    path = tmp_path / "matrix.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    seed_roles(engine)
    yield engine
    engine.dispose()


def _client_for(app, role: str, engine: Engine) -> TestClient:
    client = TestClient(app, base_url=SITE)
    if role == "demoted_organiser":
        with session(engine) as db:
            dora = db.exec(select(Person).where(Person.email == EMAILS[role])).one()
            people.set_roles(db, dora, {Role.ORGANISER})
    if role != "anonymous":
        sign_in(client, EMAILS[role])
    if role == "demoted_organiser":
        # Signed in as an organiser, then demoted: this cookie must be over.
        assert client.get("/organiser").status_code == 200
        with session(engine) as db:
            dora = db.exec(select(Person).where(Person.email == EMAILS[role])).one()
            people.set_roles(db, dora, set())
    return client


def _observe(
    engine: Engine,
) -> tuple[set[tuple[str, str]], dict[tuple[str, str, str], str], list[str]]:
    settings = Settings(
        database_url=str(engine.url), secret_key="matrix-" + "m" * 40, site_url=SITE,
        rate_limit_address="100/minute", rate_limit_ip="1000/minute",
    )  # fmt: skip
    app = create_app(settings, engine)
    seen: dict[tuple[str, str, str], str] = {}
    errors: list[str] = []
    with TestClient(app, base_url=SITE):
        routes = _routes(app)
        for role in ROLES:
            client = _client_for(app, role, engine)
            token = csrf(client.get("/signin").text)
            for (method, route), (path, _) in sorted(MATRIX.items()):
                response = client.request(
                    method, path, data={"csrf_token": token} if method == "POST" else None,
                    follow_redirects=False,
                )  # fmt: skip
                if response.status_code >= 500:
                    errors.append(f"{role} {method} {path}: {response.status_code}")
                seen[(role, method, route)] = _outcome(
                    response.status_code, response.headers.get("location", "")
                )
                if method == "POST" and route == "/signout":
                    client = _client_for(app, role, engine)
                    token = csrf(client.get("/signin").text)
    return routes, seen, errors


def test_every_route_has_a_row_and_every_role_gets_its_outcome(engine: Engine) -> None:
    routes, seen, errors = _observe(engine)
    assert routes - set(MATRIX) == set(), "routes without a row in the authorisation matrix"
    assert set(MATRIX) - routes == set(), "rows for routes that no longer exist"
    assert errors == []
    wrong = [
        f"{role:18} {method:4} {route}: expected {MATRIX[(method, route)][1][role]}, got {got}"
        for (role, method, route), got in sorted(seen.items())
        if got != MATRIX[(method, route)][1][role]
    ]
    assert wrong == [], "\n".join(wrong)

"""Confirmations of one address racing each other: one registration, every click answered."""

from __future__ import annotations

import re
import threading

import httpx
import pytest
from sqlmodel import select

from conference.app import create_app
from conference.settings import Settings
from conference.storage.engine import session
from conference.storage.tables import Person, Registration
from tests.support.live import free_port, serving

from .conftest import csrf

pytestmark = pytest.mark.integration

FORM = {
    "name": "Chidi Okafor", "email": "chidi@example.org", "timezone": "Africa/Lagos",
    "language_1": "ig", "sessions": ["1"],
}  # fmt: skip
RACERS = 6


def test_confirmations_racing_the_unique_constraint_all_land_on_one_registration(
    database_url: str, engine, conference
) -> None:
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    # Six registrations of one address in a row are what the per-address limit refuses;
    # this test is about the race behind it, so the limit is lifted here.
    settings = Settings(
        database_url=database_url, secret_key="race-" + "x" * 40, site_url=site,
        rate_limit_address="100/minute", rate_limit_ip="100/minute",
    )  # fmt: skip
    app = create_app(settings, engine)
    mailer = app.state.services.mailer
    with serving(app, port):
        links = []
        for _ in range(RACERS):
            with httpx.Client(base_url=site) as http:
                page = http.get("/register")
                http.post("/register", data={**FORM, "csrf_token": csrf(page.text)})
            body = mailer.sent[-1].get_content()
            links.append(re.search(r"(/register/confirm/[\w-]{43})", body).group(1))  # type: ignore[union-attr]
        assert len(set(links)) == RACERS

        barrier = threading.Barrier(RACERS)
        answers: list[httpx.Response] = []

        def click(link: str) -> None:
            with httpx.Client(base_url=site, timeout=60) as http:
                page = http.get(link)
                barrier.wait()
                answers.append(http.post(link, data={"csrf_token": csrf(page.text)}))

        threads = [threading.Thread(target=click, args=(link,)) for link in links]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=90)

    assert sorted(a.status_code for a in answers) == [303] * RACERS
    targets = {a.headers["location"].split("?")[0] for a in answers}
    with session(engine) as db:
        rows = db.exec(select(Registration)).all()
        people = db.exec(select(Person).where(Person.email == FORM["email"])).all()
    assert len(rows) == 1 and len(people) == 1
    assert targets == {f"/registration/{rows[0].token}"}

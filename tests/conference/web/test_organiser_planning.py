"""The planning pages on the demo conference, with the real planners: plan, read, apply."""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from conference import demo
from conference.storage import plans
from conference.storage.engine import session
from conference.storage.tables import (
    Attendance,
    Booth,
    BoothMember,
    BreakoutAssignment,
    Conference,
    InterpreterProfile,
    LightningTalk,
    Person,
    PlanRun,
    Registration,
    SupportRequest,
)
from conference.storage.tables import Session as ProgrammeSession
from conference.web.pictures import SVG_NS

from .conftest import csrf, sign_in

pytestmark = pytest.mark.integration

PAGES = [
    "/organiser/plan",
    "/organiser/plan/roster",
    "/organiser/plan/lightning",
    "/organiser/plan/support",
    "/organiser/plan/breakouts",
    "/organiser/plan/roster/input.json",
]


@pytest.fixture
def conference(engine: Engine) -> Conference:
    """The demo conference instead of the small one (the ``client`` fixture loads this)."""
    return demo.load(engine)


@pytest.fixture
def organiser(client):
    sign_in(client, "organiser@example.org")
    return client


def text_of(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def table(page: str, table_id: str) -> list[list[str]]:
    body = re.search(rf'<table id="{table_id}">.*?<tbody>(.*?)</tbody>', page, re.S)
    assert body, f"no table {table_id}"
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S)
    return [
        [text_of(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in rows
    ]


def svgs(page: str) -> list[ET.Element]:
    return [ET.fromstring(m) for m in re.findall(r"<svg .*?</svg>", page, re.S)]


def plan(client, url: str) -> tuple[str, PlanRun]:
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(url, data={"csrf_token": csrf(page.text)}, follow_redirects=False)
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    match = re.fullmatch(rf"{re.escape(url)}\?run=(\d+)", location)
    assert match, location
    shown = client.get(location)
    assert shown.status_code == 200
    with session(client.app.state.services.engine) as db:
        run = db.get(PlanRun, int(match.group(1)))
        assert run is not None
    return shown.text, run


def apply(client, url: str, page: str, run: PlanRun):
    return client.post(f"{url}/apply", data={"csrf_token": csrf(page), "run": str(run.id)})


def names(engine: Engine) -> dict[str, str]:
    with session(engine) as db:
        return {str(p.id): p.name for p in db.exec(select(Person)).all()}


def registrants(engine: Engine) -> dict[str, tuple[str, str]]:
    """Registration id → (name, private token)."""
    with session(engine) as db:
        rows = db.exec(
            select(Registration, Person).join(Person, col(Person.id) == Registration.person_id)
        ).all()
        return {str(r.id): (p.name, r.token) for r, p in rows}


def test_only_organisers_plan_and_every_form_needs_its_token(client, engine) -> None:
    for path in PAGES:
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/signin")
    with session(engine) as db:
        email = db.exec(
            select(Person.email).join(Registration, col(Registration.person_id) == Person.id)
        ).first()
    sign_in(client, email)
    breakout = _first_breakout(engine)
    for path in [
        *PAGES,
        f"/organiser/plan/breakouts/{breakout}",
        "/organiser/plan/runs/1/input.json",
    ]:
        assert client.get(path).status_code == 403, path
    token = csrf(client.get("/programme").text)
    for path in ("/organiser/plan/roster", "/organiser/plan/support/apply"):
        assert client.post(path, data={"csrf_token": token, "run": "1"}).status_code == 403
    client.post("/signout", data={"csrf_token": token})

    sign_in(client, "organiser@example.org")
    refused = client.post("/organiser/plan/roster", data={})
    assert refused.status_code == 403 and "expired" in refused.text
    refused = client.post("/organiser/plan/roster", data={"csrf_token": "forged"})
    assert refused.status_code == 403
    with session(engine) as db:
        assert db.exec(select(PlanRun)).all() == []
    dashboard = client.get("/organiser").text
    assert 'href="/organiser/plan"' in dashboard


def _first_breakout(engine: Engine) -> int:
    with session(engine) as db:
        first = db.exec(
            select(ProgrammeSession.id)
            .where(ProgrammeSession.kind == "breakout")
            .order_by(col(ProgrammeSession.start), col(ProgrammeSession.id))
        ).first()
    assert first is not None
    return first


def test_roster_plan_pictures_apply_and_refusal_to_apply_twice(organiser, engine) -> None:
    url = "/organiser/plan/roster"
    page = organiser.get(url).text
    with session(engine) as db:
        expected = plans.roster_input(db, db.exec(select(Conference)).one())
    assert "Interpreters: 20" in text_of(page) and "Sessions to staff: 12" in text_of(page)
    download = organiser.get(f"{url}/input.json")
    assert download.headers["content-disposition"].startswith("attachment")
    assert json.loads(download.text) == expected

    page, run = plan(organiser, url)
    result = run.result
    assert run.status == "optimal" and run.input == expected
    assert "optimal" in text_of(re.search(r'id="run-status">(.*?)<', page).group(1))
    who = names(engine)
    figures = text_of(re.search(r'<ul id="figures">(.*?)</ul>', page, re.S).group(1))
    assert f"Listeners served: {result['served_listeners']}" in figures
    assert f"Listeners not served: {result['unserved_listeners']}" in figures
    rows = table(page, "plan")
    assert len(rows) == len(result["booths"])
    first = result["booths"][0]
    assert rows[0][1:3] == [first["language"], ", ".join(who[i] for i in first["interpreters"])]
    unmet = table(page, "unmet")
    assert [row[2] for row in unmet] == [u["reason"] for u in result["unserved"]]
    assert any("no interpreter works into hi" in row[2] for row in unmet)

    timeline, demand = svgs(page)
    booths = [g for g in timeline.iter(f"{{{SVG_NS}}}g") if "booth" in g.get("class", "")]
    assert len(booths) == len(result["booths"])
    turn_names = [t.get("data-name") for t in booths[0] if t.get("class") == "turn"]
    assert turn_names == [who[t["interpreter"]] for t in first["turns"]]
    relays = [b for b in booths if b.get("data-relay")]
    assert len(relays) == sum(
        any(s.startswith("relay:") for s in b["sources"].values()) for b in result["booths"]
    )
    served = [
        r.get("data-listeners")
        for r in demand.iter(f"{{{SVG_NS}}}rect")
        if r.get("class") == "unserved"
    ]
    assert sum(int(n or 0) for n in served) == result["unserved_listeners"]

    applied = apply(organiser, url, page, run)
    assert applied.status_code == 200 and applied.url.path == url
    changes = table(applied.text, "changed")
    assert len(changes) == len(result["booths"])
    assert changes[0][2] == ", ".join(who[i] for i in first["interpreters"])
    with session(engine) as db:
        booths_now = db.exec(select(Booth).order_by(col(Booth.id))).all()
        assert sorted((str(b.session_id), b.language) for b in booths_now) == sorted(
            (b["session"], b["language"]) for b in result["booths"]
        )
        members = db.exec(select(BoothMember)).all()
        assert len(members) == sum(len(b["interpreters"]) for b in result["booths"])
        assert db.get(PlanRun, run.id).applied_at is not None
    again = apply(organiser, url, applied.text, run)
    assert again.status_code == 409 and "applied already" in again.text


def test_lightning_plan_shows_the_reasons_and_apply_slots_the_talks(organiser, engine) -> None:
    url = "/organiser/plan/lightning"
    page, run = plan(organiser, url)
    result = run.result
    assert run.status == "optimal" and len(run.input["talks"]) == 8
    assert len(table(page, "plan")) == len(result["slots"]) > 0
    reasons = [row[2] for row in table(page, "unmet")]
    assert reasons == [u["reason"] for u in result["unscheduled"]]
    assert "no block accepts talks in pt-BR" in reasons

    applied = apply(organiser, url, page, run)
    assert applied.status_code == 200
    assert len(table(applied.text, "changed")) == len(result["slots"])
    with session(engine) as db:
        talks = {str(t.id): t for t in db.exec(select(LightningTalk)).all()}
    for slot in result["slots"]:
        talk = talks[slot["talk"]]
        assert str(talk.block_id) == slot["block"]
        assert (
            talk.slot_start is not None
            and talk.slot_start.strftime("%Y-%m-%dT%H:%M:%SZ") == slot["start"]
        )
    assert sum(t.slot_start is not None for t in talks.values()) == len(result["slots"])


def test_breakouts_choose_a_session_plan_and_apply(organiser, engine) -> None:
    chooser = organiser.get("/organiser/plan/breakouts").text
    breakout = _first_breakout(engine)
    assert f'href="/organiser/plan/breakouts/{breakout}"' in chooser
    assert len(table(chooser, "breakout-sessions")) == 8
    url = f"/organiser/plan/breakouts/{breakout}"
    page, run = plan(organiser, url)
    result = run.result
    assert run.scope == str(breakout) and run.status in ("optimal", "feasible")
    assert f"Participants placed: {result['placed']}" in text_of(page)
    people = registrants(engine)
    rows = table(page, "plan")
    assert sorted(r[1] for r in rows) == sorted(
        people[a["participant"]][0] for a in result["assignments"]
    )
    assert [r[2] for r in table(page, "unmet")] == [u["reason"] for u in result["unplaced"]] or (
        not result["unplaced"] and "Everything is met." in page
    )
    applied = apply(organiser, url, page, run)
    assert applied.status_code == 200
    with session(engine) as db:
        rows_now = db.exec(select(BreakoutAssignment)).all()
    assert sorted((str(a.registration_id), str(a.room_id)) for a in rows_now) == sorted(
        (a["participant"], a["room"]) for a in result["assignments"]
    )
    assert len(table(applied.text, "changed")) == len(result["assignments"])
    assert organiser.get("/organiser/plan/breakouts/999999").status_code == 404


def test_support_plan_apply_and_the_registrant_sees_the_decision(organiser, engine) -> None:
    url = "/organiser/plan/support"
    page = organiser.get(url).text
    (budget,) = svgs(page)
    assert "Budget €35.00 · Granted €0.00 · Remaining €35.00" in " ".join(
        "".join(budget.itertext()).split()
    )
    page, run = plan(organiser, url)
    result = run.result
    assert run.status == "optimal"
    assert len(table(page, "plan")) == len(result["grants"])
    declined = table(page, "unmet")
    assert [row[2] for row in declined] == [d["reason"] for d in result["declined"]]
    assert len(declined) >= 2  # two data requests match no offer, and the budgets are short
    (budget,) = svgs(page)
    drawn = " ".join("".join(budget.itertext()).split())
    spent = round(result["spent"]["data_package"] * 100)
    assert f"This plan €{spent // 100}.{spent % 100:02d}" in drawn

    applied = apply(organiser, url, page, run)
    assert applied.status_code == 200
    changed = table(applied.text, "changed")
    assert len(changed) == len(result["grants"]) + len(result["declined"])
    with session(engine) as db:
        requests = {str(r.id): r for r in db.exec(select(SupportRequest)).all()}
    for grant in result["grants"]:
        request = requests[grant["request"]]
        assert request.status == "granted" and request.amount_cents == round(grant["cost"] * 100)
    people = registrants(engine)
    for decline in result["declined"]:
        request = requests[decline["request"]]
        assert (request.status, request.reason) == ("declined", decline["reason"])
    decline = result["declined"][0]
    name, token = people[decline["registrant"]]
    private = organiser.get(f"/registration/{token}").text
    status = text_of(re.search(r'<ul id="support-status">(.*?)</ul>', private, re.S).group(1))
    assert f"declined — {decline['reason']}" in status
    # Applying spent budget, so the same run's input is no longer what the database gives.
    again = apply(organiser, url, applied.text, run)
    assert again.status_code == 409


def test_invalid_data_shows_the_problems_and_cannot_be_applied(organiser, engine) -> None:
    with session(engine) as db:
        profile = db.exec(select(InterpreterProfile).order_by(col(InterpreterProfile.id))).first()
        profile.timezone = "Mars/Olympus_Mons"
        profile.a_languages = ["fr", ""]
        db.add(profile)
        name = db.get(Person, profile.person_id).name
    page, run = plan(organiser, "/organiser/plan/roster")
    assert run.status == "invalid"
    box = re.search(
        r'<div class="error-summary" role="alert" id="problems">(.*?)</div>', page, re.S
    )
    assert box, "no problem box"
    lines = re.findall(r"<li>(.*?)</li>", box.group(1), re.S)
    assert len(lines) == len(run.result["problems"]) >= 2
    shown = [text_of(line) for line in lines]
    assert any(
        "timezone" in line and "Mars/Olympus_Mons" in line and name in line for line in shown
    )
    assert "Traceback" not in page and 'id="apply-form"' not in page
    refused = apply(organiser, "/organiser/plan/roster", page, run)
    assert refused.status_code == 409 and "problems" in text_of(refused.text)
    with session(engine) as db:
        assert db.exec(select(Booth)).all() == []


def test_a_plan_made_before_the_data_changed_is_not_applied(organiser, engine) -> None:
    url = "/organiser/plan/roster"
    page, run = plan(organiser, url)
    with session(engine) as db:  # a registrant now listens in Tamil only
        registration = db.exec(select(Registration).order_by(col(Registration.id))).first()
        assert db.exec(
            select(Attendance).where(Attendance.registration_id == registration.id)
        ).first()
        registration.languages = ["ta"]
        db.add(registration)
    stale = organiser.get(f"{url}?run={run.id}").text
    assert 'id="stale"' in stale
    refused = apply(organiser, url, stale, run)
    assert refused.status_code == 409
    message = text_of(re.search(r'id="refusal">(.*?)</div>', refused.text, re.S).group(1))
    assert (
        "The data changed since this plan was made (demand)" in message and "Plan again" in message
    )
    with session(engine) as db:
        assert db.exec(select(Booth)).all() == []
        assert db.get(PlanRun, run.id).applied_at is None

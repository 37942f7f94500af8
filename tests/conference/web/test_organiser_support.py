"""Granting and declining support requests by hand; the registrant then sees the decision."""

from __future__ import annotations

import html
import logging
import re

import pytest
from sqlmodel import col, select

from conference.domain.registration import ChildcareNeed, DataNeed, RegistrationData
from conference.storage import registrations
from conference.storage.engine import session
from conference.storage.tables import Conference, SupportRequest

from .conftest import csrf, sign_in

pytestmark = pytest.mark.integration


@pytest.fixture
def tokens(engine) -> dict[str, str]:
    """Two registrants: Ana asks for data (request 1), Bayo for childcare (request 2)."""
    found = {}
    with session(engine) as db:
        conference = db.exec(select(Conference)).one()
        for data in (
            RegistrationData("Ana Souza", "ana@example.org", "UTC", ("pt",), (1,),
                             data=DataNeed("BR", "Vivo", 5.0)),
            RegistrationData("Bayo Ade", "bayo@example.org", "UTC", ("yo",), (1, 2),
                             childcare=ChildcareNeed(2, (1, 2))),
        ):  # fmt: skip
            found[data.name] = registrations.save(db, conference, data).token
    return found


@pytest.fixture
def organiser(client):
    sign_in(client, "organiser@example.org")
    return client


def statuses(engine) -> list[tuple[str, int | None, str]]:
    with session(engine) as db:
        rows = db.exec(select(SupportRequest).order_by(col(SupportRequest.id))).all()
        return [(r.status, r.amount_cents, r.reason) for r in rows]


def listed(page: str) -> list[list[str]]:
    body = re.search(r'<table id="support-requests">.*?<tbody>(.*?)</tbody>', page, re.S)
    assert body
    rows = re.findall(r'<tr id="request-\d+">(.*?)</tr>', body.group(1), re.S)
    return [
        [" ".join(html.unescape(re.sub(r"<[^>]+>", "", cell)).split()) for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        for row in rows
    ]  # fmt: skip


def test_only_organisers_see_and_decide_support(client, engine, tokens) -> None:
    for path in ("/organiser/support", "/organiser/support/1"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/signin?next={path}"
    sign_in(client, "ana@example.org")
    assert client.get("/organiser/support").status_code == 403
    token = csrf(client.get("/programme").text)
    response = client.post(
        "/organiser/support/1", data={"csrf_token": token, "decision": "grant", "reason": "yes"}
    )
    assert response.status_code == 403
    assert statuses(engine) == [("requested", None, ""), ("requested", None, "")]


def test_the_list_shows_each_request_and_filters_by_status_and_kind(organiser, tokens) -> None:
    page = organiser.get("/organiser/support")
    assert listed(page.text) == [
        ["Ana Souza", "Mobile-data package", "Country: BR · Carrier: Vivo · 5 GB", "requested", "", "", "Grant or decline"],
        ["Bayo Ade", "Childcare", "2 children · Opening plenary; Safety and inclusion", "requested", "", "", "Grant or decline"],
    ]  # fmt: skip
    assert [r[0] for r in listed(organiser.get("/organiser/support?kind=childcare").text)] == [
        "Bayo Ade"
    ]
    assert listed(organiser.get("/organiser/support?status=granted").text) == []
    assert len(listed(organiser.get("/organiser/support?status=requested").text)) == 2


def test_a_decline_needs_a_reason_and_the_registrant_sees_it(
    organiser, engine, tokens, caplog
) -> None:
    page = organiser.get("/organiser/support/2")
    assert "Childcare for Bayo Ade" in page.text
    response = organiser.post(
        "/organiser/support/2",
        data={"csrf_token": csrf(page.text), "decision": "decline", "reason": " ", "amount": "7"},
    )
    assert response.status_code == 400
    assert '<p class="field-error" id="reason-error">This field is required.</p>' in response.text
    assert 'value="decline" checked' in response.text
    assert statuses(engine)[1] == ("requested", None, "")

    caplog.set_level(logging.INFO)
    response = organiser.post(
        "/organiser/support/2",
        data={"csrf_token": csrf(page.text), "decision": "decline",
              "reason": "The childcare budget is spent <sorry>."},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303
    assert statuses(engine)[1] == ("declined", None, "The childcare budget is spent <sorry>.")
    assert "The decision is saved." in organiser.get(response.headers["location"]).text
    for record in caplog.records:  # ids only: no names, emails or needs in the log
        for secret in ("Bayo", "bayo@example.org", "Vivo", "sorry"):
            assert secret not in record.getMessage()

    private = organiser.get(f"/registration/{tokens['Bayo Ade']}")
    assert re.search(
        r'<ul id="support-status">\s*<li>Childcare: <strong>declined</strong> — '
        r"The childcare budget is spent &lt;sorry&gt;.</li>",
        private.text,
    )


def test_a_grant_may_carry_an_amount_with_two_decimals(organiser, engine, tokens) -> None:
    page = organiser.get("/organiser/support/1")
    token = csrf(page.text)
    response = organiser.post(
        "/organiser/support/1", data={"csrf_token": token, "decision": "grant", "amount": "3.505"}
    )
    assert response.status_code == 400
    assert (
        '<p class="field-error" id="amount-error">3.505 is not an amount such as 12.50 '
        "(at most two decimals).</p>"
    ) in response.text
    assert 'value="3.505"' in response.text
    response = organiser.post(
        "/organiser/support/1", data={"csrf_token": token, "decision": "maybe"}
    )
    assert response.status_code == 400
    assert 'id="decision-error">Choose one of: grant, decline.</p>' in response.text
    assert statuses(engine)[0] == ("requested", None, "")

    response = organiser.post(
        "/organiser/support/1",
        data={"csrf_token": token, "decision": "grant", "amount": "3.5", "reason": "Vivo 10 GB"},
    )
    assert response.status_code == 200
    assert statuses(engine)[0] == ("granted", 350, "Vivo 10 GB")
    assert listed(response.text)[0][3:6] == ["granted", "€3.50", "Vivo 10 GB"]
    assert [r[0] for r in listed(organiser.get("/organiser/support?status=granted").text)] == [
        "Ana Souza"
    ]
    private = organiser.get(f"/registration/{tokens['Ana Souza']}")
    assert "<li>Mobile-data package: <strong>granted</strong> — Vivo 10 GB</li>" in private.text


def test_a_decision_without_csrf_is_refused(organiser, engine, tokens) -> None:
    response = organiser.post("/organiser/support/1", data={"decision": "decline", "reason": "no"})
    assert response.status_code == 403
    assert statuses(engine) == [("requested", None, ""), ("requested", None, "")]
    assert organiser.get("/organiser/support/99").status_code == 404

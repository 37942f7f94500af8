"""The registrant list, its CSV export with filters, and the all-or-nothing CSV import."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from sqlmodel import col, select

from conference.domain.registration import ChildcareNeed, DataNeed, RegistrationData
from conference.storage import registrations
from conference.storage.engine import session
from conference.storage.tables import Conference, Person, Registration

from .conftest import csrf, sign_in

pytestmark = pytest.mark.integration

PAGES = ["/organiser/registrants", "/organiser/registrants.csv", "/organiser/registrants/import"]
HEADER = "name,email,timezone,languages,sessions,data_country,data_carrier,data_gb,childcare_children,childcare_sessions\r\n"  # noqa: E501


def register(
    engine, name: str, email: str, languages: tuple[str, ...], sessions=(), **need
) -> None:
    with session(engine) as db:
        conference = db.exec(select(Conference)).one()
        registrations.save(
            db,
            conference,
            RegistrationData(name, email, "UTC", languages, tuple(sessions), **need),
        )


@pytest.fixture
def registrants(engine) -> None:
    register(engine, "Ana Souza", "ana@example.org", ("pt-BR", "es"), (1,),
             data=DataNeed("BR", "Vivo", 5.0))  # fmt: skip
    register(engine, "Babajide Ade", "bj@example.org", ("yo", "en"), (1, 2),
             childcare=ChildcareNeed(2, (2,)))  # fmt: skip
    register(engine, "Chen Wei", "chen@example.org", ("zh", "en"), (2,))


@pytest.fixture
def organiser(client):
    sign_in(client, "organiser@example.org")
    return client


def names_in_table(page: str) -> list[str]:
    body = re.search(r'<table id="registrants">.*?<tbody>(.*?)</tbody>', page, re.S)
    assert body
    return [html.unescape(n) for n in re.findall(r"<tr>\s*<td>([^<]*)</td>", body.group(1))]


def names_in_csv(text: str) -> list[str]:
    return [row["name"] for row in csv.DictReader(io.StringIO(text))]


def emails(engine) -> list[str]:
    with session(engine) as db:
        return list(
            db.exec(
                select(Person.email)
                .join(Registration, col(Registration.person_id) == col(Person.id))
                .order_by(col(Person.email))
            ).all()
        )


def test_only_organisers_see_registrants(client, engine) -> None:
    for path in PAGES:
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/signin?next={path}"
    register(engine, "Pat", "pat@example.org", ("en",))
    sign_in(client, "pat@example.org")
    for path in PAGES:
        assert client.get(path).status_code == 403, path
    token = csrf(client.get("/programme").text)
    response = client.post(
        "/organiser/registrants/import",
        data={"csrf_token": token, "action": "import", "csv_text": HEADER + "Eve,eve@example.org,UTC,en,,,,,,\r\n"},
    )  # fmt: skip
    assert response.status_code == 403
    assert emails(engine) == ["pat@example.org"]


def test_the_list_and_the_csv_export_share_their_filters(organiser, registrants) -> None:
    page = organiser.get("/organiser/registrants")
    assert names_in_table(page.text) == ["Ana Souza", "Babajide Ade", "Chen Wei"]

    cases = {
        "language=en": ["Babajide Ade", "Chen Wei"],
        "language=PT-br": ["Ana Souza"],
        "session=1": ["Ana Souza", "Babajide Ade"],
        "session=2&language=zh": ["Chen Wei"],
        "support=childcare": ["Babajide Ade"],
        "support=data_package": ["Ana Souza"],
        "support=any&session=2": ["Babajide Ade"],
    }
    for query, expected in cases.items():
        page = organiser.get(f"/organiser/registrants?{query}")
        assert page.status_code == 200, query
        assert names_in_table(page.text) == expected, query
        link = re.search(r'<a href="([^"]+)" id="export">', page.text)
        assert link, query
        export = organiser.get(html.unescape(link.group(1)))
        assert export.status_code == 200
        assert export.headers["content-type"] == "text/csv; charset=utf-8"
        assert "attachment" in export.headers["content-disposition"]
        assert names_in_csv(export.text) == expected, query

    export = organiser.get("/organiser/registrants.csv?support=data_package")
    (row,) = csv.DictReader(io.StringIO(export.text))
    assert row == {
        "name": "Ana Souza", "email": "ana@example.org", "timezone": "UTC",
        "languages": "pt-BR es", "sessions": "Opening plenary", "data_country": "BR",
        "data_carrier": "Vivo", "data_gb": "5", "childcare_children": "", "childcare_sessions": "",
    }  # fmt: skip


def test_an_unusable_filter_is_named_and_dropped(organiser, registrants) -> None:
    page = organiser.get("/organiser/registrants?session=77&language=zz")
    assert page.status_code == 400
    assert (
        '<p class="field-error" id="session-error">This is not a session of this conference.</p>'
        in page.text
    )
    assert 'id="language-error"' in page.text
    assert names_in_table(page.text) == ["Ana Souza", "Babajide Ade", "Chen Wei"]


def upload(client, text: str):
    page = client.get("/organiser/registrants/import")
    return client.post(
        "/organiser/registrants/import",
        data={"csrf_token": csrf(page.text), "action": "preview"},
        files={"file": ("people.csv", text.encode("utf-8"), "text/csv")},
    )


GOOD = (
    HEADER
    + "Dede Mensah,dede@example.org,Africa/Accra,ak en,Opening plenary,,,,,\r\n"
    + 'Élodie Martin,elodie@example.org,Europe/Paris,fr,"1; Safety and inclusion",,,,1,2\r\n'
)


def test_an_import_is_previewed_then_confirmed(organiser, registrants, engine) -> None:
    preview = upload(organiser, GOOD)
    assert preview.status_code == 200
    assert "2 rows can be read." in preview.text
    rows = re.findall(r"<tr>\s*<td>(\d+)</td>\s*<td>([^<]*)</td>", preview.text)
    assert [(n, html.unescape(name)) for n, name in rows] == [
        ("2", "Dede Mensah"),
        ("3", "Élodie Martin"),
    ]
    assert "Import 2 registrants" in preview.text
    assert "dede@example.org" not in emails(engine)  # the preview writes nothing

    text = html.unescape(re.search(r'name="csv_text" value="([^"]*)"', preview.text).group(1))
    response = organiser.post(
        "/organiser/registrants/import",
        data={"csrf_token": csrf(preview.text), "action": "import", "csv_text": text},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/organiser/registrants?imported=2"
    page = organiser.get(response.headers["location"])
    assert "2 registrants were imported." in page.text
    assert names_in_table(page.text) == [
        "Ana Souza", "Babajide Ade", "Chen Wei", "Dede Mensah", "Élodie Martin",
    ]  # fmt: skip
    assert names_in_table(organiser.get("/organiser/registrants?support=childcare").text) == [
        "Babajide Ade", "Élodie Martin",
    ]  # fmt: skip


def test_a_file_with_any_bad_row_imports_nothing(organiser, registrants, engine) -> None:
    before = emails(engine)
    bad = (
        GOOD
        + "Fatima,not-an-email,UTC,ar,,,,,,\r\n"
        + "Gita,gita@example.org,UTC,hi,Karaoke,,,,,\r\n"
    )
    preview = upload(organiser, bad)
    assert preview.status_code == 400
    problems = re.search(
        r'<div class="error-summary" role="alert" id="import-errors">(.*?)</div>',
        preview.text,
        re.S,
    )
    assert problems
    assert [html.unescape(p) for p in re.findall(r"<li>([^<]*)</li>", problems.group(1))] == [
        "Row 4, email: This is not an email address, such as name@example.org.",
        "Row 5, sessions: Karaoke is not a session of this conference.",
    ]
    assert 'id="confirm-form"' not in preview.text
    assert emails(engine) == before

    # An email already registered is found at the preview, before anything is written.
    taken = GOOD + "Ana again,ana@example.org,UTC,pt,,,,,,\r\n"
    preview = upload(organiser, taken)
    assert preview.status_code == 400
    assert "Row 4, email: This email is already registered for this conference." in preview.text
    assert 'id="confirm-form"' not in preview.text
    assert emails(engine) == before

    # The confirming POST is never trusted: its text is read and checked again.
    response = organiser.post(
        "/organiser/registrants/import",
        data={"csrf_token": csrf(preview.text), "action": "import", "csv_text": taken},
    )
    assert response.status_code == 400
    assert "Row 4, email: This email is already registered for this conference." in response.text
    assert emails(engine) == before


def test_an_upload_without_a_file_or_csrf_is_refused(organiser, engine) -> None:
    page = organiser.get("/organiser/registrants/import")
    response = organiser.post(
        "/organiser/registrants/import", data={"csrf_token": csrf(page.text), "action": "preview"}
    )
    assert response.status_code == 400
    assert (
        '<p class="field-error" id="file-error">Choose a CSV file to upload.</p>' in response.text
    )
    response = organiser.post(
        "/organiser/registrants/import", data={"action": "import", "csv_text": GOOD}
    )
    assert response.status_code == 403
    assert emails(engine) == []


def test_a_long_list_comes_a_page_at_a_time_with_the_full_count(client, engine) -> None:
    from conference.domain.registration import RegistrationData
    from conference.storage import registrations
    from conference.storage.engine import session
    from conference.storage.tables import Conference

    with session(engine) as db:
        conference = db.exec(select(Conference)).one()
        for n in range(230):
            data = RegistrationData(
                name=f"Person {n:03d}", email=f"p{n}@example.org", timezone="UTC",
                languages=("fr" if n % 2 else "en",), sessions=(1,),
            )  # fmt: skip
            registrations.save(db, conference, data)
    sign_in(client, "organiser@example.org")

    first = client.get("/organiser/registrants").text
    assert "230 registrants" in first and "Page 1 of 3" in first
    assert first.count("@example.org</td>") == 100
    assert "Person 000" in first and "Person 100" not in first
    last = client.get("/organiser/registrants?language=fr&page=9").text
    assert "115 registrants" in last and "Page 2 of 2" in last  # pages past the end show the last
    assert last.count("@example.org</td>") == 15
    assert 'href="/organiser/registrants?language=fr&amp;page=1"' in last

"""Hostile numbers in paths and query strings: a 404 or a 400 naming the field, never a 500."""

from __future__ import annotations

import re

import pytest
from starlette.routing import Route

from .conftest import csrf, sign_in

pytestmark = pytest.mark.integration

HOSTILE_IDS = [
    "99999999999999999999",  # past 64 bits
    "9" * 5000,
    str(2**31),  # past PostgreSQL's integer
    str(2**63),
    "0",
    "²",
    "%C2%B2",
    "%D9%A3",  # ARABIC-INDIC DIGIT THREE
    "-1",
]


def _id_paths(client) -> list[str]:
    """Every route with a path parameter of the ``id`` converter, as a path template."""
    paths = []
    for route in client.app.routes:
        if isinstance(route, Route) and ":id}" in route.path:
            paths.append(route.path)
    return paths


def test_every_route_with_an_id_uses_the_strict_converter(client) -> None:
    loose = [
        r.path
        for r in client.app.routes
        if isinstance(r, Route) and re.search(r"\{\w+:int\}", r.path)
    ]
    assert loose == []
    assert len(_id_paths(client)) >= 15


@pytest.mark.parametrize("raw", HOSTILE_IDS)
def test_hostile_ids_are_not_found(client, raw: str) -> None:
    sign_in(client, "organiser@example.org")
    for template in _id_paths(client):
        path = re.sub(r"\{\w+:id\}", raw, template).replace("{part}", "input")
        for method in ("GET", "POST"):
            response = client.request(method, path, data={"csrf_token": "x"})
            assert response.status_code in (404, 405), (method, path[:80], response.status_code)


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/organiser/registrants?page=²", "page"),
        ("/organiser/registrants?page=99999999999999999999999", "page"),
        ("/organiser/talks?decided=²", "decided"),
        ("/organiser/talks?decided=" + "9" * 5000, "decided"),
        ("/organiser/plan/support?run=²", "run"),
        ("/organiser/plan/roster?run=%D9%A3", "run"),
    ],
)
def test_unicode_and_huge_query_numbers_are_a_400_naming_the_field(
    client, path: str, field: str
) -> None:
    sign_in(client, "organiser@example.org")
    response = client.get(path)
    assert response.status_code == 400
    assert f"“{field}” must be a whole number written with the digits 0 to 9." in response.text


def test_the_message_is_translated(client) -> None:
    sign_in(client, "organiser@example.org")
    client.cookies.set("lang", "fr")
    response = client.get("/organiser/talks?decided=²")
    assert response.status_code == 400
    assert "« decided »" in response.text
    assert "must be a whole number" not in response.text


def test_plain_numbers_still_work(client) -> None:
    sign_in(client, "organiser@example.org")
    assert client.get("/organiser/registrants?page=1").status_code == 200
    assert client.get("/organiser/talks?decided=3").status_code == 200


REGISTRATION = {
    "name": "Chidi Okafor", "email": "chidi@example.org", "timezone": "Africa/Lagos",
    "language_1": "ig", "sessions": ["1"],
    "need_data": "1", "data_country": "NG", "data_carrier": "MTN", "data_gb": "10",
}  # fmt: skip


def _field_errors(html: str) -> dict[str, str]:
    return dict(re.findall(r'<p class="field-error" id="([a-z_]+)-error">([^<]*)</p>', html))


@pytest.mark.parametrize("field", ["name", "email", "data_carrier"])
def test_a_nul_byte_in_a_text_field_is_a_field_error(client, field: str) -> None:
    """PostgreSQL refuses NUL in text: the form says so about the field, on both databases."""
    page = client.get("/register")
    form = {**REGISTRATION, field: "Chi\x00di", "csrf_token": csrf(page.text)}
    response = client.post("/register", data=form)
    assert response.status_code == 400
    errors = _field_errors(response.text)
    assert list(errors) == [field]
    assert "control character" in errors[field]


def test_a_nul_byte_in_an_ignored_field_is_not_stored(client) -> None:
    page = client.get("/register")
    form = {**REGISTRATION, "childcare_children": "\x00", "csrf_token": csrf(page.text)}
    response = client.post("/register", data=form)
    assert response.status_code == 200 and "Check your email" in response.text


def test_a_nul_byte_in_the_sign_in_address_is_a_field_error(client) -> None:
    page = client.get("/signin")
    response = client.post(
        "/signin", data={"email": "organiser\x00@example.org", "csrf_token": csrf(page.text)}
    )
    assert response.status_code == 400
    assert "control character" in response.text

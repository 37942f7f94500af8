"""Signing in with a one-time link, the session cookie, and signing out."""

from __future__ import annotations

import re

import pytest

from .conftest import csrf

pytestmark = pytest.mark.integration


def _request_link(client, email: str) -> str:
    page = client.get("/signin")
    response = client.post("/signin", data={"email": email, "csrf_token": csrf(page.text)})
    assert response.status_code == 200
    assert "If this address is registered" in response.text
    mailer = client.app.state.services.mailer
    match = re.search(
        r"http://127\.0\.0\.1:8000(/signin/[A-Za-z0-9_-]+)\?next=%2F", mailer.sent[-1].get_content()
    )
    assert match, mailer.sent[-1].get_content()
    return match.group(1)


def test_sign_in_with_an_emailed_link_once(client) -> None:
    path = _request_link(client, "organiser@example.org")
    confirm = client.get(path)
    assert "Sign in as Olu Organiser?" in confirm.text
    response = client.post(
        path, data={"csrf_token": csrf(confirm.text), "next": "/programme"}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/programme"
    cookie = response.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert "Sign out" in client.get("/programme").text

    # The link is spent.
    client.cookies.clear()
    again = client.get(path)
    assert again.status_code == 410
    assert "This link no longer works" in again.text


def test_unknown_addresses_get_the_same_answer_and_no_link(client) -> None:
    page = client.get("/signin")
    before = len(client.app.state.services.mailer.sent)
    response = client.post(
        "/signin", data={"email": "nobody@example.org", "csrf_token": csrf(page.text)}
    )
    assert "If this address is registered" in response.text
    # A mail all the same (so the mail server's verdict reveals no one), without a link.
    assert len(client.app.state.services.mailer.sent) == before + 1
    assert "/signin/" not in client.app.state.services.mailer.sent[-1].get_content()


def test_next_cannot_send_people_to_another_site(client) -> None:
    path = _request_link(client, "organiser@example.org")
    confirm = client.get(path)
    response = client.post(
        path,
        data={"csrf_token": csrf(confirm.text), "next": "https://evil.example/"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_a_signed_in_session_cannot_be_forged(client) -> None:
    client.cookies.set("session", "eyJwZXJzb25faWQiOiAxfQ==.forged.sig")
    assert "Sign out" not in client.get("/programme").text


def test_sign_out(client) -> None:
    path = _request_link(client, "organiser@example.org")
    confirm = client.get(path)
    client.post(path, data={"csrf_token": csrf(confirm.text)})
    page = client.get("/programme")
    client.post("/signout", data={"csrf_token": csrf(page.text)})
    assert "Sign out" not in client.get("/programme").text

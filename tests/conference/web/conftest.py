"""A real app on a real database, driven through Starlette's test client."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from conference.app import create_app
from conference.settings import Settings
from conference.storage.tables import Conference
from tests.support.seed import small_conference


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, secret_key="test-secret-" + "x" * 32)


@pytest.fixture
def conference(engine: Engine) -> Conference:
    return small_conference(engine)


@pytest.fixture
def client(settings: Settings, engine: Engine, conference: Conference) -> Iterator[TestClient]:
    app = create_app(settings, engine)
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        yield c


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def sign_in(client: TestClient, email: str) -> None:
    """Sign in by the real flow: ask for a link, open it, and confirm it with its CSRF token."""
    page = client.get("/signin")
    client.post("/signin", data={"email": email, "next": "/", "csrf_token": csrf(page.text)})
    body = client.app.state.services.mailer.sent[-1].get_content()  # type: ignore[attr-defined]
    match = re.search(r"https?://\S+/signin/[\w-]+\?next=\S*", body)
    assert match, "the mail holds no sign-in link"
    link = match.group(0).split("://", 1)[1].split("/", 1)[1]
    confirm = client.get(f"/{link}")
    assert confirm.status_code == 200
    done = client.post(f"/{link}", data={"csrf_token": csrf(confirm.text), "next": "/"})
    assert done.status_code == 200, done.text


def register(client: TestClient, form: dict[str, Any]) -> str:
    """Submit the form as a stranger would; return the confirmation link from the mail."""
    page = client.get("/register")
    response = client.post("/register", data={**form, "csrf_token": csrf(page.text)})
    assert response.status_code == 200
    assert "Check your email" in response.text
    message = client.app.state.services.mailer.sent[-1]  # type: ignore[attr-defined]
    assert message["To"] == form["email"]
    match = re.search(r"https?://[^/\s]+(/register/confirm/[\w-]{43})", message.get_content())
    assert match, "the mail holds no confirmation link"
    return match.group(1)


def confirm(client: TestClient, link: str) -> Any:
    page = client.get(link)
    assert page.status_code == 200
    return client.post(link, data={"csrf_token": csrf(page.text)}, follow_redirects=False)

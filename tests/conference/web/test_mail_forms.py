"""The forms that send mail: rate limits, the same answer for every address, a refusing server."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from conference.app import create_app
from conference.settings import Settings
from conference.storage.tables import Conference
from tests.support.smtp import Mailbox, smtp_server

from .conftest import csrf

pytestmark = pytest.mark.integration

FORM = {
    "name": "Chidi Okafor", "email": "chidi@example.org", "timezone": "Africa/Lagos",
    "language_1": "ig", "sessions": ["1"],
}  # fmt: skip


def _signin(client: TestClient, email: str, ip: str = "testclient"):
    page = client.get("/signin")
    return client.post("/signin", data={"email": email, "csrf_token": csrf(page.text)})


def test_twelve_sign_in_requests_in_a_second_send_three_mails(client: TestClient) -> None:
    mailer = client.app.state.services.mailer  # type: ignore[attr-defined]
    before = len(mailer.sent)
    answers = [_signin(client, "organiser@example.org") for _ in range(12)]
    assert [a.status_code for a in answers] == [200] * 3 + [429] * 9
    assert len(mailer.sent) - before == 3
    assert "Too many requests for this address or from your network" in answers[-1].text
    # Another address from the same client still works (its own budget).
    assert _signin(client, "someone@example.org").status_code == 200


def test_registration_is_limited_per_address_too(client: TestClient) -> None:
    codes = []
    for _ in range(5):
        page = client.get("/register")
        codes.append(client.post("/register", data={**FORM, "csrf_token": csrf(page.text)}))
    assert [c.status_code for c in codes] == [200] * 3 + [429] * 2
    assert 'value="Chidi Okafor"' in codes[-1].text  # the form comes back as typed


def test_one_client_ip_is_limited_across_addresses(
    settings: Settings, engine: Engine, conference: Conference
) -> None:
    tight = Settings(**{**settings.__dict__, "rate_limit_ip": "4/minute"})
    with TestClient(create_app(tight, engine), base_url="http://127.0.0.1:8000") as client:
        codes = [_signin(client, f"person{i}@example.org").status_code for i in range(6)]
    assert codes == [200] * 4 + [429] * 2


def test_known_and_unknown_addresses_get_the_same_answer_and_a_mail_each(
    client: TestClient,
) -> None:
    mailer = client.app.state.services.mailer  # type: ignore[attr-defined]
    known = _signin(client, "organiser@example.org")
    known_mail = mailer.sent[-1]
    unknown = _signin(client, "nobody@example.org")
    unknown_mail = mailer.sent[-1]
    assert known.status_code == unknown.status_code == 200
    assert known.text == unknown.text
    assert known_mail["To"] == "organiser@example.org" and "/signin/" in known_mail.get_content()
    assert unknown_mail["To"] == "nobody@example.org"
    assert "no account uses it" in unknown_mail.get_content()
    assert "/signin/" not in unknown_mail.get_content()


@pytest.fixture
def refusing(
    settings: Settings, engine: Engine, conference: Conference
) -> Iterator[tuple[TestClient, Mailbox]]:
    with smtp_server(refuse="refused") as (port, box):
        config = Settings(
            **{**settings.__dict__, "smtp_host": "127.0.0.1", "smtp_port": port,
               "smtp_starttls": False}
        )  # fmt: skip
        with TestClient(create_app(config, engine), base_url="http://127.0.0.1:8000") as client:
            yield client, box


def test_a_refused_address_says_we_could_not_send_the_mail(
    refusing: tuple[TestClient, Mailbox], caplog: pytest.LogCaptureFixture
) -> None:
    client, box = refusing
    caplog.set_level(logging.DEBUG)
    answer = _signin(client, "refused.person@example.org")
    assert answer.status_code == 503
    assert "We could not send the mail. Check the address, or try again" in answer.text
    assert 'value="refused.person@example.org"' in answer.text
    page = client.get("/register")
    form = {**FORM, "email": "refused.chidi@example.org", "csrf_token": csrf(page.text)}
    registered = client.post("/register", data=form)
    assert registered.status_code == 503
    assert "We could not send the mail" in registered.text
    assert 'value="Chidi Okafor"' in registered.text
    assert len(box.refused) == 2 and box.received == []

    # A good address goes through the same server.
    assert _signin(client, "organiser@example.org").status_code == 200
    (mail,) = box.received
    assert re.search(r"/signin/[\w-]{43}", mail.get_content())

    text = caplog.text.lower()
    assert "refused" in text or "mail not sent" in text
    assert "refused.person" not in text and "refused.chidi" not in text
    assert "example.org" not in text


def test_the_refusal_is_translated(refusing: tuple[TestClient, Mailbox]) -> None:
    client, _ = refusing
    client.cookies.set("lang", "ar")
    answer = _signin(client, "refused.person@example.org")
    assert answer.status_code == 503
    assert "We could not send the mail" not in answer.text


def test_two_processes_count_together_in_redis(settings: Settings) -> None:
    """With a Redis URL, every process's limiter sees the same counts (real Redis)."""
    import secrets

    from conference.web.ratelimit import MailLimits

    shared = Settings(**{**settings.__dict__, "rate_limit_storage": "redis://127.0.0.1:6379/0"})
    first, second = MailLimits.from_settings(shared), MailLimits.from_settings(shared)
    form = f"test-{secrets.token_hex(6)}"  # a fresh key space for this run
    answers = [
        (first if i % 2 else second).allow(form, "shared@example.org", "192.0.2.1")
        for i in range(6)
    ]
    assert answers == [True, True, True, False, False, False]

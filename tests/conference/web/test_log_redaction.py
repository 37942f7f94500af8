"""Bearer tokens and database error texts stay out of the log."""

from __future__ import annotations

import logging
import sys

import pytest
from sqlalchemy.exc import IntegrityError

from conference.web.log_redaction import PrivateLog, redact

pytestmark = pytest.mark.unit

TOKEN = "Zx9-abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLM"


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        (f"/signin/{TOKEN}?next=%2F", "/signin/[redacted]?next=%2F"),
        (f"/registration/{TOKEN}?saved=1", "/registration/[redacted]?saved=1"),
        (f"/register/confirm/{TOKEN}", "/register/confirm/[redacted]"),
        (f"/calendar/{TOKEN}.ics", "/calendar/[redacted]"),
        (f"/ws?token={TOKEN}", "/ws?token=[redacted]"),
        (
            f"/rooms/session/1/connect?x=1&token={TOKEN}",
            "/rooms/session/1/connect?x=1&token=[redacted]",
        ),
        ("/signin", "/signin"),
        ("/register", "/register"),
        ("/programme?tz=UTC", "/programme?tz=UTC"),
    ],
)
def test_tokens_in_paths_are_hidden(line: str, shown: str) -> None:
    assert redact(line) == shown
    assert redact(f'127.0.0.1:5000 - "GET {line} HTTP/1.1" 200') == (
        f'127.0.0.1:5000 - "GET {shown} HTTP/1.1" 200'
    )


def test_an_access_log_record_is_rewritten() -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", f"/signin/{TOKEN}", "1.1", 200), None,
    )  # fmt: skip
    PrivateLog().filter(record)
    assert TOKEN not in record.getMessage()


def test_a_database_error_keeps_its_frames_and_hides_its_text() -> None:
    try:
        raise IntegrityError(
            "INSERT", {"email": "canary@example.org"}, Exception("Key (email)=(canary@example.org)")
        )
    except IntegrityError:
        record = logging.LogRecord(
            "conference.web", logging.ERROR, __file__, 1, "boom", (), sys.exc_info()
        )
    PrivateLog().filter(record)
    text = logging.Formatter().format(record)
    assert "canary" not in text
    assert "IntegrityError" in text and "test_log_redaction.py" in text


def test_websocket_frames_and_headers_are_not_logged_even_at_debug() -> None:
    frame = logging.LogRecord(
        "uvicorn.error", logging.DEBUG, __file__, 1, "< %s", ("TEXT '{\"chat\": ...}'",), None
    )
    header = logging.LogRecord(
        "uvicorn.error", logging.DEBUG, __file__, 1, "< %s: %s", ("cookie", "session=x"), None
    )
    assert not PrivateLog().filter(frame)
    assert not PrivateLog().filter(header)


def test_the_development_mail_log_keeps_its_link() -> None:
    record = logging.LogRecord(
        "conference.mail", logging.WARNING, __file__, 1, "No mail server is configured. %s",
        (f"Sign-in link for person #1: http://127.0.0.1:8000/signin/{TOKEN}",), None,
    )  # fmt: skip
    PrivateLog().filter(record)
    assert TOKEN in record.getMessage()

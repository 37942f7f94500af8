"""What the server log must not show: bearer tokens in paths, and personal data in errors.

Sign-in links, private registration links, registration confirmation links, calendar feeds
and ``?token=`` (websocket connect tokens) each carry a token that grants access to whoever
holds it; a log line is read by more people than the token's owner. The access log shows
such paths with the token hidden.

A database error's text quotes the row (PostgreSQL: "Key (email)=(...) already exists"),
and an SMTP error's text names the refused recipients. For those, a traceback in the log
keeps its frames and the exception's class, never its text.
"""

from __future__ import annotations

import logging
import re
import smtplib
import traceback

from sqlalchemy.exc import DBAPIError

HIDDEN = "[redacted]"
_IN_PATH = re.compile(r"(/(?:signin|registration|register/confirm|calendar)/)[^/?#\s\"']+")
_IN_QUERY = re.compile(r"([?&;](?:token|resume_token)=)[^&#\s\"']+")
# uvicorn's loggers: "uvicorn.access" for HTTP requests, "uvicorn.error" for websocket lines
# and for the traceback of an exception that reached the server.
LOGGERS = ("", "uvicorn", "uvicorn.access", "uvicorn.error")
_TALKATIVE = (DBAPIError, smtplib.SMTPException)
# How the websockets library logs each frame and handshake header it sends or receives.
_FRAME_LINES = frozenset({"< %s", "> %s", "< %s: %s", "> %s: %s"})


def redact(text: str) -> str:
    return _IN_QUERY.sub(rf"\g<1>{HIDDEN}", _IN_PATH.sub(rf"\g<1>{HIDDEN}", text))


def _talkative(exc: BaseException | None) -> bool:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, _TALKATIVE):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


class PrivateLog(logging.Filter):
    """Hides tokens in a record's text and the text of database and SMTP errors."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "conference.mail":
            # Without a mail server, the development log is the mail: its links must work.
            return True
        if record.levelno <= logging.DEBUG and record.msg in _FRAME_LINES:
            return False  # websockets' frame log at DEBUG: chat lines, names, tokens
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if record.exc_info and record.exc_info[1] is not None and _talkative(record.exc_info[1]):
            exc = record.exc_info[1]
            frames = "".join(traceback.format_tb(exc.__traceback__))
            record.exc_text = (
                f"Traceback (most recent call last):\n{frames}"
                f"{type(exc).__module__}.{type(exc).__qualname__}: (text hidden: it may quote "
                "personal data)"
            )
        return True


def install() -> None:
    """Attach the filter to uvicorn's and the root logger and to their handlers (idempotent)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        for target in [logger, *logger.handlers]:
            if not any(isinstance(f, PrivateLog) for f in target.filters):
                target.addFilter(PrivateLog())

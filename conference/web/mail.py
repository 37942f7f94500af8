"""Outgoing mail: an outbox of worker threads; SMTP when configured, else the server log.

A request hands its message to the outbox and waits a few seconds for the mail server's
answer, so that a refused address shows "we could not send the mail" on the page. A slow
server does not hold the page longer: the outbox finishes the delivery on its own.
Nothing here logs a recipient, and an SMTP error is logged by its class and code only,
because the exception's text names the refused addresses.
"""

from __future__ import annotations

import logging
import smtplib
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from email.message import EmailMessage

from ..settings import Settings

log = logging.getLogger("conference.mail")

# How long a page waits for the mail server's answer before saying the mail is on its way.
WAIT_SECONDS = 10.0
SMTP_TIMEOUT = 20.0


@dataclass
class Mailer:
    settings: Settings
    # The last few messages, for the tests and the development log; never persisted.
    sent: deque[EmailMessage] = field(default_factory=lambda: deque(maxlen=50), repr=False)
    wait_seconds: float = WAIT_SECONDS
    _outbox: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=4, thread_name_prefix="mail"),
        repr=False,
    )

    def send(self, to: str, subject: str, body: str, *, log_line: str) -> bool:
        """Queue a message; False when the mail server refused it or could not be reached.

        ``log_line`` is what the development log shows instead of sending: it must hold no
        address.
        """
        message = EmailMessage()
        message["From"] = self.settings.smtp_from
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        delivery = self._outbox.submit(self._deliver, message, log_line)
        try:
            return delivery.result(timeout=self.wait_seconds)
        except FutureTimeout:
            return True  # still on its way

    def close(self) -> None:
        self._outbox.shutdown(wait=False, cancel_futures=False)

    def _deliver(self, message: EmailMessage, log_line: str) -> bool:
        if not self.settings.smtp_host:
            log.warning("No mail server is configured. %s", log_line)
            self.sent.append(message)
            return True
        try:
            with smtplib.SMTP(
                self.settings.smtp_host, self.settings.smtp_port, timeout=SMTP_TIMEOUT
            ) as smtp:
                if self.settings.smtp_starttls:
                    smtp.starttls()
                if self.settings.smtp_user:
                    smtp.login(self.settings.smtp_user, self.settings.smtp_password)
                smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            # Never the exception's text or a traceback: both carry the recipient.
            code = getattr(exc, "smtp_code", None)
            log.warning(
                "A mail could not be sent: %s%s",
                type(exc).__name__,
                f" {code}" if isinstance(code, int) else "",
            )
            return False
        self.sent.append(message)
        log.info("Mail sent.")
        return True

"""Outgoing mail: SMTP when a server is configured, else the server log (for development)."""

from __future__ import annotations

import logging
import smtplib
from collections import deque
from dataclasses import dataclass, field
from email.message import EmailMessage

from ..settings import Settings

log = logging.getLogger("conference.mail")


@dataclass
class Mailer:
    settings: Settings
    # The last few messages, for the tests and the development log; never persisted.
    sent: deque[EmailMessage] = field(default_factory=lambda: deque(maxlen=50), repr=False)

    def send(self, to: str, subject: str, body: str, *, log_line: str) -> None:
        """Send a message. ``log_line`` is what the log shows instead: it must hold no address."""
        message = EmailMessage()
        message["From"] = self.settings.smtp_from
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        if not self.settings.smtp_host:
            log.warning("No mail server is configured. %s", log_line)
            self.sent.append(message)
            return
        with smtplib.SMTP(self.settings.smtp_host, self.settings.smtp_port, timeout=20) as smtp:
            if self.settings.smtp_starttls:
                smtp.starttls()
            if self.settings.smtp_user:
                smtp.login(self.settings.smtp_user, self.settings.smtp_password)
            smtp.send_message(message)
        self.sent.append(message)
        log.info("Mail sent: %s", subject)

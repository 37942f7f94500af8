"""A tiny SMTP server on loopback: it keeps what it receives and refuses chosen recipients."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage


@dataclass
class Mailbox:
    refuse: str  # recipients containing this text get "550"
    received: list[EmailMessage] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def _handler(box: Mailbox) -> type[socketserver.StreamRequestHandler]:
    class Handler(socketserver.StreamRequestHandler):
        def reply(self, line: str) -> None:
            self.wfile.write(line.encode() + b"\r\n")

        def handle(self) -> None:
            self.reply("220 test SMTP")
            while line := self.rfile.readline(4096):
                command = line.decode(errors="replace").strip()
                verb = command[:4].upper()
                if verb in ("EHLO", "HELO"):
                    self.reply("250 test")
                elif verb == "RCPT":
                    if box.refuse in command:
                        box.refused.append(command)
                        self.reply("550 5.1.1 mailbox unavailable")
                    else:
                        self.reply("250 ok")
                elif verb == "DATA":
                    self.reply("354 go on")
                    data = b""
                    while (chunk := self.rfile.readline(65536)) not in (b".\r\n", b""):
                        data += chunk
                    box.received.append(message_from_bytes(data, policy=policy.default))  # type: ignore[arg-type]
                    self.reply("250 queued")
                elif verb == "QUIT":
                    self.reply("221 bye")
                    return
                else:  # MAIL, RSET, NOOP
                    self.reply("250 ok")

    return Handler


@contextmanager
def smtp_server(refuse: str = "refused") -> Iterator[tuple[int, Mailbox]]:
    """Serve on a free loopback port until the block ends; yield (port, mailbox)."""
    box = Mailbox(refuse)
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _handler(box))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="test-smtp")
    thread.start()
    try:
        yield server.server_address[1], box
    finally:
        server.shutdown()
        server.server_close()

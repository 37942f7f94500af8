"""What the HTTP server must know about the signalling protocol: the frame size limit,
and invalid UTF-8 answered as the protocol says rather than with a traceback.

Every place that builds a server for the application (``conference serve``, the tests'
live servers, the benchmarks' app server) passes :func:`uvicorn_ws_options` to uvicorn,
so that a 15 MiB frame is refused by the server itself after 64 KiB instead of being
buffered whole before the connection sees it.
"""

from __future__ import annotations

import logging
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from rooms.signalling.limits import MAX_MESSAGE_BYTES

__all__ = ["SignallingProtocol", "uvicorn_ws_options"]

log = logging.getLogger(__name__)

INVALID_UTF8 = 1007  # RFC 6455: a text frame whose payload is not UTF-8


class SignallingProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O websocket protocol; a text message that is not UTF-8 closes 1007.

    uvicorn logs a traceback for it, which a client can trigger at will; here it is one
    line at INFO, and the client gets the close code the protocol document names.
    """

    def send_receive_event_to_app(self) -> None:
        if self.curr_msg_data_type == "text" and not self.close_sent:
            data = self.frames[0] if len(self.frames) == 1 else b"".join(self.frames)
            try:
                data.decode()
            except UnicodeDecodeError:
                self.frames = []
                log.info("closed a websocket that sent a text message that is not UTF-8")
                self.conn.send_close(INVALID_UTF8, "messages are UTF-8 JSON text")
                self.handle_parser_exception()
                return
        super().send_receive_event_to_app()


def uvicorn_ws_options() -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run`` / ``uvicorn.Config``: the websocket side."""
    return {"ws": SignallingProtocol, "ws_max_size": MAX_MESSAGE_BYTES}

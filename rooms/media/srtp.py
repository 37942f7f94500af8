"""SRTP protection without pylibsrtp's per-call wrapper: one RTP packet, in place, no allocation.

``pylibsrtp.Session.protect`` checks its argument, allocates an ``int *``, copies the
packet into the session's buffer, calls ``srtp_protect`` and copies the result out
into new bytes. Profiled under the video benchmark (docs/performance.md, "Video"),
that Python wrapper cost more than the encryption itself, once per packet per viewer.
:class:`Protector` keeps the ``int *`` and writes the RTP header and the payload
straight into the same session buffer; the caller sends from :attr:`Protector.view`
before the session protects anything else. The keys, the replay state and the
rollover counter are the session's own, so packets are byte-identical to
``Session.protect``'s (tests/rooms/media/test_srtp.py).

Pinned to pylibsrtp 1.0.0: :func:`check_srtp` fails loudly when the version or the
private attributes used here change.
"""

from __future__ import annotations

import functools
from importlib.metadata import version
from typing import Any

import pylibsrtp
from pylibsrtp._binding import ffi, lib

from rooms.media.errors import MediaError

__all__ = ["PINNED_PYLIBSRTP_VERSION", "Protector", "SrtpError", "check_srtp"]

PINNED_PYLIBSRTP_VERSION = "1.0.0"
_SESSION_ATTRIBUTES = ("_srtp", "_cdata", "_buffer")


class SrtpError(MediaError):
    """pylibsrtp changed under :class:`Protector`; re-check rooms/media/srtp.py."""


@functools.cache
def _check_version() -> None:
    installed = version("pylibsrtp")
    if installed != PINNED_PYLIBSRTP_VERSION:
        raise SrtpError(
            f"rooms.media.srtp is pinned to pylibsrtp {PINNED_PYLIBSRTP_VERSION}, found "
            f"{installed}: re-read pylibsrtp's Session.__process and update the module"
        )
    if not callable(getattr(lib, "srtp_protect", None)):
        raise SrtpError("pylibsrtp's binding has no srtp_protect")
    if not callable(getattr(pylibsrtp, "_srtp_assert", None)):
        raise SrtpError("pylibsrtp has no _srtp_assert")


def check_srtp(session: Any = None) -> None:
    """Raise SrtpError unless pylibsrtp (and ``session``) are what this was written for."""
    _check_version()
    if session is not None:
        missing = [name for name in _SESSION_ATTRIBUTES if not hasattr(session, name)]
        if missing:
            raise SrtpError(f"pylibsrtp.Session lacks {', '.join(missing)}")


class Protector:
    """Protects RTP packets with one SRTP session into that session's own buffer."""

    def __init__(self, session: pylibsrtp.Session) -> None:
        check_srtp(session)
        self.session = session
        self._srtp = session._srtp[0]
        self._cdata = session._cdata
        self._buffer = session._buffer
        self._length = ffi.new("int *")
        self._capacity = len(self._buffer) - pylibsrtp.SRTP_MAX_TRAILER_LEN
        self.view = memoryview(self._buffer)
        """The session buffer: ``view[:n]`` is the packet :meth:`protect` just returned ``n`` for."""

    def protect(self, head: bytes, body: bytes) -> int:
        """Protect the RTP packet ``head + body``; its length, valid until the session's next use."""
        split = len(head)
        length = split + len(body)
        if length > self._capacity:
            raise ValueError("packet is too long")
        buffer = self._buffer
        buffer[0:split] = head
        buffer[split:length] = body
        self._length[0] = length
        pylibsrtp._srtp_assert(lib.srtp_protect(self._srtp, self._cdata, self._length))
        return int(self._length[0])

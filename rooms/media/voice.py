"""Who just started talking, from the audio level each RTP packet carries; no decoding.

Browsers (and aiortc) put the level of every Opus packet in the ``ssrc-audio-level``
header extension (RFC 6464): 0 is the loudest, 127 silence, in -dBov. aiortc parses it
(``packet.extensions.audio_level``) when the answer negotiates it, which it always does
for audio. The server reads it as the packet goes by, so knowing who talks costs nothing
per listener and needs no message from the client: a page cannot claim to speak, and a
client that sends no level (an old bot) is simply never "heard talking".

:class:`VoiceActivity` is one microphone's detector, a plain state machine fed with
``(level, now)``: it reports the moment its speaker *starts* talking (enough loud packets
in a short window, after a quiet spell), which the router uses to rank floor slots by
the most recent talker. A muted or locally disabled microphone sends silence (level 127)
and never starts.
"""

from __future__ import annotations

from collections import deque

__all__ = ["LOUD_DBOV", "VoiceActivity"]

LOUD_DBOV = 50
"""A packet at or above -50 dBov (level 50 or less) counts as speech."""
WINDOW_S = 0.3
LOUD_PACKETS = 5
"""Speech starts with this many loud packets within ``WINDOW_S`` (100 ms of 20 ms frames)."""
QUIET_S = 1.0
"""A pause this long ends a turn: talking again after it is a new start."""


class VoiceActivity:
    """One microphone: ``heard(level, now)`` is True when its speaker starts talking."""

    def __init__(
        self,
        *,
        loud_dbov: int = LOUD_DBOV,
        window: float = WINDOW_S,
        loud_packets: int = LOUD_PACKETS,
        quiet: float = QUIET_S,
    ) -> None:
        self.talking = False
        self.starts = 0
        self._loud_dbov = loud_dbov
        self._window = window
        self._loud_packets = loud_packets
        self._quiet = quiet
        self._loud: deque[float] = deque()
        self._last_loud: float | None = None

    def heard(self, level: int, now: float) -> bool:
        """One packet's level (0 loudest .. 127 silent) at ``now`` seconds; True on a start."""
        if self.talking and self._last_loud is not None and now - self._last_loud > self._quiet:
            self.talking = False
        if level > self._loud_dbov:
            return False
        self._last_loud = now
        if self.talking:
            return False
        self._loud.append(now)
        while self._loud and now - self._loud[0] > self._window:
            self._loud.popleft()
        if len(self._loud) < self._loud_packets:
            return False
        self._loud.clear()
        self.talking = True
        self.starts += 1
        return True

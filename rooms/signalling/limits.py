"""Per-connection limits, and the token bucket that enforces the message rate."""

from __future__ import annotations

from dataclasses import dataclass

from rooms.signalling.clock import Clock

# The protocol's message limit; the HTTP server refuses bigger frames itself (server.py).
MAX_MESSAGE_BYTES = 64 * 1024


@dataclass(frozen=True)
class Limits:
    max_message_bytes: int = MAX_MESSAGE_BYTES
    messages_per_second: float = 10.0
    message_burst: int = 30
    # Going over the rate costs a strike; out of strikes means persistent abuse (close 1008).
    strikes_per_second: float = 0.5
    strike_burst: int = 10
    send_queue: int = 256  # outgoing messages a slow client may have pending before close 1013
    # A silent network drop (Wi-Fi gone) must be noticed within 10 s, so that an
    # interpreter who vanishes goes off air and the floor's 3 s fade means something.
    heartbeat_interval: float = 3.0
    heartbeat_timeout: float = 8.0
    reconnect_grace: float = 30.0
    # Presence in rooms with more seats than this is sent in batches, one per window.
    coalesce_above: int = 50
    presence_window: float = 0.2
    # ... longer in larger rooms: one more window per this many seats, up to the maximum.
    presence_window_seats: int = 250
    presence_window_max: float = 1.0


class TokenBucket:
    """``capacity`` tokens, refilled at ``rate`` per second; each message takes one."""

    def __init__(self, rate: float, capacity: int, clock: Clock) -> None:
        self._rate = rate
        self._capacity = float(capacity)
        self._tokens = float(capacity)
        self._clock = clock
        self._last = clock.now()

    def take(self) -> bool:
        now = self._clock.now()
        elapsed = max(0.0, now - self._last)
        self._last = now
        self._tokens = min(self._capacity, self._tokens + elapsed * self._rate)
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False

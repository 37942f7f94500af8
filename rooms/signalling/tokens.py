"""Short-lived signed tokens for clients without the session cookie (``/ws?token=...``).

A token opens one websocket: ``redeem`` spends it, so a copied token cannot open a second
connection (it once opened 500 seats). ``verify`` only reads it, for HTTP requests such as
``GET /rooms/session/{id}/connect`` that come before the websocket.
"""

from __future__ import annotations

import secrets
from typing import Any

from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

from rooms.signalling.clock import Clock, SystemClock
from rooms.signalling.identity import Identity

TOKEN_LIFETIME_S = 300


class ConnectTokens:
    """Issues and checks tokens naming an identity, valid for ``max_age`` seconds."""

    def __init__(
        self, secret: str | bytes, *, max_age: int = TOKEN_LIFETIME_S, clock: Clock | None = None
    ) -> None:
        now = (clock or SystemClock()).now

        class _ClockSigner(TimestampSigner):
            def get_timestamp(self) -> int:
                return int(now())

        self._max_age = max_age
        self._now = now
        self._spent: dict[str, float] = {}  # nonce -> when it may be forgotten (expired anyway)
        self._serializer = URLSafeTimedSerializer(
            secret, salt="rooms.signalling.connect", signer=_ClockSigner
        )

    def issue(self, identity: Identity) -> str:
        payload = {
            "p": identity.person_id,
            "n": identity.display_name,
            "r": sorted(role.value for role in identity.roles),
            "j": secrets.token_urlsafe(12),
        }
        return self._serializer.dumps(payload)

    def verify(self, token: str) -> Identity | None:
        """The identity in a valid, unexpired, unspent token; None otherwise."""
        found = self._read(token)
        if found is None or found[1] in self._spent:
            return None
        return found[0]

    def redeem(self, token: str) -> Identity | None:
        """Like ``verify``, and spend the token: it opens no other connection."""
        found = self._read(token)
        now = self._now()
        # Spent in order, each kept for the same time: the expired ones come first. (A
        # scan of them all made a storm of 2,000 connections quadratic.)
        while self._spent:
            nonce, until = next(iter(self._spent.items()))
            if until > now:
                break
            del self._spent[nonce]
        if found is None or found[1] in self._spent:
            return None
        self._spent[found[1]] = now + self._max_age + 1
        return found[0]

    def _read(self, token: str) -> tuple[Identity, str] | None:
        try:
            payload: Any = self._serializer.loads(token, max_age=self._max_age)
        except BadSignature:  # also covers SignatureExpired
            return None
        try:
            identity = Identity.of(str(payload["p"]), str(payload["n"]), payload["r"])
            nonce = str(payload["j"])
        except (KeyError, TypeError, ValueError):
            return None
        return identity, nonce

"""Short-lived signed tokens for clients without the session cookie (``/ws?token=...``)."""

from __future__ import annotations

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
        self._serializer = URLSafeTimedSerializer(
            secret, salt="rooms.signalling.connect", signer=_ClockSigner
        )

    def issue(self, identity: Identity) -> str:
        payload = {
            "p": identity.person_id,
            "n": identity.display_name,
            "r": sorted(role.value for role in identity.roles),
        }
        return self._serializer.dumps(payload)

    def verify(self, token: str) -> Identity | None:
        """The identity in a valid, unexpired token; None otherwise."""
        try:
            payload: Any = self._serializer.loads(token, max_age=self._max_age)
        except BadSignature:  # also covers SignatureExpired
            return None
        try:
            return Identity.of(str(payload["p"]), str(payload["n"]), payload["r"])
        except (KeyError, TypeError, ValueError):
            return None

"""Limits on the forms that send mail (sign-in, registration): per address and per client IP.

Counted with the ``limits`` library: in memory for one process, in Redis when several
processes serve one site (``CONFERENCE_RATE_LIMIT_URL``, by default the Redis bus).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.requests import Request

from ..settings import Settings

log = logging.getLogger(__name__)


@dataclass
class MailLimits:
    limiter: MovingWindowRateLimiter
    per_address: list[RateLimitItem]
    per_ip: list[RateLimitItem]

    @classmethod
    def from_settings(cls, settings: Settings) -> MailLimits:
        storage = storage_from_string(settings.rate_limit_storage)
        return cls(
            MovingWindowRateLimiter(storage),
            parse_many(settings.rate_limit_address),
            parse_many(settings.rate_limit_ip),
        )

    def allow(self, form: str, address: str, client_ip: str) -> bool:
        """Count one mail for ``address`` from ``client_ip``; False when either is over its limit.

        Every limit is tested before any is counted, so a refused request spends nothing.
        """
        # The address is counted under its hash: a Redis key is no place for an email.
        hashed = hashlib.sha256(address.lower().encode()).hexdigest()[:32]
        checks = [(item, "address", hashed) for item in self.per_address] + [
            (item, "ip", client_ip) for item in self.per_ip
        ]
        if not all(self.limiter.test(item, form, kind, key) for item, kind, key in checks):
            # The address is not logged; the client IP is, so an operator can see a flood.
            log.warning("rate limit reached on %s from %s", form, client_ip)
            return False
        for item, kind, key in checks:
            self.limiter.hit(item, form, kind, key)
        return True


def client_ip(request: Request) -> str:
    """The client's address; uvicorn has already applied a trusted proxy's X-Forwarded-For."""
    return request.client.host if request.client else "unknown"

"""``/healthz``, ``/readyz`` and ``/metrics``: what a load balancer and Prometheus ask.

- ``/healthz`` is 200 while the process runs (it only proves the event loop answers).
- ``/readyz`` is 200 when the database and every extra part (Redis, when configured)
  answer and the process is not draining; else 503 naming the failing parts.
- ``/metrics`` is Prometheus text, for loopback clients or a bearer token
  (``CONFERENCE_METRICS_TOKEN``); anyone else gets 404, as if it were not there.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from ..storage import engine as storage

log = logging.getLogger(__name__)

CHECK_SECONDS = 2.0
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})

Check = Callable[[], Awaitable[bool]]


@dataclass
class Health:
    """The parts readiness depends on, the draining flag, and the metrics registry."""

    engine: Engine
    metrics_token: str = field(default="", repr=False)
    metrics: CollectorRegistry = field(default_factory=CollectorRegistry)
    checks: dict[str, Check] = field(default_factory=dict)  # part name -> does it answer?
    draining: bool = False

    async def failing(self) -> list[str]:
        """The parts that do not answer now, by name ("database", "redis", "draining")."""
        names = ["database", *self.checks]
        database = run_in_threadpool(storage.answers, self.engine)
        results = await asyncio.gather(
            *(_within(check) for check in [lambda: database, *self.checks.values()])
        )
        failing = [name for name, ok in zip(names, results, strict=True) if not ok]
        if self.draining:
            failing.append("draining")
        return failing

    def may_read_metrics(self, request: Request) -> bool:
        host = request.client.host if request.client is not None else ""
        if host in LOOPBACK_HOSTS:
            return True
        if not self.metrics_token:
            return False
        given = request.headers.get("authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {self.metrics_token}".encode())


async def _within(check: Check) -> bool:
    try:
        return await asyncio.wait_for(check(), CHECK_SECONDS)
    except Exception:  # a check that fails or hangs is a part that does not answer
        return False


def routes(health: Health) -> list[Route]:
    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok\n")

    async def readyz(request: Request) -> Response:
        failing = await health.failing()
        if failing:
            log.warning("not ready: %s", ", ".join(failing))
            return JSONResponse({"ready": False, "failing": failing}, status_code=503)
        return JSONResponse({"ready": True, "failing": []})

    async def metrics(request: Request) -> Response:
        if not health.may_read_metrics(request):
            return PlainTextResponse("Not Found\n", status_code=404)
        # On the loop: the collectors read live state that only the loop may touch.
        body = generate_latest(health.metrics)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]

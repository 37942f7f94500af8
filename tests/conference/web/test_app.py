"""What every response carries, and what none may carry."""

from __future__ import annotations

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from conference.app import create_app
from conference.web.page import Ctx, page

pytestmark = pytest.mark.integration


def test_security_headers(client) -> None:
    response = client.get("/")
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_no_traceback_reaches_a_user(settings, engine, conference) -> None:
    @page()
    def broken(ctx: Ctx):
        raise RuntimeError("secret internals")

    app = create_app(settings, engine)
    app.router.routes.insert(0, Route("/broken", broken))
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/broken", headers={"accept-language": "es"})
    assert response.status_code == 500
    assert "secret internals" not in response.text and "Traceback" not in response.text
    assert '<html lang="es"' in response.text

"""Hypothesis against every form: each POST route gets its own field names filled with
hostile text (NUL bytes, Unicode digits, huge numbers, very long strings). 0 crashes: no
answer is a 500, however the values are refused."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from conference.app import create_app
from conference.settings import Settings
from conference.storage.engine import make_engine
from tests.support.roles import EMAILS, seed_roles

from .conftest import csrf, sign_in
from .test_authorisation_matrix import MATRIX

pytestmark = pytest.mark.integration
SITE = "http://127.0.0.1:8000"

HOSTILE = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "1",
            "2",
            "²",
            "٣",
            "1e309",
            "nan",
            "inf",
            "9" * 30,
            "9" * 5000,
            "\x00",
            "a\x00b",
            "2026-12-05T14:30",
            "2026-02-30T25:61",
            "en",
            "fr",
            "xx-YY",
            "Africa/Lagos",
            "Mars/Base",
            "organiser",
            "grant",
            "decline",
            "1|2026-12-05T17:00:00+00:00",
            "<script>",
            "x" * 10_000,
            "a@b.c",
            "@",
            "csv",
        ]
    ),  # fmt: skip
)


def _post_routes() -> list[tuple[str, str]]:
    return sorted(
        (path, route) for (method, route), (path, _) in MATRIX.items() if method == "POST"
    )


def _who(route: str) -> str:
    """The role for whom the route is open, so the fuzz reaches the form's parser."""
    if route.startswith("/talks"):
        return "unreviewed_speaker"
    if route == "/interpreter/profile":
        return "other_interpreter"
    return "organiser"


@pytest.fixture
def engine(tmp_path: Path, sqlite_template: Path) -> Iterator[Engine]:
    path = tmp_path / "fuzz.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    seed_roles(engine)
    yield engine
    engine.dispose()


def _field_names(client: TestClient, path: str) -> list[str]:
    page = client.get(path)
    names = re.findall(r'name="([a-z_0-9]+)"', page.text) if page.status_code == 200 else []
    return sorted(set(names) - {"csrf_token"}) or ["name", "email", "run", "title"]


@pytest.mark.parametrize(("path", "route"), _post_routes())
def test_no_form_crashes_the_server(engine: Engine, path: str, route: str) -> None:
    config = Settings(
        database_url=str(engine.url), secret_key="fuzz-" + "f" * 40, site_url=SITE,
        rate_limit_address="10000/minute", rate_limit_ip="10000/minute",
    )  # fmt: skip
    app = create_app(config, engine)
    with TestClient(app, base_url=SITE) as client:
        if route not in ("/signin", "/register", "/signin/{token}", "/register/confirm/{token}"):
            sign_in(client, EMAILS[_who(route)])
        names = _field_names(client, path.split("?")[0])
        token = csrf(client.get("/signin").text)

        @settings(
            max_examples=int(os.environ.get("FUZZ_EXAMPLES", "25")),
            deadline=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        )
        @given(st.fixed_dictionaries({}, optional={n: st.one_of(HOSTILE, st.lists(HOSTILE, max_size=3)) for n in names}))  # fmt: skip
        def post(form: dict[str, object]) -> None:
            response = client.post(path, data={**form, "csrf_token": token}, follow_redirects=False)
            assert response.status_code < 500, (path, form)
            if route == "/signout":  # signing out ends the session the next example needs
                sign_in(client, EMAILS[_who(route)])

        post()

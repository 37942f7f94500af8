"""Canary values through every path that logs, against a real ``conference serve``: none of
them, in any spelling, and none of the bearer tokens, may appear in the server's output."""

from __future__ import annotations

import json
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import quote, quote_plus

import httpx
import pytest
from websockets.sync.client import connect

from conference.storage.engine import make_engine
from tests.support.seed import small_conference
from tests.support.server import conference_serve
from tests.support.smtp import Mailbox, smtp_server

pytestmark = pytest.mark.integration

NAME = "Zoë Canaryname"
EMAIL = "zoe.canarymail@example.org"
REFUSED = "refused.canarymail@example.org"
CARRIER = "Canarycarrier Telecom"
CHAT = "Canarychat: meet me at Käsestraße 7"
CANARIES = [NAME, EMAIL, "zoe.canarymail", REFUSED, CARRIER, CHAT, "Canaryname", "Canarychat"]


def _spellings(value: str) -> set[str]:
    spelled = {value, value.lower(), quote(value), quote_plus(value), quote(value, safe="")}
    spelled.add(json.dumps(value)[1:-1])
    spelled.add(json.dumps(value, ensure_ascii=False)[1:-1])
    return {s for s in spelled if s}


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token"
    return match.group(1)


FORM = {
    "name": NAME, "email": EMAIL, "timezone": "Africa/Lagos", "language_1": "ig",
    "sessions": ["1", "2"], "need_data": "1", "data_country": "NG", "data_carrier": CARRIER,
    "data_gb": "10", "need_childcare": "1", "childcare_children": "2", "childcare_sessions": ["1"],
}  # fmt: skip


def _register(http: httpx.Client, box: Mailbox, form: dict[str, object]) -> str:
    page = http.get("/register")
    answer = http.post("/register", data={**form, "csrf_token": _csrf(page.text)})
    assert answer.status_code == 200, answer.text[:300]
    link = re.search(r"(/register/confirm/[\w-]{43})", box.received[-1].get_content())
    assert link
    return link.group(1)


def test_no_canary_and_no_token_reaches_the_server_output(
    tmp_path: Path, sqlite_template: Path
) -> None:
    path = tmp_path / "canary.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    small_conference(engine)
    engine.dispose()
    tokens: list[str] = []
    with (
        smtp_server(refuse="refused") as (smtp_port, box),
        conference_serve(
            f"sqlite:///{path}", tmp_path, log_level="DEBUG", smtp_host="127.0.0.1",
            smtp_port=smtp_port, smtp_starttls="0",
        ) as served,
        httpx.Client(base_url=served.site, timeout=30) as http,
    ):  # fmt: skip
        # Register, and register again: two confirmations of one address, clicked at once.
        links = [_register(http, box, FORM), _register(http, box, FORM)]
        tokens += [link.rsplit("/", 1)[1] for link in links]
        pages = [http.get(link) for link in links]
        barrier = threading.Barrier(2)
        answers: list[httpx.Response] = []

        def click(link: str, page: httpx.Response) -> None:
            with httpx.Client(base_url=served.site, timeout=30, cookies=http.cookies) as own:
                barrier.wait()
                answers.append(own.post(link, data={"csrf_token": _csrf(page.text)}))

        threads = [threading.Thread(target=click, args=a) for a in zip(links, pages, strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert sorted(a.status_code for a in answers) == [303, 303]
        private = answers[0].headers["location"].split("?")[0]
        tokens.append(private.rsplit("/", 1)[1])

        # Sign in through the mailed link.
        page = http.get("/signin")
        http.post("/signin", data={"email": EMAIL, "csrf_token": _csrf(page.text)})
        signin = re.search(r"(/signin/[\w-]{43})", box.received[-1].get_content())
        assert signin
        tokens.append(signin.group(1).rsplit("/", 1)[1])
        confirm = http.get(signin.group(1))
        assert http.post(signin.group(1), data={"csrf_token": _csrf(confirm.text)}).status_code in (
            200,
            303,
        )

        # The private link, the calendar feed, the registration page with bad changes.
        registration = http.get(private)
        calendar = re.search(r"(/calendar/[\w-]{43})\.ics", registration.text)
        assert calendar
        tokens.append(calendar.group(1).rsplit("/", 1)[1])
        assert http.get(calendar.group(1) + ".ics").status_code == 200
        bad = {**FORM, "email": "not an address " + EMAIL, "timezone": "Canaryname/Zone",
               "csrf_token": _csrf(registration.text)}  # fmt: skip
        assert http.post(private, data=bad).status_code == 400
        nul = {**FORM, "name": NAME + "\x00", "csrf_token": _csrf(registration.text)}
        assert http.post(private, data=nul).status_code == 400

        # A refusing mail server, on both mail forms.
        page = http.get("/signin")
        assert http.post("/signin", data={"email": REFUSED, "csrf_token": _csrf(page.text)}).status_code == 503  # fmt: skip
        with httpx.Client(base_url=served.site, timeout=30) as stranger:
            page = stranger.get("/register")
            refused = {**FORM, "email": REFUSED, "csrf_token": _csrf(page.text)}
            assert stranger.post("/register", data=refused).status_code == 503
            # Forms from elsewhere, without a token, with a hostile id.
            assert stranger.post("/register", data=FORM).status_code == 403
            assert stranger.post(
                "/register", data={**FORM, "csrf_token": "x"}, headers={"origin": "https://evil.example"}
            ).status_code == 403  # fmt: skip
            assert stranger.get("/talks/99999999999999999999").status_code == 404

        # The live room: a chat line, then broken messages of every kind.
        info = http.get("/rooms/session/1/connect").json()
        room_token = http.post("/rooms/token", data={"csrf_token": _csrf(http.get("/signin").text)})
        ws_token = room_token.json().get("token", "") if room_token.status_code == 200 else ""
        if ws_token:
            tokens.append(ws_token)
        cookie = f"session={http.cookies['session']}"
        tokens.append(http.cookies["session"])
        ws_url = served.site.replace("http:", "ws:") + "/ws"
        with connect(ws_url, origin=served.site, additional_headers={"cookie": cookie}) as ws:  # type: ignore[arg-type]
            ws.send(json.dumps({"type": "hello", "protocol": 1}))
            welcome = json.loads(ws.recv(timeout=10))
            assert welcome["type"] == "welcome"
            if welcome.get("resume_token"):
                tokens.append(welcome["resume_token"])
            ws.send(json.dumps({"type": "join", "room_id": info["room_id"]}))
            ws.send(json.dumps({"type": "chat", "text": CHAT}))
            ws.send(json.dumps({"type": "chat", "text": CHAT * 200}))  # too long
            ws.send(json.dumps({"type": "chat", "text": CHAT, "extra": EMAIL}))
            ws.send(json.dumps({"type": "no_such_type", "text": CHAT, "email": EMAIL}))
            ws.send('{"type": "chat", "text": "' + CHAT)  # not JSON
            ws.send(CHAT.encode())  # a binary frame
            ws.send("[" * 20_000 + "]" * 20_000)  # deep nesting
            ws.send(json.dumps({"type": "mute", "seat_id": EMAIL}))  # not an organiser
            for _ in range(8):
                try:
                    ws.recv(timeout=2)
                except TimeoutError:
                    break
        if ws_token:
            with connect(f"{ws_url}?token={ws_token}") as bot:
                bot.send(json.dumps({"type": "hello", "protocol": 1}))
                bot.recv(timeout=10)
        output = served.log()

    # Each path did log something: the test looks in the right place.
    assert "A mail could not be sent: SMTPRecipientsRefused" in output
    assert 'POST /register HTTP/1.1" 503' in output
    assert "/registration/[redacted]" in output and "/calendar/[redacted]" in output
    assert "/ws?token=[redacted]" in output or not ws_token
    found = sorted(
        {spelling for canary in CANARIES for spelling in _spellings(canary) if spelling in output}
    )
    assert found == [], f"personal data in the server output: {found}"
    leaked = [t[:8] for t in tokens if t and t in output]
    assert leaked == [], "bearer tokens in the server output"

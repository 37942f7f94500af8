"""``conference serve`` under bounded hostile loads on loopback: idle and slow sockets, too
many sockets from one address, oversized and chunked bodies.

Each test runs a real server process. The timeouts are shortened by settings so that the
tests are quick; the bounds below are generous "eventually" limits, not speed claims.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine
from websockets.exceptions import InvalidStatus, WebSocketException
from websockets.sync.client import ClientConnection, connect

from rooms.signalling import Identity
from rooms.signalling.tokens import ConnectTokens
from tests.support.seed import small_conference
from tests.support.server import SECRET, Served, conference_serve

pytestmark = pytest.mark.integration

HEADER_TIMEOUT = 1.5
PER_IP = 6
ATTACKER = "127.0.0.2"


@pytest.fixture(params=["sqlite"])
def served(
    tmp_path: Path, sqlite_template: Path, request: pytest.FixtureRequest
) -> Iterator[Served]:
    import shutil

    from conference.storage.engine import make_engine

    path = tmp_path / "serve.db"
    shutil.copy(sqlite_template, path)
    engine: Engine = make_engine(f"sqlite:///{path}")
    small_conference(engine)
    engine.dispose()
    with conference_serve(
        f"sqlite:///{path}",
        tmp_path,
        header_timeout=HEADER_TIMEOUT,
        keep_alive_timeout=1,
        max_connections_per_ip=PER_IP,
    ) as server:
        yield server


def _open(served: Served, source: str = "127.0.0.1") -> socket.socket:
    sock = socket.socket()
    sock.bind((source, 0))
    sock.settimeout(10)
    sock.connect(("127.0.0.1", served.port))
    return sock


def _closed_within(sock: socket.socket, seconds: float) -> bool:
    """Whether the server closes ``sock`` within ``seconds`` (whatever it sent first)."""
    sock.settimeout(seconds)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            if sock.recv(65536) == b"":
                return True
    except (TimeoutError, ConnectionResetError):
        return False
    return False


def _get(served: Served, path: str = "/programme") -> int:
    return httpx.get(served.site + path, timeout=10).status_code


def test_an_idle_connection_is_closed(served: Served) -> None:
    sock = _open(served)
    assert _closed_within(sock, HEADER_TIMEOUT + 5)


def test_headers_trickling_in_are_cut_off(served: Served) -> None:
    sock = _open(served)
    sock.sendall(b"GET /programme HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    closed = False
    for i in range(40):  # 20 s of one header every half second, were it let through
        time.sleep(0.5)
        try:
            sock.sendall(f"X-Slow-{i}: a\r\n".encode())
        except (BrokenPipeError, ConnectionResetError):
            closed = True
            break
        if _closed_within(sock, 0.01):
            closed = True
            break
    assert closed


def test_a_connection_left_idle_after_a_response_is_closed(served: Served) -> None:
    sock = _open(served)
    sock.sendall(b"GET /programme HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    first = sock.recv(65536)
    assert first.startswith(b"HTTP/1.1 200")
    assert _closed_within(sock, HEADER_TIMEOUT + 5)


def test_one_address_cannot_hold_every_connection(served: Served) -> None:
    held = [_open(served, ATTACKER) for _ in range(PER_IP)]
    extra = _open(served, ATTACKER)
    extra.settimeout(5)
    answer = extra.recv(65536)
    assert answer.startswith(b"HTTP/1.1 503")
    assert b"Too many connections from your address" in answer
    # Meanwhile someone else gets their page.
    assert _get(served) == 200
    for sock in held:
        sock.close()


def test_websockets_count_towards_the_cap(served: Served) -> None:
    tokens = ConnectTokens(SECRET)
    ws_url = served.site.replace("http:", "ws:") + "/ws"

    def websocket(stack: ExitStack, number: int) -> ClientConnection:
        sock = socket.socket()
        sock.bind((ATTACKER, 0))
        sock.connect(("127.0.0.1", served.port))
        token = tokens.issue(Identity.of(f"bot-{number}", f"Bot {number}", ["participant"]))
        ws = stack.enter_context(connect(f"{ws_url}?token={token}", sock=sock, open_timeout=10))
        ws.send('{"type": "hello", "protocol": 1}')
        assert '"welcome"' in str(ws.recv(timeout=10))
        return ws

    with ExitStack() as stack:
        sockets = [websocket(stack, i) for i in range(PER_IP)]
        # Refused before the handshake: the 503 arrives, or the socket is closed under it
        # (depending on whether the request crossed the refusal).
        with pytest.raises((WebSocketException, OSError)) as refused:
            websocket(stack, PER_IP)
        if isinstance(refused.value, InvalidStatus):
            assert refused.value.response.status_code == 503
        assert _get(served) == 200
        sockets[0].close()
        time.sleep(0.3)
        websocket(stack, PER_IP + 1)  # a closed one frees its place


def test_a_chunked_anonymous_post_is_refused_before_its_body_is_read(served: Served) -> None:
    sock = _open(served)
    sock.sendall(
        b"POST /signin HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"a" * 65536
    sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    sock.settimeout(10)
    answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 403")  # after 64 KiB of the 48 MiB it meant to send


def test_a_chunked_body_past_six_megabytes_is_refused_while_it_streams(served: Served) -> None:
    with httpx.Client(base_url=served.site) as http:
        page = http.get("/signin")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        cookie = http.cookies["session"]
    sock = _open(served)
    sock.sendall(
        b"POST /signin HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        + f"Cookie: session={cookie}\r\n".encode()
        + b"Transfer-Encoding: chunked\r\n\r\n"
    )
    first = f"csrf_token={csrf}&email=".encode()
    sock.sendall(b"%x\r\n%s\r\n" % (len(first), first))
    chunk = b"a" * 65536
    sent = [len(first)]
    answered = threading.Event()

    def stream() -> None:
        try:
            while sent[0] < 48 * 1024 * 1024 and not answered.is_set():
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent[0] += len(chunk)
        except OSError:
            pass  # the server closed the connection after its answer

    sender = threading.Thread(target=stream, daemon=True)
    sender.start()
    sock.settimeout(60)
    answer = b""
    try:
        while b"\r\n\r\n" not in answer:
            more = sock.recv(65536)
            if not more:
                break
            answer += more
    except ConnectionResetError:
        pass
    answered.set()
    sender.join(timeout=30)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent[0] < 12 * 1024 * 1024  # refused near the 6 MB cap, not after 48 MiB


def test_the_start_up_heap_is_kept_out_of_later_collections(served: Served) -> None:
    # A full garbage collection over the start-up heap stopped the event loop for 120-380 ms,
    # and the audio packets held meanwhile reached listeners late, in a burst. The server
    # freezes that heap once started (conference/serving.py), before anyone connects.
    frozen = re.search(r"start-up heap frozen: (\d+) objects", served.log())
    assert frozen, served.log()
    assert int(frozen.group(1)) > 50_000, "the modules, routes and catalogs are in it"
    assert httpx.get(served.site + "/programme").status_code == 200, "and it serves as before"


def test_a_request_still_streaming_at_sigterm_does_not_keep_the_server_from_exiting(
    tmp_path: Path, sqlite_template: Path
) -> None:
    # uvicorn waits, by default without a bound, for every request in flight when it shuts
    # down; a client trickling a body would keep the node from exiting, past systemd's
    # TimeoutStopSec and into a SIGKILL. The server gives what is open SHUTDOWN_WITHIN_S.
    import shutil
    import signal
    import subprocess

    from conference.serving import SHUTDOWN_WITHIN_S
    from conference.storage.engine import make_engine
    from tests.support.server import ServeProcess

    path = tmp_path / "serve.db"
    shutil.copy(sqlite_template, path)
    engine: Engine = make_engine(f"sqlite:///{path}")
    small_conference(engine)
    engine.dispose()
    node = ServeProcess(
        tmp_path / "server-output.log",
        secret_key=SECRET, database_url=f"sqlite:///{path}", var_dir=str(tmp_path),
    )  # fmt: skip
    node.start()
    trickling = threading.Event()
    try:
        with httpx.Client(base_url=node.site) as http:
            page = http.get("/signin")
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
            cookie = http.cookies["session"]
        sock = socket.socket()
        sock.settimeout(10)
        sock.connect(("127.0.0.1", node.port))
        sock.sendall(
            b"POST /signin HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            + f"Cookie: session={cookie}\r\n".encode()
            + b"Transfer-Encoding: chunked\r\n\r\n"
        )
        first = f"csrf_token={csrf}&email=".encode()
        sock.sendall(b"%x\r\n%s\r\n" % (len(first), first))
        trickling.set()

        def trickle() -> None:
            try:
                while trickling.is_set():
                    sock.sendall(b"1\r\na\r\n")
                    time.sleep(0.2)
            except OSError:
                pass  # the server closed the connection

        sender = threading.Thread(target=trickle, daemon=True)
        sender.start()
        time.sleep(1.0)
        assert node.process is not None
        node.process.send_signal(signal.SIGTERM)
        try:
            code = node.process.wait(SHUTDOWN_WITHIN_S + 10)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running: {node.log.read_text()[-1500:]}")
        assert code in (0, -signal.SIGTERM)  # uvicorn raises the signal again once it is done
        assert "timeout graceful shutdown exceeded" in node.log.read_text()
    finally:
        trickling.clear()
        node.stop()

"""Processes: servers started as subprocesses, client workers driven over pipes, /proc readings.

Servers and clients run in separate processes so that the server's CPU time can be read
from ``/proc/<pid>/stat`` alone and the clients never share its interpreter lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import resource
import signal
import socket
import subprocess
import sys
import time
import traceback
from collections.abc import Iterator, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from benchmarks.harness import ROOT

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


class BenchmarkError(Exception):
    """A benchmark could not run (a server did not start, a worker failed)."""


def raise_fd_limit() -> int:
    """Raise this process's open-file limit to its hard limit; returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process, all its threads included."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # After the command name: state is field 3, utime 14 and stime 15 (1-based, man proc).
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_mb(pid: int) -> float:
    pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    return pages * PAGE_BYTES / 1024 / 1024


class Server:
    """A server subprocess (``python -m <module> ...``) listening on a loopback port."""

    def __init__(self, module: str, args: Sequence[str], port: int, log: Path) -> None:
        self.port = port
        self.log = log
        self._log_file = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            cwd=ROOT,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self, within: float = 60) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchmarkError(f"server exited early: {self.tail()}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), 1),
            ):
                return
            time.sleep(0.1)
        raise BenchmarkError(f"server did not listen within {within} s: {self.tail()}")

    def tail(self, lines: int = 15) -> str:
        self._log_file.flush()
        text = self.log.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self._log_file.close()


@contextlib.contextmanager
def server(module: str, args: Sequence[str], port: int, log: Path) -> Iterator[Server]:
    running = Server(module, args, port, log)
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop()


# Client workers: a process with its own event loop, running one handler object's methods.


def _worker_main(conn: Connection, factory: str, options: dict[str, Any]) -> None:
    raise_fd_limit()
    module_name, _, class_name = factory.rpartition(".")
    module = __import__(module_name, fromlist=[class_name])
    handler = getattr(module, class_name)(**options)
    asyncio.run(_serve_commands(conn, handler))


async def _serve_commands(conn: Connection, handler: Any) -> None:
    loop = asyncio.get_running_loop()
    while True:
        try:
            name, args = await loop.run_in_executor(None, conn.recv)
        except EOFError:
            return
        if name == "exit":
            with contextlib.suppress(Exception):
                await handler.close()
            conn.send(("ok", None))
            return
        try:
            result = await getattr(handler, name)(*args)
        except Exception:
            conn.send(("error", traceback.format_exc()))
        else:
            conn.send(("ok", result))


class Workers:
    """``count`` worker processes, each running an instance of ``factory`` (module.Class)."""

    def __init__(self, factory: str, count: int, **options: Any) -> None:
        context = multiprocessing.get_context("spawn")
        self._conns: list[Connection] = []
        self._procs: list[multiprocessing.process.BaseProcess] = []
        for _ in range(count):
            parent, child = context.Pipe()
            proc = context.Process(target=_worker_main, args=(child, factory, options), daemon=True)
            proc.start()
            child.close()
            self._conns.append(parent)
            self._procs.append(proc)

    def __len__(self) -> int:
        return len(self._conns)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self._procs if p.pid is not None]

    def send(self, index: int, name: str, *args: Any) -> None:
        self._conns[index].send((name, args))

    def receive(self, index: int, within: float) -> Any:
        conn = self._conns[index]
        if not conn.poll(within):
            raise BenchmarkError(f"worker {index} did not answer within {within:.0f} s")
        status, result = conn.recv()
        if status == "error":
            raise BenchmarkError(f"worker {index} failed:\n{result}")
        return result

    def call(self, index: int, name: str, *args: Any, within: float = 120) -> Any:
        self.send(index, name, *args)
        return self.receive(index, within)

    def call_all(self, name: str, args: Sequence[Sequence[Any]], within: float = 120) -> list[Any]:
        """Run ``name`` on every worker at once, worker ``i`` with ``args[i]``."""
        for index, each in enumerate(args):
            self.send(index, name, *each)
        deadline = time.monotonic() + within
        return [
            self.receive(index, max(0.1, deadline - time.monotonic())) for index in range(len(args))
        ]

    def close(self) -> None:
        for index, conn in enumerate(self._conns):
            with contextlib.suppress(Exception):
                conn.send(("exit", ()))
                self.receive(index, 10)
        for proc in self._procs:
            proc.join(5)
            if proc.is_alive():
                proc.terminate()
                proc.join(5)

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

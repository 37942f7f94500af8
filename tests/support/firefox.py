"""Debian's firefox-esr, driven through tests/e2e/firefox/driver.mjs (puppeteer-core over BiDi).

Playwright cannot drive Debian's Firefox, so a small Node process does, one JSON command per
line. Every command has a deadline, and the process is killed when the block ends.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

DRIVER = Path(__file__).resolve().parents[1] / "e2e" / "firefox" / "driver.mjs"
FIREFOX = "/usr/bin/firefox-esr"


def missing() -> str | None:
    """Why Firefox cannot run here, or None."""
    if not Path(FIREFOX).exists():
        return f"{FIREFOX} is missing (apt-get install firefox-esr; .ci/run does it)"
    if shutil.which("node") is None:
        return "node is missing (apt-get install nodejs npm)"
    if not (DRIVER.parent / "node_modules" / "puppeteer-core").exists():
        return "puppeteer-core is missing (make test installs it with npm)"
    return None


class Firefox:
    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process

    def _call(self, op: str, **fields: Any) -> Any:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"op": op, **fields}) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise AssertionError(f"the Firefox driver ended during {op}")
        answer = json.loads(line)
        if not answer["ok"]:
            raise AssertionError(f"Firefox {op} {fields}: {answer['error']}")
        return answer["value"]

    def goto(self, url: str) -> str:
        return str(self._call("goto", url=url))

    def fill(self, selector: str, value: str) -> None:
        self._call("fill", selector=selector, value=value)

    def select(self, selector: str, value: str) -> None:
        self._call("select", selector=selector, value=value)

    def click(self, selector: str, navigates: bool = False) -> str:
        return str(self._call("click", selector=selector, navigates=navigates))

    def text(self, selector: str) -> str:
        return str(self._call("text", selector=selector) or "")

    def eval(self, expression: str) -> Any:
        return self._call("eval", expression=expression)

    def wait_for(self, expression: str, what: str, within: float = 15.0) -> Any:
        """Poll a JavaScript expression until it is truthy."""
        deadline = time.monotonic() + within
        last = None
        while time.monotonic() < deadline:
            last = self.eval(expression)
            if last:
                return last
            time.sleep(0.25)
        raise AssertionError(f"{what} (last seen: {last!r})")


@contextmanager
def firefox(languages: str = "en-GB,en") -> Iterator[Firefox]:
    env = {**os.environ, "FIREFOX": FIREFOX, "FIREFOX_LANGUAGES": languages}
    process = subprocess.Popen(
        ["node", str(DRIVER)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=DRIVER.parent,
    )
    try:
        assert process.stdout is not None
        ready = process.stdout.readline()
        if not ready:
            raise AssertionError("Firefox did not start")
        yield Firefox(process)
    finally:
        with contextlib.suppress(AssertionError, BrokenPipeError, OSError, ValueError):
            Firefox(process)._call("close")  # the driver may be gone already
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()

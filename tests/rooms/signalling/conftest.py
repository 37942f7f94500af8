"""A signalling server per test, on a random loopback port."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

# The harness is a plain module next to the tests (no package: tests/rooms must not
# shadow the real ``rooms`` package).
sys.path.insert(0, str(Path(__file__).parent))

from rooms_ws_harness import Harness, serve  # noqa: E402


@pytest.fixture
async def harness() -> AsyncIterator[Harness]:
    async with serve() as running:
        yield running

"""Every setting the code reads is documented in docs/operations.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.unit


def test_every_environment_variable_is_documented() -> None:
    names = set()
    for path in (ROOT / "conference").rglob("*.py"):
        text = path.read_text()
        names |= {f"CONFERENCE_{n}" for n in re.findall(r'(?<![.\w])get\("([A-Z][A-Z_]+)"', text)}
        names |= set(re.findall(r'"(CONFERENCE_[A-Z_]+)"', text))
    documented = set(
        re.findall(r"`(CONFERENCE_[A-Z_]+)`", (ROOT / "docs/operations.md").read_text())
    )
    assert names, "no settings found: the test is looking in the wrong place"
    assert names - documented == set()

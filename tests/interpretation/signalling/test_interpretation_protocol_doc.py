"""docs/protocol.md documents every message the interpretation extension adds."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from interpretation.signalling.service import Interpretation
from rooms.signalling.registry import Registry

pytestmark = pytest.mark.unit

DOC = Path(__file__).resolve().parents[3] / "docs" / "protocol.md"


def _section(title: str) -> dict[str, dict[str, object]]:
    text = DOC.read_text(encoding="utf-8")
    part = text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]
    chunks = re.split(r"^### `([a-z_]+)`\n", part, flags=re.MULTILINE)
    examples = {}
    for name, body in zip(chunks[1::2], chunks[2::2], strict=True):
        match = re.search(r"```json\n(.*?)\n```", body, flags=re.DOTALL)
        assert match, f"{name} has no JSON example"
        examples[name] = json.loads(match.group(1))
    return examples


def test_every_interpretation_message_is_documented_with_an_example_that_fits() -> None:
    base = Registry().catalog
    extended = Registry(extensions=[Interpretation().install]).catalog
    added_client = set(extended.client) - set(base.client)
    added_server = set(extended.server) - set(base.server)
    documented = _section("Extension: interpretation")
    assert sorted(documented) == sorted(added_client | added_server)
    for name in added_client:
        assert extended.decode(json.dumps(documented[name])).type == name
    for name in added_server:
        fields = {f.name for f in dataclasses.fields(extended.server[name])}
        assert set(documented[name]) - {"type"} == fields, name

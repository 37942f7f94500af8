"""docs/protocol.md documents every registered message type, with examples that parse."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from rooms.signalling.registry import Registry

pytestmark = pytest.mark.unit

DOC = Path(__file__).resolve().parents[3] / "docs" / "protocol.md"


def _sections(direction: str) -> dict[str, str]:
    """Heading name -> body, for the ``### `name` `` headings of one direction's section."""
    text = DOC.read_text(encoding="utf-8")
    part = text.split(f"## {direction}\n", 1)[1].split("\n## ", 1)[0]
    chunks = re.split(r"^### `([a-z_]+)`\n", part, flags=re.MULTILINE)
    return dict(zip(chunks[1::2], chunks[2::2], strict=True))


def _example(body: str) -> dict[str, object]:
    match = re.search(r"```json\n(.*?)\n```", body, flags=re.DOTALL)
    assert match, "no JSON example"
    return dict(json.loads(match.group(1)))


def test_every_client_message_is_documented_with_an_example_that_parses() -> None:
    catalog = Registry().catalog
    documented = _sections("Client to server")
    assert sorted(set(catalog.client) - set(documented)) == []
    assert sorted(set(documented) - set(catalog.client)) == []
    for name, body in documented.items():
        example = _example(body)
        assert catalog.decode(json.dumps(example)).type == name


def test_every_server_message_is_documented_with_its_exact_fields() -> None:
    catalog = Registry().catalog
    documented = _sections("Server to client")
    assert sorted(set(catalog.server) - set(documented)) == []
    assert sorted(set(documented) - set(catalog.server)) == []
    for name, body in documented.items():
        example = _example(body)
        fields = {field.name for field in dataclasses.fields(catalog.server[name])}
        assert (example["type"], set(example) - {"type"}) == (name, fields)

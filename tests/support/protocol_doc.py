"""Reading docs/protocol.md: the JSON example of every message in a section."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


def examples(section: str) -> dict[str, dict[str, Any]]:
    """Message type → its JSON example, for the ``### `type` `` headings under ``## section``."""
    text = DOC.read_text(encoding="utf-8")
    part = text.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    chunks = re.split(r"^### `([a-z_]+)`\n", part, flags=re.MULTILINE)
    found = {}
    for name, body in zip(chunks[1::2], chunks[2::2], strict=True):
        match = re.search(r"```json\n(.*?)\n```", body, flags=re.DOTALL)
        assert match, f"{name} has no JSON example"
        found[name] = json.loads(match.group(1))
    return found

"""Hypothesis against the websocket message decoder (issue 10): 0 crashes.

Whatever a client sends, ``MessageCatalog.decode`` returns a message or raises one of the
protocol's own errors (which become an ``error`` for the client), never anything else
(which would be logged as a server bug). The catalog is the application's: rooms, low
data, interpretation, the lightning stage, breakout notes and live captions.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interpretation.signalling.service import Interpretation
from rooms import lowdata, stage
from rooms.captions import Captions, MemoryRoster
from rooms.domain.errors import RoomsError
from rooms.notes import Notes
from rooms.signalling import ClientMessage, Registry

pytestmark = pytest.mark.unit

# The extensions conference/app.py installs (the matrix test checks the running app's list).
CATALOG = Registry(
    extensions=[
        lowdata.install,
        Interpretation(None).install,
        stage.install,
        Notes(None).install,  # type: ignore[arg-type] (decoding never reaches the store)
        Captions(MemoryRoster()).install,
    ]
).catalog
TYPES = sorted(CATALOG.client)
FIELDS = sorted(
    {f.name for cls in CATALOG.client.values() for f in dataclasses.fields(cls)} | {"type"}
)
HOSTILE_TEXT = st.one_of(
    st.text(),
    st.sampled_from(["", " ", "\x00", "²", "١٢", "9" * 5000, "NaN", "\ud800", "fr", "original"]),
)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | HOSTILE_TEXT,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
MESSAGES = st.builds(
    lambda kind, fields: {"type": kind, **fields},
    st.sampled_from(TYPES) | HOSTILE_TEXT,
    st.dictionaries(st.sampled_from(FIELDS), JSON_VALUES, max_size=5),
)
FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def decode(text: str) -> ClientMessage | RoomsError:
    try:
        return CATALOG.decode(text)
    except RoomsError as refused:  # the protocol's errors: an error message to the client
        return refused


@FUZZ
@given(MESSAGES)
def test_any_object_decodes_or_is_refused_by_the_protocol(message: dict[str, Any]) -> None:
    outcome = decode(json.dumps(message, allow_nan=True))
    if isinstance(outcome, ClientMessage):
        assert outcome.type == message["type"]
        # What a handler gets is JSON again: no NaN or Infinity slipped in.
        json.dumps(dataclasses.asdict(outcome), allow_nan=False)


@FUZZ
@given(st.text() | JSON_VALUES.map(lambda v: json.dumps(v, allow_nan=True)))
def test_any_text_decodes_or_is_refused_by_the_protocol(text: str) -> None:
    decode(text)


@FUZZ
@given(st.integers(min_value=1, max_value=30_000), st.sampled_from(["[", '{"a":', '{"type":']))
def test_deep_nesting_is_refused_by_the_protocol(depth: int, opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    assert isinstance(decode(opener * depth + "1" + closer * depth), RoomsError)

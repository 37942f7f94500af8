"""docs/protocol.md documents every message the interpretation extension adds."""

from __future__ import annotations

import dataclasses
import json

import pytest

from interpretation.signalling.service import Interpretation
from rooms.signalling.registry import Registry
from tests.support.protocol_doc import examples

pytestmark = pytest.mark.unit


def test_every_interpretation_message_is_documented_with_an_example_that_fits() -> None:
    base = Registry().catalog
    extended = Registry(extensions=[Interpretation().install]).catalog
    added_client = set(extended.client) - set(base.client)
    added_server = set(extended.server) - set(base.server)
    documented = examples("Extension: interpretation")
    assert sorted(documented) == sorted(added_client | added_server)
    for name in added_client:
        assert extended.decode(json.dumps(documented[name])).type == name
    for name in added_server:
        fields = {f.name for f in dataclasses.fields(extended.server[name])}
        assert set(documented[name]) - {"type"} == fields, name

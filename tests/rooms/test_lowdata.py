"""The low-data extension: its messages are documented, and it answers with the data use."""

from __future__ import annotations

import dataclasses
import json

import pytest

from rooms import lowdata
from rooms.signalling.registry import Registry
from tests.support.protocol_doc import examples

pytestmark = pytest.mark.unit


def test_the_extension_messages_are_documented_with_examples_that_fit() -> None:
    base, extended = Registry().catalog, Registry(extensions=[lowdata.install]).catalog
    added = set(extended.client) - set(base.client) | set(extended.server) - set(base.server)
    documented = examples("Extension: low-data mode")
    assert set(documented) == added == {"low_data", "low_data_set"}
    assert extended.decode(json.dumps(documented["low_data"])) == lowdata.LowData(enabled=True)
    fields = {f.name for f in dataclasses.fields(lowdata.LowDataSet)}
    assert set(documented["low_data_set"]) - {"type"} == fields


def test_the_page_gets_the_data_use_of_both_modes() -> None:
    assert lowdata.data_use() == {
        "normal": {"bitrate": 32000, "megabytes_per_hour": 24.9},
        "low": {"bitrate": 9000, "megabytes_per_hour": 7.6},
        "video": {"bitrate": 500000, "megabytes_per_hour": 225},
    }

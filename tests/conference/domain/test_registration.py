"""Cleaning a registration form as a whole."""

from __future__ import annotations

import pytest

from conference.domain.registration import ChildcareNeed, DataNeed, Form, clean

pytestmark = pytest.mark.unit

GOOD = {
    "name": "Asha Rao", "email": "asha@example.org", "timezone": "Asia/Kolkata",
    "language_1": "hi", "language_2": "en", "sessions": ["1", "2"],
}  # fmt: skip


def test_a_good_form_gives_data_in_order_of_preference() -> None:
    data, errors = clean(Form.from_mapping(GOOD), {1, 2})
    assert errors == {}
    assert data is not None
    assert data.languages == ("hi", "en")
    assert data.sessions == (1, 2)
    assert data.data is None and data.childcare is None


def test_support_needs_are_read_when_ticked() -> None:
    form = {
        **GOOD, "need_data": "1", "data_country": "in", "data_carrier": "Jio", "data_gb": "8",
        "need_childcare": "1", "childcare_children": "2", "childcare_sessions": ["2"],
    }  # fmt: skip
    data, errors = clean(Form.from_mapping(form), {1, 2})
    assert errors == {}
    assert data is not None
    assert data.data == DataNeed("IN", "Jio", 8.0)
    assert data.childcare == ChildcareNeed(2, (2,))


def test_every_bad_field_is_reported_at_once() -> None:
    form = {
        "name": "", "email": "nope", "timezone": "Nowhere/City", "language_1": "klingon",
        "sessions": ["9"], "need_childcare": "1", "childcare_children": "-1",
    }  # fmt: skip
    data, errors = clean(Form.from_mapping(form), {1, 2})
    assert data is None
    assert errors == {
        "name": "This field is required.",
        "email": "This is not an email address, such as name@example.org.",
        "timezone": "Nowhere/City is not a timezone we know, such as Asia/Kolkata.",
        "languages": "klingon is not a language tag we know, such as fr or pt-BR.",
        "sessions": "9 is not a session of this conference.",
        "childcare_children": "This must be at least 1.",
        "childcare_sessions": "Choose the sessions that need childcare.",
    }

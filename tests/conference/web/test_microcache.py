"""The programme's micro-cache: fresh for a few seconds, per zone and language."""

from __future__ import annotations

import pytest

from conference.web.microcache import MicroCache

from .conftest import sign_in


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.unit
def test_entries_expire_after_their_ttl_and_the_oldest_go_first() -> None:
    clock = FakeClock()
    cache = MicroCache(ttl=5, size=2, clock=clock)
    cache.put("a", b"A")
    clock.now = 5.0
    assert cache.get("a") == b"A"
    clock.now = 5.1
    assert cache.get("a") is None
    cache.put("b", b"B")
    cache.put("c", b"C")
    cache.put("d", b"D")
    assert (cache.get("b"), cache.get("c"), cache.get("d")) == (None, b"C", b"D")


@pytest.mark.integration
def test_anonymous_views_are_shared_but_a_signed_in_view_is_never_cached(client) -> None:
    cache = client.app.state.services.extras.setdefault("programme_cache", MicroCache())
    first = client.get("/programme?tz=Asia/Kolkata").text
    assert cache.get(("Asia/Kolkata", "en")) == first.encode()
    assert client.get("/programme?tz=Asia/Kolkata").text == first
    french = client.get("/programme?tz=Asia/Kolkata", headers={"accept-language": "fr"}).text
    assert french != first and '<html lang="fr"' in french

    sign_in(client, "organiser@example.org")
    mine = client.get("/programme?tz=Asia/Kolkata").text
    assert "Sign out" in mine and "Sign out" not in first

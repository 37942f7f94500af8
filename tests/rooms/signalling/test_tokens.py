from __future__ import annotations

import pytest
from rooms_ws_harness import FakeClock

from rooms.signalling import ConnectTokens, Identity

pytestmark = pytest.mark.unit


def test_a_token_carries_the_identity_for_five_minutes() -> None:
    clock = FakeClock()
    tokens = ConnectTokens("secret", clock=clock)
    identity = Identity.of("p-1", "Ada", ["organiser", "interpreter"])
    token = tokens.issue(identity)
    clock.advance(300)
    assert tokens.verify(token) == identity
    clock.advance(1)
    assert tokens.verify(token) is None


def test_forged_and_foreign_tokens_fail() -> None:
    tokens = ConnectTokens("secret", clock=FakeClock())
    token = tokens.issue(Identity.of("p-1", "Ada", ["participant"]))
    assert ConnectTokens("other secret", clock=FakeClock()).verify(token) is None
    assert tokens.verify(token + "x") is None
    assert tokens.verify("") is None


def test_identity_refuses_unknown_roles() -> None:
    with pytest.raises(ValueError):
        Identity.of("p-1", "Ada", ["king"])


def test_a_token_is_spent_by_the_connection_it_opens() -> None:
    clock = FakeClock()
    tokens = ConnectTokens("secret", clock=clock)
    identity = Identity.of("p-1", "Ada", ["participant"])
    token = tokens.issue(identity)
    assert tokens.verify(token) == identity  # reading it (GET .../connect) does not spend it
    assert tokens.redeem(token) == identity
    assert tokens.redeem(token) is None
    assert tokens.verify(token) is None
    assert tokens.redeem(tokens.issue(identity)) == identity  # each token is its own


def test_a_spent_token_is_remembered_while_it_could_still_be_used_and_no_longer() -> None:
    clock = FakeClock()
    tokens = ConnectTokens("secret", clock=clock)
    identity = Identity.of("p-1", "Ada", ["participant"])
    first = tokens.issue(identity)
    assert tokens.redeem(first) == identity
    clock.advance(200)
    second = tokens.issue(identity)
    assert tokens.redeem(second) == identity
    clock.advance(100)
    assert tokens.redeem(first) is None  # still within its lifetime: still spent
    clock.advance(2)
    assert tokens.redeem(tokens.issue(identity)) == identity
    assert len(tokens._spent) == 2  # the first one is forgotten: it expired anyway
    assert tokens.redeem(second) is None

"""Polls: the organiser's form, ballots, and the count against published worked examples."""

from __future__ import annotations

import pytest

from conference.domain import poll_count, polls
from conference.domain.fields import FieldError

pytestmark = pytest.mark.unit


def _ballots(groups: list[tuple[int, str]], labels: str) -> list[list[int]]:
    return [[labels.index(c) for c in order] for n, order in groups for _ in range(n)]


def test_the_schulze_example_of_wikipedia_ranks_e_a_c_b_d() -> None:
    # https://en.wikipedia.org/wiki/Schulze_method#Example: 45 voters, 5 candidates.
    groups = [
        (5, "ACBED"), (5, "ADECB"), (8, "BEDAC"), (3, "CABED"),
        (7, "CAEBD"), (2, "CBADE"), (7, "DCEBA"), (8, "EBADC"),
    ]  # fmt: skip
    result = poll_count.count(list("ABCDE"), _ballots(groups, "ABCDE"))
    assert result.ballots == 45
    assert [(o.label, o.rank) for o in result.options] == [
        ("E", 1), ("A", 2), ("C", 3), ("B", 4), ("D", 5),
    ]  # fmt: skip
    assert [o.label for o in result.winners] == ["E"]


def test_the_tennessee_capital_example_for_borda_and_condorcet() -> None:
    # https://en.wikipedia.org/wiki/Borda_count#Example (per 100 voters): Borda points
    # Nashville 194, Chattanooga 173, Memphis 126, Knoxville 107; with n-1 = 3 points per
    # ballot, the symmetric score is 2 * points - 3 * 100.
    labels = ["Memphis", "Nashville", "Chattanooga", "Knoxville"]
    groups = [(42, "MNCK"), (26, "NCKM"), (15, "CKNM"), (17, "KCNM")]
    result = poll_count.count(labels, _ballots(groups, "MNCK"))
    borda = {o.label: o.borda for o in result.options}
    assert borda == {"Nashville": 88, "Chattanooga": 46, "Memphis": -48, "Knoxville": -86}
    # Nashville is the Condorcet winner; the Condorcet order is N > C > K > M.
    assert [o.label for o in result.options] == ["Nashville", "Chattanooga", "Knoxville", "Memphis"]
    assert {o.label: o.first for o in result.options}["Memphis"] == 42


def test_truncated_ballots_put_ranked_options_above_unranked_ones() -> None:
    labels = [f"initiative {i}" for i in range(45)]
    ballots = [[3, 7]] * 6 + [[7, 3, 11]] * 5 + [[11]] * 2
    result = poll_count.count(labels, ballots)
    top = [(o.label, o.rank) for o in result.options[:4]]
    assert top == [
        ("initiative 3", 1), ("initiative 7", 2), ("initiative 11", 3), ("initiative 0", 4),
    ]  # fmt: skip
    # Everything nobody ranked is tied below.
    assert {o.rank for o in result.options[3:]} == {4}
    assert {o.label: o.ranked_by for o in result.options}["initiative 11"] == 7


def test_no_ballots_yet_means_no_winner() -> None:
    result = poll_count.count(["a", "b"], [])
    assert result.ballots == 0 and result.winners == ()


def test_a_ballot_with_unknown_or_repeated_options_is_refused_with_a_reason() -> None:
    assert polls.clean_ballot(["2", "0"], 3) == (2, 0)
    with pytest.raises(FieldError, match="not an option"):
        polls.clean_ballot(["3"], 3)
    with pytest.raises(FieldError, match="not an option"):
        polls.clean_ballot(["²"], 3)
    with pytest.raises(FieldError, match="only once"):
        polls.clean_ballot(["1", "1"], 3)
    with pytest.raises(FieldError, match="at most 3"):
        polls.clean_ballot(["0", "1", "2", "0"], 3)
    with pytest.raises(FieldError, match="at least one"):
        polls.clean_ballot([], 3)


def test_the_poll_form_names_each_bad_field() -> None:
    data, errors = polls.clean_poll("", "only one", "9", [1, 2])
    assert data is None
    assert set(errors) == {"title", "options", "session"}
    data, errors = polls.clean_poll("Priorities", "A\n\n b \nC", "", [1])
    assert data == polls.PollData("Priorities", ("A", "b", "C"), None)
    _, errors = polls.clean_poll("P", "\n".join(f"o{i}" for i in range(51)), "", [])
    assert "at most 50" in errors["options"]
    _, errors = polls.clean_poll("P", "Same\nsame", "", [])
    assert "twice" in errors["options"]


def test_poll_status_follows_the_organisers_actions() -> None:
    status = polls.PollStatus.DRAFT
    history = [status]
    for action in ("open", "close", "open", "close", "publish"):
        status = polls.next_status(status, action)
        history.append(status)
    assert [s.value for s in history] == [
        "draft", "open", "closed", "open", "closed", "published",
    ]  # fmt: skip
    with pytest.raises(polls.PollTransitionError):
        polls.next_status(polls.PollStatus.DRAFT, "publish")

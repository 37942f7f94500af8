"""Counting ranked ballots: Schulze for the order, Borda beside it.

The counting is pref-voting's (a well-kept library of voting methods, tested against the
literature): ``beat_path_defeat`` is the Schulze (beat path) defeat relation, and
``borda_scores`` with truncated ballots is the symmetric Borda count. Truncated ballots use
the extended strict preference: an option ranked on a ballot beats every option the ballot
leaves out, and options left out are tied.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Ballot = Sequence[int]  # option numbers, best first


@dataclass(frozen=True)
class OptionResult:
    option: int
    label: str
    rank: int  # Schulze rank, 1 = best; options that neither beats share a rank
    borda: int  # symmetric Borda: options ranked below minus options ranked above, summed
    ranked_by: int  # ballots that ranked this option at all
    first: int  # ballots that ranked it first


@dataclass(frozen=True)
class PollResult:
    ballots: int
    options: tuple[OptionResult, ...]  # in Schulze order, then by Borda, then as listed

    @property
    def winners(self) -> tuple[OptionResult, ...]:
        return tuple(o for o in self.options if o.rank == 1) if self.ballots else ()


def count(labels: Sequence[str], ballots: Sequence[Ballot]) -> PollResult:
    """The Schulze order and Borda scores of ``ballots`` over the options ``labels``."""
    n = len(labels)
    ranked_by = [0] * n
    first = [0] * n
    for ballot in ballots:
        for option in ballot:
            ranked_by[option] += 1
        if ballot:
            first[ballot[0]] += 1
    if not ballots:
        rows = [OptionResult(i, labels[i], 1, 0, 0, 0) for i in range(n)]
        return PollResult(0, tuple(rows))

    # Imported here: pref-voting pulls in scipy and networkx, which only counting needs.
    from pref_voting.margin_based_methods import beat_path_defeat
    from pref_voting.profiles_with_ties import ProfileWithTies

    profile = ProfileWithTies(
        [{option: place for place, option in enumerate(b, start=1)} for b in ballots],
        candidates=list(range(n)),
    )
    profile.use_extended_strict_preference()
    defeats = beat_path_defeat(profile)
    # The beat-path relation is a strict partial order: an option's rank is one more than
    # the number of options that defeat it, so tied options share a rank.
    rank = [1 + defeats.in_degree(i) if i in defeats else 1 for i in range(n)]
    borda = profile.borda_scores()
    rows = [
        OptionResult(i, labels[i], rank[i], int(borda[i]), ranked_by[i], first[i]) for i in range(n)
    ]
    rows.sort(key=lambda r: (r.rank, -r.borda, r.option))
    return PollResult(len(ballots), tuple(rows))

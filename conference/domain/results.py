"""The event's results as Markdown, ready to paste into a wiki page.

Pure: counts and poll results in, text out. Nothing personal goes in: attendance is counts
per session and language, and poll results come from anonymous ballots.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .poll_count import PollResult

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-!|<>])")


def escape(text: str) -> str:
    """Text that Markdown shows as typed (no links, emphasis, tables or HTML from names)."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


@dataclass(frozen=True)
class Attendance:
    session: str
    language: str  # the registrant's first language, as its name
    registrants: int


@dataclass(frozen=True)
class BreakoutSummary:
    session: str
    room: str
    summary: str
    notes: str


@dataclass(frozen=True)
class PollSummary:
    title: str
    scope: str  # "the whole event" or a session's title, already in the reader's language
    overall: PollResult
    rooms: Sequence[tuple[str, PollResult]]


def markdown(
    conference: str,
    polls: Sequence[PollSummary],
    attendance: Sequence[Attendance],
    words: dict[str, str],
    breakouts: Sequence[BreakoutSummary] = (),
) -> str:
    """The results page. ``words`` holds the headings, translated by the caller."""
    out = [f"# {escape(conference)}: {escape(words['results'])}", ""]
    out += [f"## {escape(words['polls'])}", ""]
    if not polls:
        out += [escape(words["no_polls"]), ""]
    for poll in polls:
        out += [f"### {escape(poll.title)}", ""]
        out += [f"{escape(poll.scope)} · {poll.overall.ballots} {escape(words['ballots'])}", ""]
        out += _table(poll.overall, words)
        for room, result in poll.rooms:
            if len(poll.rooms) > 1:
                out += [f"#### {escape(room or words['main_room'])} ({result.ballots})", ""]
                out += _table(result, words, limit=5)
    if breakouts:
        out += [f"## {escape(words['breakouts'])}", ""]
        for breakout in breakouts:
            out += [f"### {escape(breakout.session)}: {escape(breakout.room)}", ""]
            summary = breakout.summary
            out += [_quoted(summary) if summary else escape(words["no_summary"]), ""]
            if breakout.notes.strip():
                out += [f"#### {escape(words['notes'])}", "", _quoted(breakout.notes), ""]
    out += [f"## {escape(words['attendance'])}", ""]
    out += [
        f"| {escape(words['session'])} | {escape(words['language'])} | {escape(words['registrants'])} |"
    ]
    out += ["|---|---|---:|"]
    for row in attendance:
        out += [f"| {escape(row.session)} | {escape(row.language)} | {row.registrants} |"]
    out.append("")
    out += [escape(words["method"]), ""]
    return "\n".join(out)


def _quoted(text: str) -> str:
    """Several lines as a Markdown quote, each line escaped."""
    return "\n".join("> " + escape(line) if line.strip() else ">" for line in text.splitlines())


def _table(result: PollResult, words: dict[str, str], limit: int | None = None) -> list[str]:
    rows = [
        f"| {escape(words['rank'])} | {escape(words['option'])} | Borda | {escape(words['ranked_by'])} |",
        "|---:|---|---:|---:|",
    ]
    for option in result.options[:limit]:
        rows.append(
            f"| {option.rank} | {escape(option.label)} | {option.borda} | {option.ranked_by} |"
        )
    return [*rows, ""]

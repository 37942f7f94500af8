"""The organiser's live board for one room: a pure projection of its booths and listeners."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from interpretation.domain.booth import Booth, BoothState
from interpretation.domain.channel import ListenerChoice, RelayPath, RoomChannels
from interpretation.domain.fade import FadeDecision, FadeReason


class ProblemKind(StrEnum):
    NO_INTERPRETER = "no_interpreter"
    NOBODY_ON_AIR = "nobody_on_air"
    INTERPRETER_DROPPED = "interpreter_dropped"
    PIVOT_SILENT = "pivot_silent"
    PIVOT_IN_RETOUR = "pivot_in_retour"
    NO_CHANNEL = "no_channel"


@dataclass(frozen=True)
class Problem:
    kind: ProblemKind
    booth: str | None  # the booth to look at; None for listeners without a channel
    text: str  # a sentence for the organiser (English; the web layer may translate by kind)


@dataclass(frozen=True)
class ChannelRow:
    language: str
    booth: str | None
    state: BoothState | None  # None for the original
    on_air: str | None
    audible: bool
    source: str
    active: bool
    listeners: int
    floor_up: FadeReason | None  # why listeners hear the floor at full level, if they do


@dataclass(frozen=True)
class Board:
    room_id: str
    channels: list[ChannelRow]
    listeners: dict[str, int]  # language (or "original") -> listeners who chose it
    relays: list[RelayPath]
    problems: list[Problem]


def live_board(
    channels: RoomChannels,
    choices: Mapping[str, ListenerChoice],
    floor_speaking: bool,
    fades: Mapping[str, FadeDecision] | None = None,
    sign_viewers: Mapping[str, int] | None = None,
) -> Board:
    """The board now: ``choices`` maps listener id to choice, ``fades`` booth id to decision.

    ``sign_viewers``: how many watch each sign-language channel (chosen apart from the audio).
    """
    counts = Counter(choice.language for choice in choices.values())
    offered = channels.languages()
    listeners = {lang: counts[lang] for lang in offered}
    listeners |= {lang: n for lang, n in sorted(counts.items()) if lang not in listeners}
    signed = set(channels.sign_languages())
    rows = []
    for channel in channels.channels():
        booth = None if channel.booth is None else channels.booth(channel.booth)
        fade = None if booth is None or fades is None else fades.get(booth.booth_id)
        rows.append(
            ChannelRow(
                language=channel.language,
                booth=channel.booth,
                state=None if booth is None else booth.state,
                # A bi-active booth's other language is filled by the floor: nobody is on air in it.
                on_air=None if booth is None or not channel.active else booth.on_air,
                audible=(booth.audible and channel.active) if booth is not None else floor_speaking,
                source=channel.source,
                active=channel.active,
                listeners=(
                    (sign_viewers or {}).get(channel.language, 0)
                    if channel.language in signed
                    else listeners[channel.language]
                ),
                floor_up=fade.reason if fade is not None and fade.floor_up else None,
            )
        )
    problems = [
        p for booth in channels.booths for p in _booth_problems(channels, booth, floor_speaking)
    ]
    problems += [
        Problem(
            ProblemKind.NO_CHANNEL, None, f"{_listeners(n)} chose {lang}, which no booth offers."
        )
        for lang, n in listeners.items()
        if lang not in offered and n
    ]
    return Board(channels.room_id, rows, listeners, channels.relay_paths(), problems)


def _booth_problems(channels: RoomChannels, booth: Booth, floor_speaking: bool) -> list[Problem]:
    name = booth.booth_id
    if not booth.members:
        text = f"The {name} booth has no assigned interpreter."
        return [Problem(ProblemKind.NO_INTERPRETER, name, text)]
    problems = []
    if booth.state is BoothState.DROPPED:
        text = f"The {name} booth lost the connection of {booth.on_air}, who was on air."
        problems.append(Problem(ProblemKind.INTERPRETER_DROPPED, name, text))
    elif booth.state is BoothState.IDLE and floor_speaking:
        text = f"The {name} booth has nobody on air while the floor speaks."
        problems.append(Problem(ProblemKind.NOBODY_ON_AIR, name, text))
    relay = booth.relay_language
    pivot = None if relay is None else channels.booth_for(relay)
    if relay is None or pivot is None:
        return problems
    if pivot.output_language != relay:
        text = (
            f"The {name} booth takes relay from {relay}, "
            f"but the {pivot.booth_id} booth is working into {pivot.output_language}."
        )
        problems.append(Problem(ProblemKind.PIVOT_IN_RETOUR, name, text))
    elif floor_speaking and pivot.state in (BoothState.IDLE, BoothState.DROPPED):
        text = (
            f"The {name} booth takes relay from {relay}, "
            f"but nobody is on air in the {pivot.booth_id} booth."
        )
        problems.append(Problem(ProblemKind.PIVOT_SILENT, name, text))
    return problems


def _listeners(n: int) -> str:
    return "1 listener" if n == 1 else f"{n} listeners"

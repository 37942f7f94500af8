"""Which of a room's sources are captioned automatically, and whose voice each one hears (no I/O).

The organiser turns automatic captions on per session and per source:

- the floor (``"floor"``), captioned in the session's floor language: every speaker on the
  room's floor, each decoded once (``MediaRouter.set_floor_tap``);
- a booth's output (``"booth:<language>"``), captioned in that language: the voice a listener
  of that language hears in the channel slot, which is whoever holds the booth's air
  (``MediaRouter.set_voice_tap``). The interpretation layer says whose voice that is after
  every change (``Interpretation.voice_watchers``): after a handover the same source, and the
  same worker, go on with the partner's voice; while nobody is on air the source is silent
  and nothing is captioned.

A booth output in the floor's own language (a booth in retour into it) is not captioned as a
booth: its captions would mix with the floor's under one caption language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["FLOOR", "Choice", "booth_source", "voice_of", "wanted"]

FLOOR = "floor"
_BOOTH = "booth:"


@dataclass(frozen=True)
class Choice:
    """The organiser's switch for one session: the floor's language (None: off) and the booth
    output languages turned on."""

    floor: str | None = None
    booths: frozenset[str] = frozenset()


def booth_source(language: str) -> str:
    return f"{_BOOTH}{language}"


def wanted(choice: Choice) -> dict[str, str]:
    """The captioned sources (``"floor"``, ``"booth:<language>"``) and the language of each."""
    out: dict[str, str] = {}
    if choice.floor:
        out[FLOOR] = choice.floor
    for language in sorted(choice.booths):
        if language and language != choice.floor:
            out[booth_source(language)] = language
    return out


def voice_of(source: str, voices: Mapping[str, str | None]) -> str | None:
    """The seat whose microphone a booth source hears now (None: nobody on air, or the floor)."""
    if not source.startswith(_BOOTH):
        return None
    return voices.get(source[len(_BOOTH) :])

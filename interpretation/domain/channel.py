"""The channels a session offers and what a listener hears on the one they chose.

A session (or a breakout room) offers the original, which is the floor, plus one channel
per language of each open booth. A bi-active booth offers both of its languages. Only the
one it works into now carries an interpreter. The other one is the floor's language at
that moment, so its listeners hear the floor at full level (reason ``retour``).

A sign-language booth's channel is seen, not heard: a viewer picks it separately from the
language they listen in (:meth:`RoomChannels.choose_sign`), it carries the on-air
interpreter's picture, and no floor fade applies to it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from interpretation.domain.booth import FLOOR, RELAY, Booth, parse_source
from interpretation.domain.errors import (
    InvalidChoice,
    InvalidSetup,
    InvalidSource,
    UnknownLanguage,
)
from interpretation.domain.fade import FadeDecision, FadeReason

ORIGINAL = "original"
DEFAULT_BALANCE = 0.85  # the floor well under the interpreter (about -10 dB)


@dataclass(frozen=True)
class Channel:
    language: str  # ORIGINAL for the floor
    booth: str | None  # the booth that feeds it; None for the floor
    source: str  # what that booth works from: FLOOR or "relay:<language>"
    active: bool  # False for a bi-active booth's other language: the floor fills it
    sign: bool = False  # a sign-language channel: a picture, chosen apart from the audio


@dataclass(frozen=True)
class RelayPath:
    """The ``booth`` works from the ``pivot`` booth's ``language`` output, not the floor."""

    pivot: str
    language: str
    booth: str


@dataclass(frozen=True)
class ListenerChoice:
    """A language, or the original; balance runs from 0 (floor only) to 1 (interpreter only)."""

    language: str = ORIGINAL
    balance: float = DEFAULT_BALANCE

    def __post_init__(self) -> None:
        if not (0.0 <= self.balance <= 1.0) or math.isnan(self.balance):
            raise InvalidChoice("the balance runs from 0 (floor only) to 1 (interpreter only)")

    @property
    def original_only(self) -> bool:
        return self.language == ORIGINAL


@dataclass(frozen=True)
class Mix:
    """The gains a listener's player applies, and why the floor is up if it is."""

    floor: float
    interpreter: float
    reason: FadeReason | None = None


def balance_gains(balance: float) -> tuple[float, float]:
    """(floor, interpreter) gains: both full in the middle, one fading out towards each end."""
    return min(1.0, 2.0 * (1.0 - balance)), min(1.0, 2.0 * balance)


class RoomChannels:
    """The booths of one session or breakout room, and the relay paths between them."""

    def __init__(self, room_id: str, booths: Iterable[Booth]) -> None:
        self.room_id = room_id
        self.booths = tuple(booths)
        covered: dict[str, str] = {}
        for booth in self.booths:
            if booth.room_id != room_id:
                raise InvalidSetup(f"the {booth.booth_id} booth belongs to another session")
            for language in booth.languages:
                if language in covered:
                    raise InvalidSetup(f"two booths work into {language}")
                covered[language] = booth.booth_id
        for booth in self.booths:
            self._check_source(booth, booth.source)

    def booth(self, booth_id: str) -> Booth:
        for booth in self.booths:
            if booth.booth_id == booth_id:
                return booth
        raise UnknownLanguage(f"the session has no {booth_id} booth")

    def booth_for(self, language: str) -> Booth | None:
        """The booth that works into ``language``, if the session has one."""
        return next((b for b in self.booths if language in b.languages), None)

    def languages(self) -> tuple[str, ...]:
        """What a listener can choose to hear, the original first (no sign language)."""
        spoken = (lang for booth in self.booths if not booth.signs for lang in booth.languages)
        return (ORIGINAL, *spoken)

    def sign_languages(self) -> tuple[str, ...]:
        """The sign-language channels a viewer can choose to see."""
        return tuple(lang for booth in self.booths if booth.signs for lang in booth.languages)

    def channels(self) -> list[Channel]:
        floor = Channel(ORIGINAL, None, FLOOR, True)
        return [floor] + [
            Channel(lang, booth.booth_id, booth.source, lang == booth.output_language, booth.signs)
            for booth in self.booths
            for lang in booth.languages
        ]

    def relay_paths(self) -> list[RelayPath]:
        paths = []
        for booth in self.booths:
            relay = booth.relay_language
            pivot = None if relay is None else self.booth_for(relay)
            if relay is not None and pivot is not None:
                paths.append(RelayPath(pivot.booth_id, relay, booth.booth_id))
        return paths

    def set_source(self, booth_id: str, who: str, source: str) -> None:
        """The console's source selector, with the checks that need the other booths."""
        booth = self.booth(booth_id)
        booth.require_member(who, "change the source")
        self._check_source(booth, source)
        booth.set_source(who, source)

    def choose(self, language: str, balance: float = DEFAULT_BALANCE) -> ListenerChoice:
        if language in self.sign_languages():
            raise UnknownLanguage(
                f"{language} is a sign-language channel: choose it as one, not to listen to"
            )
        if language not in self.languages():
            raise UnknownLanguage(f"the session offers no {language} channel")
        return ListenerChoice(language, balance)

    def choose_sign(self, language: str | None) -> str | None:
        """A viewer's sign-language channel (``None``: none), whatever they listen to."""
        if language is not None and language not in self.sign_languages():
            raise UnknownLanguage(f"the session offers no {language} sign-language channel")
        return language

    def mix(self, choice: ListenerChoice, fades: Mapping[str, FadeDecision]) -> Mix:
        """What the listener hears, given each booth's floor-fade decision by booth id."""
        if choice.original_only:
            return Mix(1.0, 0.0)
        booth = self.booth_for(choice.language)
        if booth is None:
            return Mix(1.0, 0.0, FadeReason.NO_BOOTH)
        if booth.output_language != choice.language:
            return Mix(1.0, 0.0, FadeReason.RETOUR)
        floor, interpreter = balance_gains(choice.balance)
        fade = fades.get(booth.booth_id)
        if fade is not None and fade.floor_up:
            return Mix(1.0, interpreter, fade.reason)
        return Mix(floor, interpreter)

    def _check_source(self, booth: Booth, source: str) -> None:
        relay = parse_source(source)
        name = booth.booth_id
        if relay is None:
            return
        if relay in booth.languages:
            raise InvalidSource(f"the {name} booth cannot take relay from itself")
        pivot = self.booth_for(relay)
        if pivot is None:
            raise InvalidSource(f"the {name} booth cannot take relay from {relay}: no such booth")
        if pivot.signs:
            raise InvalidSource(
                f"the {name} booth cannot take relay from {relay}: "
                "a sign-language booth's output is a picture, not a voice"
            )
        if pivot.relay_language is not None:
            raise InvalidSource(
                f"the {name} booth cannot take relay from {relay}: "
                f"the {pivot.booth_id} booth itself takes relay (no relay of a relay)"
            )
        takers = [b.booth_id for b in self.booths if b.relay_language in booth.languages]
        if takers:
            raise InvalidSource(
                f"the {name} booth is the pivot for {', '.join(takers)}: it works from the floor"
            )


def relay_source(language: str) -> str:
    return f"{RELAY}{language}"

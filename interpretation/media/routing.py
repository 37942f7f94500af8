"""Who feeds whose channel slot: the routing policy of one room's booths, pure.

Every seat has one channel slot (rooms/media/slots.py). The policy fills it:

- a listener who chose a language hears the interpreter on air in the booth working
  into it now (nobody while the booth works into its other language: retour);
- the floor ("original") fills no channel slot: the floor slots carry it;
- an interpreter on air hears the pivot booth's interpreter when the booth works from
  relay (the floor otherwise, in the floor slots);
- a partner off air hears the colleague on air (to follow and take over), or, with
  nobody on air, the relay the booth works from.

One slot cannot carry the relay and the partner at once: the partner of a relay booth
hears the colleague (who already speaks from that relay), never both.

Sign-language booths fill pinned video slots instead (rooms/media/slots.py):

- a viewer who chose a sign-language channel sees the interpreter on air in that booth
  (nobody while nobody is on air); after a handover, the partner;
- a sign-language interpreter hears the floor, or the relay its booth works from; the
  partner off air sees the colleague on air. Their microphones fill nobody's channel.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from interpretation.domain import Booth, ListenerChoice, RoomChannels


@dataclass(frozen=True)
class Routes:
    channel: dict[str, str | None]  # seat id -> the seat id whose mic fills its channel slot
    muted: dict[str, bool]  # booth member seats -> whether their mic is held back (cough)
    pinned: dict[str, tuple[str, ...]] = field(default_factory=dict)  # seat -> cameras it pins
    signers: frozenset[str] = frozenset()  # seats of sign-language interpreters: camera shown


def _voice(booth: Booth | None, seats: Mapping[str, str]) -> str | None:
    """The seat of whoever holds the booth's air, if they have a seat here."""
    if booth is None or booth.on_air is None:
        return None
    return seats.get(booth.on_air)


def _relay_feed(channels: RoomChannels, booth: Booth, seats: Mapping[str, str]) -> str | None:
    relay = booth.relay_language
    if relay is None:
        return None
    pivot = channels.booth_for(relay)
    if pivot is None or pivot.output_language != relay:
        return None
    return _voice(pivot, seats)


def voices(channels: RoomChannels, seats: Mapping[str, str]) -> dict[str, str | None]:
    """Each spoken language a booth works into now -> the seat of its voice on air.

    What a listener of that language hears in the channel slot, as one source (automatic
    captions of a booth's output, ``rooms.autocaptions``): it follows handovers, and is None
    while nobody in the booth is on air (or the one on air has no seat: dropped). A booth
    working into its other language (retour) is that language's voice, not its own's.
    """
    out: dict[str, str | None] = {}
    for booth in channels.booths:
        if booth.signs:
            continue  # a picture, not a voice: nothing to caption
        voice = _voice(booth, seats)
        if out.get(booth.output_language) is None:
            out[booth.output_language] = voice
    return out


def signers(channels: RoomChannels, seats: Mapping[str, str]) -> dict[str, str | None]:
    """Each sign language a booth works into now -> the seat of its signer on air.

    What a viewer of that language sees in a pinned video slot, as one camera (the relay to
    a session's edges, ``rooms.cluster.relay_node``): it follows handovers, and is None
    while nobody in the booth is on air.
    """
    out: dict[str, str | None] = {}
    for booth in channels.booths:
        if booth.signs:
            for language in booth.languages:
                if out.get(language) is None:
                    out[language] = _voice(booth, seats)
    return out


def routes(
    channels: RoomChannels,
    seats: Mapping[str, str],
    choices: Mapping[str, ListenerChoice],
    coughing: frozenset[str] = frozenset(),
    sign_choices: Mapping[str, str] | None = None,
) -> Routes:
    """The channel slot and pinned video slots of every listener and booth member of one room.

    ``seats`` maps booth members (person ids) to their seats in the room, ``choices``
    maps listener seats to their choice, ``coughing`` holds the person ids coughing now,
    ``sign_choices`` maps viewer seats to the sign-language channel they chose.
    """
    out: dict[str, str | None] = {}
    for seat, choice in choices.items():
        source: str | None = None
        if not choice.original_only:
            booth = channels.booth_for(choice.language)
            if booth is not None and booth.output_language == choice.language:
                source = _voice(booth, seats)
        out[seat] = None if source == seat else source
    pinned: dict[str, tuple[str, ...]] = {}
    for seat, language in (sign_choices or {}).items():
        signer = _voice(channels.booth_for(language), seats)
        pinned[seat] = () if signer is None or signer == seat else (signer,)
    muted: dict[str, bool] = {}
    signers: set[str] = set()
    for booth in channels.booths:
        relay = _relay_feed(channels, booth, seats)
        for person in booth.members:
            member_seat = seats.get(person)
            if member_seat is None:
                continue
            on_air = person == booth.on_air
            if booth.signs:
                # Signers hear the floor or the relay, and watch each other, not listen.
                out[member_seat] = relay
                signers.add(member_seat)
                signer = _voice(booth, seats)
                pinned[member_seat] = () if on_air or signer is None else (signer,)
            elif on_air:
                out[member_seat] = relay
            else:
                out[member_seat] = _voice(booth, seats) or relay
            muted[member_seat] = person in coughing and on_air
    return Routes(out, muted, pinned, frozenset(signers))

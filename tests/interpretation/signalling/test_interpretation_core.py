"""The interpretation core without sockets: inputs in, effects out, with a fake clock.

No uvicorn, aiortc or database: rooms are plain dictionaries (tests/support/rooms_view.py)
and ``carry_out`` does to them what the registry does for the rooms-side effects.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from interpretation.domain import Booth, BoothState
from interpretation.domain.channel import balance_gains
from interpretation.domain.fade import FadeEvent, FloorLevel
from interpretation.signalling import messages as m
from interpretation.signalling.core import InterpretationCore
from interpretation.signalling.effects import (
    BoothSigners,
    BoothVoices,
    Effect,
    ListenOnly,
    LoadBooths,
    LoadNames,
    MediaLowData,
    Place,
    PublishSeat,
    Reply,
    SaveSnapshot,
    SetChannel,
    WakeAt,
)
from interpretation.signalling.state import BoothSpec
from rooms.signalling.errors import Forbidden
from rooms.signalling.seat_events import SeatBack, SeatLeft, SeatLost
from tests.support.rooms_view import FakeClock, Rooms

pytestmark = pytest.mark.unit

HOLD = 3.0
FLOOR, VOICE = balance_gains(0.85)


def carry_out(rooms: Rooms, effects: Sequence[Effect]) -> None:
    """The registry's part of the driver: channels, listen-only and moves."""
    for effect in effects:
        if isinstance(effect, SetChannel):
            rooms.seats[effect.seat_id].channel = effect.source
        elif isinstance(effect, ListenOnly):
            rooms.seats[effect.seat_id].listen_only = effect.on
        elif isinstance(effect, Place):
            rooms.move(rooms.seats[effect.seat_id], effect.room_id)


def channels_set(effects: Sequence[Effect]) -> dict[str, str | None]:
    return {e.seat_id: e.source for e in effects if isinstance(e, SetChannel)}


def sent(effects: Sequence[Effect], seat_id: str, kind: type[m.ServerMessage]) -> list[object]:
    return [
        e.message
        for e in effects
        if isinstance(e, PublishSeat) and e.seat_id == seat_id and isinstance(e.message, kind)
    ]


class Event:
    """A main room with an es/en booth (Ivan, Iris) and a fr booth (Fay), and Lea listening."""

    def __init__(self, stored: bool = False) -> None:
        self.clock = FakeClock()
        self.rooms = Rooms()
        self.rooms.add("main")
        self.core = InterpretationCore(stored=stored, hold=HOLD)
        self.seat = {
            "olga": self.rooms.sit("s-olga", "olga", "main", "organiser"),
            "lea": self.rooms.sit("s-lea", "lea", "main"),
            "ivan": self.rooms.sit("s-ivan", "ivan", "main", "interpreter"),
            "iris": self.rooms.sit("s-iris", "iris", "main", "interpreter"),
            "fay": self.rooms.sit("s-fay", "fay", "main", "interpreter"),
        }

    def send(self, who: str, message: m.ClientMessage) -> list[Effect]:
        effects = self.core.receive(self.rooms, self.seat[who], message, self.clock.now())
        carry_out(self.rooms, effects)
        return effects

    def open_booths(self) -> None:
        self.send("olga", m.BoothOpen(room_id="main", languages=["es", "en"], members=["ivan", "iris"]))  # fmt: skip
        self.send("olga", m.BoothOpen(room_id="main", languages=["fr"], members=["fay"]))
        for who in ("ivan", "iris", "fay"):
            self.send(who, m.BoothEnter(room_id="main"))

    def event(self, effects: list[Effect]) -> list[Effect]:
        carry_out(self.rooms, effects)
        return effects

    def booth(self, booth_id: str) -> Booth:
        return self.core.rooms["main"].channels.booth(booth_id)


def test_entering_the_booth_makes_the_console_listen_only_on_the_original_stream() -> None:
    live = Event()
    live.send("olga", m.BoothOpen(room_id="main", languages=["es"], members=["ivan"]))
    effects = live.send("ivan", m.BoothEnter(room_id="main"))
    assert effects[:2] == [ListenOnly("s-ivan", True), MediaLowData("s-ivan", False)]
    assert not any(isinstance(e, Place) for e in effects)  # already in the room
    (state,) = sent(effects, "s-ivan", m.BoothState)
    assert isinstance(state, m.BoothState)
    assert (state.booth, state.state, state.on_air, state.you) == ("es", "idle", None, "ivan")
    assert live.seat["ivan"].listen_only
    assert effects[-2:] == [WakeAt("main", live.clock.t + HOLD), SaveSnapshot()]


def test_handover_moves_the_listeners_channel_to_the_partner_without_a_gap() -> None:
    live = Event()
    live.open_booths()
    live.send("lea", m.SelectLanguage(language="es"))
    assert channels_set(live.send("ivan", m.OnAir(on=True))) == {"s-lea": "s-ivan", "s-iris": "s-ivan"}  # fmt: skip

    live.clock.advance(600)
    live.send("iris", m.Handover(action="request"))
    assert live.booth("es-en").state is BoothState.HANDOVER_REQUESTED
    effects = live.send("ivan", m.Handover(action="accept"))
    # Lea hears Iris at once, Ivan (off air now) follows his partner, and no floor comes up.
    assert channels_set(effects) == {"s-lea": "s-iris", "s-iris": None, "s-ivan": "s-iris"}
    assert live.booth("es-en").on_air == "iris"
    assert [t.to_state for t in live.booth("es-en").history] == [
        BoothState.ON_AIR, BoothState.HANDOVER_REQUESTED, BoothState.ON_AIR,
    ]  # fmt: skip
    assert live.core.rooms["main"].fades["es-en"].level is FloorLevel.UNDER
    assert sent(effects, "s-lea", m.MixSet) == []  # her mix did not change: nothing to send


def voices_told(effects: Sequence[Effect]) -> list[dict[str, str | None]]:
    return [dict(e.voices) for e in effects if isinstance(e, BoothVoices)]


def test_the_booth_outputs_are_told_when_their_voice_changes_and_only_then() -> None:
    """What automatic captions of a booth's output follow (rooms.autocaptions)."""
    live = Event()
    live.open_booths()
    assert voices_told(live.send("ivan", m.OnAir(on=True))) == [{"es": "s-ivan", "fr": None}]
    assert voices_told(live.send("lea", m.SelectLanguage(language="es"))) == []  # unchanged
    live.send("iris", m.Handover(action="request"))
    effects = live.send("ivan", m.Handover(action="accept"))
    assert voices_told(effects) == [{"es": "s-iris", "fr": None}]
    assert [e.room_id for e in effects if isinstance(e, BoothVoices)] == ["main"]
    assert voices_told(live.send("iris", m.OnAir(on=False))) == [{"es": None, "fr": None}]


def signers_told(effects: Sequence[Effect]) -> list[dict[str, str | None]]:
    return [dict(e.signers) for e in effects if isinstance(e, BoothSigners)]


def test_the_signers_on_air_are_told_when_they_change_and_only_then() -> None:
    """What the relay to a session's edges follows (rooms.cluster.relay_node)."""
    live = Event()
    live.open_booths()  # spoken booths only: no signer is ever told
    assert signers_told(live.send("ivan", m.OnAir(on=True))) == []
    for who in ("sam", "sue"):
        live.seat[who] = live.rooms.sit(f"s-{who}", who, "main", "interpreter")
    live.send("olga", m.BoothOpen(room_id="main", languages=["ase"], members=["sam", "sue"]))
    for who in ("sam", "sue"):
        live.send(who, m.BoothEnter(room_id="main"))
    assert signers_told(live.send("sam", m.OnAir(on=True))) == [{"ase": "s-sam"}]
    assert signers_told(live.send("lea", m.SelectLanguage(language="es"))) == []  # unchanged
    live.send("sue", m.Handover(action="request"))
    assert signers_told(live.send("sam", m.Handover(action="accept"))) == [{"ase": "s-sue"}]
    assert signers_told(live.send("sue", m.OnAir(on=False))) == [{"ase": None}]


def test_relay_the_french_booth_hears_the_spanish_voice_and_its_listeners_hear_fay() -> None:
    live = Event()
    live.open_booths()
    live.send("fay", m.BoothSource(source="relay:es"))
    live.send("lea", m.SelectLanguage(language="fr"))
    live.send("fay", m.OnAir(on=True))
    assert live.seat["lea"].channel == "s-fay"
    assert live.seat["fay"].channel is None  # nobody on air in the pivot booth yet
    effects = live.send("ivan", m.OnAir(on=True))
    assert channels_set(effects) == {"s-fay": "s-ivan", "s-iris": "s-ivan"}
    assert live.seat["lea"].channel == "s-fay"
    (state,) = sent(effects, "s-fay", m.BoothState)
    assert isinstance(state, m.BoothState)
    # Olga (an organiser, unmuted) speaks on the floor, and Ivan now on the relay.
    assert (state.source, state.live_sources) == ("relay:es", ["floor", "relay:es"])


def test_the_floor_comes_up_hold_seconds_after_the_interpreter_on_air_drops() -> None:
    live = Event()
    live.open_booths()
    live.send("lea", m.SelectLanguage(language="es"))
    live.send("ivan", m.OnAir(on=True))
    dropped_at = live.clock.advance(10)

    effects = live.event(live.core.seat_event(live.rooms, SeatLost("main", "s-ivan"), dropped_at))
    assert live.booth("es-en").state is BoothState.DROPPED
    assert WakeAt("main", dropped_at + HOLD) in effects
    assert sent(effects, "s-lea", m.MixSet) == []  # still under, for the hold

    live.clock.advance(HOLD)
    effects = live.event(live.core.tick(live.rooms, "main", live.clock.now()))
    assert sent(effects, "s-lea", m.MixSet) == [
        m.MixSet(language="es", balance=0.85, floor=1.0, interpreter=VOICE,
                 reason="interpreter_dropped"),
    ]  # fmt: skip
    fade = live.core.rooms["main"].fades["es-en"]
    assert [(t.event, t.to_level) for t in fade.history] == [
        (FadeEvent.SOMEONE_ON_AIR, FloorLevel.UNDER),
        (FadeEvent.NOBODY_ON_AIR, FloorLevel.HOLDING),
        (FadeEvent.HOLD_ELAPSED, FloorLevel.UP),
    ]

    # Ivan is back within the drop grace: the air is his again and the floor goes under.
    back = live.clock.advance(2)
    effects = live.event(live.core.seat_event(live.rooms, SeatBack("main", "s-ivan"), back))
    assert live.booth("es-en").on_air == "ivan"
    assert sent(effects, "s-lea", m.MixSet) == [
        m.MixSet(language="es", balance=0.85, floor=FLOOR, interpreter=VOICE, reason=None),
    ]


def test_a_listener_who_leaves_loses_the_channel_and_is_forgotten() -> None:
    live = Event()
    live.open_booths()
    live.send("lea", m.SelectLanguage(language="es"))
    live.send("ivan", m.OnAir(on=True))
    effects = live.core.seat_event(live.rooms, SeatLeft("main", "s-lea", "left"), live.clock.t)
    assert SetChannel("s-lea", None) in effects
    assert "s-lea" not in live.core.rooms["main"].choices


def test_stored_booths_are_asked_for_once_and_the_message_then_goes_through() -> None:
    live = Event(stored=True)
    listing = m.ListChannels()
    assert live.send("lea", listing) == [LoadBooths("main", "session-of-main")]
    spec = BoothSpec(("es",), (("ivan", "Iván"),))
    live.core.booths_loaded(live.rooms, "main", [spec], live.clock.t)
    assert live.core.booths_loaded(live.rooms, "main", [spec], live.clock.t) == []  # once
    (channels,) = [e.message for e in live.send("lea", listing) if isinstance(e, Reply)]
    assert isinstance(channels, m.Channels)
    assert [c.language for c in channels.channels] == ["original", "es"]

    opening = m.BoothOpen(room_id="main", languages=["fr"], members=["fay"])
    assert live.send("olga", opening) == [LoadNames(("fay",))]
    live.core.names_loaded(["fay"], {"fay": "Fay Dupont"})
    live.send("olga", opening)
    assert live.core.rooms["main"].names["fay"] == "Fay Dupont"


def test_only_interpreters_send_console_messages_and_only_members_use_a_booth() -> None:
    live = Event()
    live.open_booths()
    with pytest.raises(Forbidden, match="only interpreters"):
        live.send("lea", m.OnAir(on=True))
    outsider = live.rooms.sit("s-otto", "otto", "main", "interpreter")
    live.seat["otto"] = outsider
    with pytest.raises(Forbidden, match="not assigned"):
        live.send("otto", m.OnAir(on=True))


def test_a_snapshot_brings_the_booths_back_with_the_voice_on_air_dropped() -> None:
    live = Event()
    live.open_booths()
    live.send("lea", m.SelectLanguage(language="es"))
    live.send("ivan", m.OnAir(on=True))
    data = live.core.dump()

    after = InterpretationCore(hold=HOLD)
    restarted = live.clock.advance(5)
    effects = after.load(live.rooms, data, restarted)
    booth = after.rooms["main"].channels.booth("es-en")
    assert (booth.state, booth.on_air, booth.dropped_at) == (BoothState.DROPPED, "ivan", restarted)
    assert after.rooms["main"].choices["s-lea"].language == "es"
    assert WakeAt("main", restarted + HOLD) in effects
    assert after.dump() == data  # the same snapshot again: on air is the one who dropped

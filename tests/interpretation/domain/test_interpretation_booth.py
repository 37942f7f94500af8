from __future__ import annotations

import pytest

from interpretation.domain import (
    Booth,
    BoothEvent,
    BoothState,
    HandoverNotPending,
    InvalidSetup,
    InvalidSource,
    InvalidTransition,
    NotInBooth,
    NotOnAir,
    UnknownLanguage,
)

pytestmark = pytest.mark.unit

S = BoothState
E = BoothEvent


def booth(*languages: str, members: tuple[str, ...] = ("ana", "ben")) -> Booth:
    return Booth("s1", languages or ("fr",), members)


class Watched:
    """Runs booth actions and checks after each one that at most one voice is live."""

    def __init__(self, booth: Booth) -> None:
        self.booth = booth
        self.live: list[str | None] = []

    def __call__(self, action: str, *args: object) -> None:
        getattr(self.booth, action)(*args)
        audible = [m for m in self.booth.members if m == self.booth.on_air and self.booth.audible]
        assert len(audible) <= 1
        self.live.append(self.booth.on_air)


def test_on_air_and_off_air() -> None:
    fr = booth()
    fr.go_on_air("ana")
    assert (fr.state, fr.on_air, fr.audible) == (S.ON_AIR, "ana", True)
    fr.go_off_air("ana")
    assert fr.history == [(S.IDLE, E.GO_ON_AIR, S.ON_AIR), (S.ON_AIR, E.GO_OFF_AIR, S.IDLE)]
    assert (fr.on_air, fr.audible) == (None, False)


def test_handover_requested_then_accepted() -> None:
    fr = booth()
    step = Watched(fr)
    step("go_on_air", "ana")
    step("request_handover", "ben")
    assert fr.pending is not None and (fr.pending.by, fr.pending.to) == ("ben", "ana")
    with pytest.raises(HandoverNotPending):
        fr.accept_handover("ben")  # the request waits for the one on air
    step("accept_handover", "ana")
    assert fr.history == [
        (S.IDLE, E.GO_ON_AIR, S.ON_AIR),
        (S.ON_AIR, E.REQUEST_HANDOVER, S.HANDOVER_REQUESTED),
        (S.HANDOVER_REQUESTED, E.ACCEPT_HANDOVER, S.ON_AIR),
    ]
    assert step.live == ["ana", "ana", "ben"]
    assert fr.pending is None


def test_handover_offered_then_accepted_by_the_partner() -> None:
    fr = booth()
    fr.go_on_air("ana")
    fr.offer_handover("ana")
    with pytest.raises(HandoverNotPending):
        fr.accept_handover("ana")  # an offer waits for a partner
    fr.accept_handover("ben")
    assert fr.on_air == "ben"
    assert [t.event for t in fr.history] == [E.GO_ON_AIR, E.OFFER_HANDOVER, E.ACCEPT_HANDOVER]


def test_handover_declined_and_cancelled() -> None:
    fr = booth()
    fr.go_on_air("ana")
    fr.request_handover("ben")
    fr.decline_handover("ana")
    fr.offer_handover("ana", "ben")
    with pytest.raises(HandoverNotPending):
        fr.cancel_handover("ben")  # only who made it cancels it
    fr.cancel_handover("ana")
    assert fr.history == [
        (S.IDLE, E.GO_ON_AIR, S.ON_AIR),
        (S.ON_AIR, E.REQUEST_HANDOVER, S.HANDOVER_REQUESTED),
        (S.HANDOVER_REQUESTED, E.DECLINE_HANDOVER, S.ON_AIR),
        (S.ON_AIR, E.OFFER_HANDOVER, S.HANDOVER_REQUESTED),
        (S.HANDOVER_REQUESTED, E.CANCEL_HANDOVER, S.ON_AIR),
    ]
    assert fr.on_air == "ana"


def test_one_pending_handover_at_a_time() -> None:
    fr = booth(members=("ana", "ben", "cem"))
    fr.go_on_air("ana")
    fr.request_handover("ben")
    with pytest.raises(InvalidTransition, match="one is pending"):
        fr.request_handover("cem")
    with pytest.raises(InvalidTransition, match="one is pending"):
        fr.offer_handover("ana", "cem")
    with pytest.raises(HandoverNotPending):
        fr.decline_handover("cem")


def test_take_over_at_once_never_two_live() -> None:
    fr = booth()
    step = Watched(fr)
    step("go_on_air", "ana")
    step("take_over", "ben")
    step("request_handover", "ana")
    step("take_over", "ana")  # a pending request is overtaken by the take-over
    step("cough_start", "ana")
    step("take_over", "ben")
    assert fr.history == [
        (S.IDLE, E.GO_ON_AIR, S.ON_AIR),
        (S.ON_AIR, E.TAKE_OVER, S.ON_AIR),
        (S.ON_AIR, E.REQUEST_HANDOVER, S.HANDOVER_REQUESTED),
        (S.HANDOVER_REQUESTED, E.TAKE_OVER, S.ON_AIR),
        (S.ON_AIR, E.COUGH_START, S.COUGHING),
        (S.COUGHING, E.TAKE_OVER, S.ON_AIR),
    ]
    assert step.live == ["ana", "ben", "ben", "ana", "ana", "ben"]
    assert (fr.pending, fr.audible) == (None, True)


def test_take_over_needs_someone_on_air_and_someone_else() -> None:
    fr = booth()
    with pytest.raises(InvalidTransition, match="nobody is on air"):
        fr.take_over("ana")
    fr.go_on_air("ana")
    with pytest.raises(InvalidTransition, match="already on air"):
        fr.take_over("ana")
    with pytest.raises(InvalidTransition, match="ana is on air"):
        fr.go_on_air("ben")
    assert fr.history == [(S.IDLE, E.GO_ON_AIR, S.ON_AIR)]


def test_cough_keeps_the_air_but_mutes() -> None:
    fr = booth()
    fr.go_on_air("ana")
    with pytest.raises(NotOnAir):
        fr.cough_start("ben")
    fr.cough_start("ana")
    assert (fr.state, fr.on_air, fr.audible) == (S.COUGHING, "ana", False)
    with pytest.raises(InvalidTransition):
        fr.cough_start("ana")
    fr.request_handover("ben")  # a partner may ask during a cough; the cough goes on
    assert fr.state is S.COUGHING
    fr.cough_end("ana")
    assert fr.state is S.HANDOVER_REQUESTED  # the request waited under the cough
    fr.accept_handover("ana")
    assert fr.history == [
        (S.IDLE, E.GO_ON_AIR, S.ON_AIR),
        (S.ON_AIR, E.COUGH_START, S.COUGHING),
        (S.COUGHING, E.REQUEST_HANDOVER, S.COUGHING),
        (S.COUGHING, E.COUGH_END, S.HANDOVER_REQUESTED),
        (S.HANDOVER_REQUESTED, E.ACCEPT_HANDOVER, S.ON_AIR),
    ]
    with pytest.raises(InvalidTransition):
        fr.cough_end("ben")


def test_dropped_and_back_within_the_grace() -> None:
    fr = booth()
    fr.go_on_air("ana")
    fr.cough_start("ana")
    fr.connection_lost("ana", now=100.0)
    assert (fr.state, fr.on_air, fr.audible) == (S.DROPPED, "ana", False)
    assert fr.grace_left(104.0) == 6.0
    assert not fr.tick(109.9)
    fr.connection_back("ana", now=109.9)
    assert (fr.state, fr.on_air, fr.audible) == (S.ON_AIR, "ana", True)
    assert fr.history == [
        (S.IDLE, E.GO_ON_AIR, S.ON_AIR),
        (S.ON_AIR, E.COUGH_START, S.COUGHING),
        (S.COUGHING, E.CONNECTION_LOST, S.DROPPED),
        (S.DROPPED, E.CONNECTION_BACK, S.ON_AIR),
    ]


def test_dropped_past_the_grace_is_idle() -> None:
    fr = booth()
    fr.go_on_air("ana")
    fr.connection_lost("ana", now=100.0)
    assert fr.tick(110.0)
    assert (fr.state, fr.on_air) == (S.IDLE, None)
    fr.connection_back("ana", now=111.0)  # too late: the air stays free
    assert fr.history == [
        (S.IDLE, E.GO_ON_AIR, S.ON_AIR),
        (S.ON_AIR, E.CONNECTION_LOST, S.DROPPED),
        (S.DROPPED, E.GRACE_EXPIRED, S.IDLE),
    ]


def test_coming_back_late_without_a_tick_ends_the_turn() -> None:
    fr = booth()
    fr.go_on_air("ana")
    fr.connection_lost("ana", now=100.0)
    fr.connection_back("ana", now=130.0)
    assert fr.history[-1] == (S.DROPPED, E.GRACE_EXPIRED, S.IDLE)
    assert fr.on_air is None


def test_partner_takes_over_from_a_dropped_interpreter() -> None:
    fr = booth()
    fr.go_on_air("ana")
    fr.request_handover("ben")
    fr.connection_lost("ana", now=5.0)
    assert fr.pending is None  # nobody is there to answer it
    with pytest.raises(InvalidTransition):
        fr.go_on_air("ben")  # ana holds the air for the grace
    fr.take_over("ben")
    fr.connection_back("ana", now=6.0)  # back, but off air: no second voice
    assert (fr.state, fr.on_air) == (S.ON_AIR, "ben")
    assert [t.event for t in fr.history] == [
        E.GO_ON_AIR,
        E.REQUEST_HANDOVER,
        E.CONNECTION_LOST,
        E.TAKE_OVER,
    ]


def test_a_partner_dropping_withdraws_their_request() -> None:
    fr = booth()
    fr.go_on_air("ana")
    fr.request_handover("ben")
    fr.connection_lost("ben", now=1.0)
    fr.connection_lost("ben", now=2.0)  # nothing left to change
    assert fr.history[-1] == (S.HANDOVER_REQUESTED, E.CONNECTION_LOST, S.ON_AIR)
    assert len(fr.history) == 3


def test_only_members_act_and_publish() -> None:
    fr = booth()
    refusals = [
        ("go_on_air", ("eve",)),
        ("request_handover", ("eve",)),
        ("take_over", ("eve",)),
        ("set_source", ("eve", "floor")),
        ("chat", ("eve", "hello", 1.0)),
        ("slow_down", ("eve", 1.0)),
        ("require_publisher", ("eve",)),
    ]
    for action, args in refusals:
        with pytest.raises(NotInBooth) as refused:
            getattr(fr, action)(*args)
        assert (refused.value.booth, refused.value.who) == ("fr", "eve")
    assert fr.history == []
    fr.go_on_air("ana")
    fr.require_publisher("ana")
    with pytest.raises(NotOnAir):
        fr.require_publisher("ben")
    with pytest.raises(NotOnAir):
        fr.go_off_air("ben")


def test_chat_and_slow_down_are_for_members() -> None:
    fr = booth()
    assert fr.chat("ben", "next slide has numbers", 3.0).text == "next slide has numbers"
    signal = fr.slow_down("ana", 4.0)
    assert (signal.room_id, signal.booth, signal.who, signal.at) == ("s1", "fr", "ana", 4.0)


def test_bi_active_retour_in_one_click() -> None:
    en_fr = booth("en", "fr")
    en_fr.go_on_air("ana")
    assert (en_fr.booth_id, en_fr.output_language) == ("en-fr", "en")
    en_fr.retour("ana")
    assert en_fr.output_language == "fr"
    en_fr.retour("ana")
    en_fr.set_output_language("ben", "en")  # already en: nothing happens
    assert en_fr.output_language == "en"
    assert en_fr.history == [
        (S.IDLE, E.GO_ON_AIR, S.ON_AIR),
        (S.ON_AIR, E.SWITCH_OUTPUT, S.ON_AIR),
        (S.ON_AIR, E.SWITCH_OUTPUT, S.ON_AIR),
    ]
    with pytest.raises(UnknownLanguage):
        en_fr.set_output_language("ana", "de")
    with pytest.raises(UnknownLanguage):
        booth("fr").retour("ana")


def test_sources_the_booth_checks_alone() -> None:
    fr = booth()
    fr.set_source("ana", "relay:en")
    assert (fr.source, fr.relay_language) == ("relay:en", "en")
    assert fr.history == [(S.IDLE, E.SET_SOURCE, S.IDLE)]
    with pytest.raises(InvalidSource, match="from itself"):
        fr.set_source("ana", "relay:fr")
    with pytest.raises(InvalidSource):
        fr.set_source("ana", "relay:")
    with pytest.raises(InvalidSource):
        fr.set_source("ana", "the floor")
    with pytest.raises(InvalidSource, match="from itself"):
        Booth("s1", ("en", "fr"), ("ana",), source="relay:en")
    assert fr.source == "relay:en"


@pytest.mark.parametrize(
    ("languages", "members"),
    [
        ((), ("ana",)),
        (("en", "fr", "de"), ("ana",)),
        (("fr", "fr"), ("ana",)),
        (("fr",), ("a", "a")),
    ],
)
def test_impossible_booths(languages: tuple[str, ...], members: tuple[str, ...]) -> None:
    with pytest.raises(InvalidSetup):
        Booth("s1", languages, members)


def test_offer_needs_a_partner() -> None:
    solo = booth(members=("ana",))
    solo.go_on_air("ana")
    with pytest.raises(InvalidTransition, match="no partner"):
        solo.offer_handover("ana")
    fr = booth()
    fr.go_on_air("ana")
    with pytest.raises(InvalidTransition, match="no partner"):
        fr.offer_handover("ana", "ana")
    with pytest.raises(NotInBooth):
        fr.offer_handover("ana", "eve")

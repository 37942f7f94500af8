"""Live rooms in real headless Chromium: fake microphones playing tones, WebRTC through aiortc.

One browser per participant, because the fake microphone's file is a launch flag.
Ada (440 Hz) and Bruno (660 Hz) meet in the breakout session's room; Chen (880 Hz)
sits in the plenary. The pages expose small test hooks on ``window.__room``
(analyser readings, presence, chat), so nothing here scrapes the audio from the DOM.
The three browsers and the server are shared by the tests of this module.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect

from conference.app import create_app
from conference.settings import Settings
from conference.storage.engine import make_engine, session
from conference.storage.tables import BreakoutAssignment, BreakoutRoom, Person, Registration
from rooms.media.tones import write_tone_wav
from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS, MEDIA_FLAGS
from tests.support.browser import sign_in, wait_until
from tests.support.live import free_port, serving
from tests.support.seed import small_conference

pytestmark = pytest.mark.e2e

WAIT_MS = 15_000
BREAKOUT, PLENARY = 2, 1
PROBES = [440, 660, 880]


@dataclass
class Participant:
    name: str
    tone: int
    page: Page

    def hook(self, expression: str) -> Any:
        return self.page.evaluate(f"window.__room.{expression}")


@dataclass
class Party:
    """The shared server and the three participants; Chen's browser has room for a guest."""

    site: str
    app: Any
    people: dict[str, Participant]
    spare_browser: Browser

    def __getitem__(self, name: str) -> Participant:
        return self.people[name]


def hears(p: Participant, hz: int) -> list[dict[str, Any]]:
    """The slots whose strongest frequency is within 10 Hz of ``hz``, and clearly above silence."""
    readings = p.hook(f"readings({PROBES})")
    return [r for r in readings if abs(r["peakHz"] - hz) <= 10 and r["peakDb"] > -70]


@pytest.fixture(scope="module")
def room_party(
    playwright: Playwright, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Party]:
    tmp = tmp_path_factory.mktemp("rooms-e2e")
    path = tmp / "rooms.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    small_conference(engine)
    with session(engine) as db:
        ada = Person(name="Ada", email="ada@example.org", roles=["participant"])
        bruno = Person(name="Bruno", email="bruno@example.org", roles=["speaker"])
        db.add_all(
            [ada, bruno, Person(name="Chen", email="chen@example.org", roles=["participant"])]
        )
        db.flush()
        # An applied breakout plan for the breakout session: Ada and Bruno in different rooms.
        for person, (name, topic) in (
            (ada, ("Room 1", "Hubs")),
            (bruno, ("Room 2", "Movement Charter")),
        ):
            registration = Registration(
                conference_id=1, person_id=person.id or 0, languages=["en"], timezone="UTC",
                token=f"{name[-1]}" * 43,
            )  # fmt: skip
            room = BreakoutRoom(
                session_id=BREAKOUT, name=name, topic=topic, capacity=4, languages=["en"]
            )
            db.add_all([registration, room])
            db.flush()
            db.add(BreakoutAssignment(registration_id=registration.id or 0, room_id=room.id or 0))
    # The organiser (seeded as "Olu Organiser") signs in later, in a second page of Chen's browser.
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    app = create_app(
        Settings(database_url=f"sqlite:///{path}", secret_key="e2e-" + "r" * 40, site_url=site),
        engine,
    )
    browsers: list[Browser] = []
    with serving(app, port):
        try:
            party: dict[str, Participant] = {}
            for name, tone, session_id in (
                ("Ada", 440, BREAKOUT),
                ("Bruno", 660, BREAKOUT),
                ("Chen", 880, PLENARY),
            ):
                wav = write_tone_wav(tmp / f"{tone}.wav", tone)
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM,
                    args=[
                        *CHROMIUM_FLAGS,
                        *MEDIA_FLAGS,
                        f"--use-file-for-fake-audio-capture={wav}",
                    ],
                )
                browsers.append(browser)
                page = browser.new_context().new_page()
                page.set_default_timeout(WAIT_MS)
                sign_in(page, site, app, f"{name.lower()}@example.org")
                page.goto(f"{site}/programme")
                page.click(f"#session-{session_id} a.join")
                # (wait_for_function evaluates a string in the page, which the CSP forbids)
                wait_until(
                    lambda page=page: page.evaluate("typeof window.__room === 'object'"),
                    f"{name}'s room page starts",
                )
                party[name] = Participant(name, tone, page)
            for p in party.values():
                wait_until(
                    lambda p=p: p.hook("peerState") == "connected", f"{p.name}'s media connects"
                )
            yield Party(site, app, party, spare_browser=browsers[-1])
        finally:
            for browser in browsers:
                browser.close()
            engine.dispose()


def test_two_people_in_a_breakout_hear_each_other_and_the_plenary_hears_neither(
    room_party: Party,
) -> None:
    ada, bruno, chen = room_party["Ada"], room_party["Bruno"], room_party["Chen"]
    assert wait_until(lambda: hears(ada, 660), "Ada hears Bruno's 660 Hz")[0]["slot"] == "floor-0"
    assert wait_until(lambda: hears(bruno, 440), "Bruno hears Ada's 440 Hz")[0]["slot"] == "floor-0"
    # Nobody hears themselves, and the plenary has no energy at either tone.
    assert hears(ada, 440) == [] and hears(bruno, 660) == []
    for reading in chen.hook(f"readings({PROBES})"):
        assert reading["probes"]["440"] < -90 and reading["probes"]["660"] < -90, reading
    assert all(s["packetsReceived"] == 0 for s in chen.page.evaluate("window.__room.stats()"))
    stats = ada.page.evaluate("window.__room.stats()")
    assert stats[0]["packetsReceived"] > 25 and stats[0]["bytesReceived"] > 1000


def test_presence_shows_both_names_with_their_roles(room_party: Party) -> None:
    ada = room_party["Ada"]
    people = wait_until(
        lambda: len(ada.hook("people()")) == 2 and ada.hook("people()"), "two people"
    )
    assert [(p["name"], p["roles"], p["state"]) for p in people] == [
        ("Ada", ["participant"], "present"),
        ("Bruno", ["speaker"], "present"),
    ]
    expect(ada.page.locator("#people li")).to_have_count(2)
    expect(ada.page.locator("#people li", has_text="Bruno")).to_contain_text("speaker")
    expect(room_party["Chen"].page.locator("#people li")).to_have_count(1)


def test_chat_and_a_raised_hand_reach_the_room(room_party: Party) -> None:
    ada, bruno, chen = room_party["Ada"], room_party["Bruno"], room_party["Chen"]
    ada.page.fill("#chat-text", "Hello <b>breakout</b>")
    ada.page.press("#chat-text", "Enter")
    expect(bruno.page.locator("#chat-log li").last).to_have_text("Ada: Hello <b>breakout</b>")
    assert bruno.hook("chat()")[-1] == {"name": "Ada", "text": "Hello <b>breakout</b>"}

    ada.page.click("#hand-button")
    expect(bruno.page.locator("#people li.hand")).to_have_text(re.compile("Ada"))
    wait_until(lambda: [p["hand"] for p in bruno.hook("people()")] == [True, False], "Ada's hand")
    ada.page.click("#hand-button")
    expect(bruno.page.locator("#people li.hand")).to_have_count(0)
    assert chen.hook("chat()") == []


def test_a_dropped_connection_resumes_silently_without_a_second_entry(
    room_party: Party,
) -> None:
    ada, bruno = room_party["Ada"], room_party["Bruno"]
    seat, before = ada.hook("seatId"), ada.hook("connections")
    ada.hook("dropConnection()")
    wait_until(lambda: ada.hook("connections") == before + 1, "Ada reconnects")
    assert ada.hook("seatId") == seat  # the same seat, resumed
    assert ada.hook("connectionState") == "open"
    wait_until(
        lambda: (
            [(p["name"], p["state"]) for p in bruno.hook("people()")]
            == [("Ada", "present"), ("Bruno", "present")]
        ),
        "Bruno sees Ada present again, once",
    )
    expect(bruno.page.locator("#people li", has_text="Ada")).to_have_count(1)
    # Media never stopped: the seat kept its server peer, so no new offer was needed.
    assert wait_until(lambda: hears(bruno, 440), "Bruno still hears Ada")
    assert ada.hook("negotiations") == 1

    # A reload resumes the seat too (its token waits in sessionStorage): no ghost entry.
    ada.page.reload()
    wait_until(lambda: ada.page.evaluate("window.__room?.peerState") == "connected", "Ada is back")
    assert ada.hook("seatId") == seat
    expect(bruno.page.locator("#people li", has_text="Ada")).to_have_count(1)
    assert wait_until(lambda: hears(bruno, 440), "Bruno hears Ada after her reload")


def test_an_organiser_opens_a_breakout_by_hand_with_a_countdown_help_and_a_broadcast(
    room_party: Party,
) -> None:
    ada, bruno = room_party["Ada"], room_party["Bruno"]
    site, app, browser = room_party.site, room_party.app, room_party.spare_browser
    main_room = ada.hook("roomId")
    olu = browser.new_context().new_page()
    olu.set_default_timeout(WAIT_MS)
    try:
        sign_in(olu, site, app, "organiser@example.org")
        olu.goto(f"{site}/rooms/session/{BREAKOUT}")
        expect(olu.locator("#people li")).to_have_count(3)
        olu.select_option("#breakout-mode", "by_hand")
        olu.fill("#breakout-titles", "Pair work")
        expect(olu.locator("#breakout-assign select")).to_have_count(2)  # Ada and Bruno
        olu.fill("#breakout-minutes", "5")
        olu.click("#breakout-form button[type=submit]")

        wait_until(lambda: ada.hook("roomId") not in (None, main_room), "Ada moves to the breakout")
        assert bruno.hook("roomId") == ada.hook("roomId")
        expect(ada.page.locator("#room-title")).to_contain_text("Pair work")
        expect(ada.page.locator("#breakout-countdown")).to_contain_text(re.compile(r"[45]:\d\d"))
        expect(olu.locator("#people li")).to_have_count(1)  # the organiser stays in the main room
        # Media follows the move: the pair still hear each other.
        assert wait_until(lambda: hears(ada, 660), "Ada hears Bruno in the breakout room")

        ada.page.fill("#help-text", "Our slides do not load")
        ada.page.click("#help-form button[type=submit]")
        expect(olu.locator("#help-list li")).to_contain_text("Ada")
        olu.fill("#broadcast-text", "Two minutes left")
        olu.click("#broadcast-form button[type=submit]")
        expect(bruno.page.locator("#broadcasts li")).to_contain_text("Two minutes left")

        olu.click("#close-breakouts")
        wait_until(lambda: ada.hook("roomId") == main_room, "Ada is back in the main room")
        expect(olu.locator("#people li")).to_have_count(3)
    finally:
        olu.context.close()


def test_an_organiser_opens_the_breakout_rooms_as_planned(room_party: Party) -> None:
    ada, bruno = room_party["Ada"], room_party["Bruno"]
    site, app, browser = room_party.site, room_party.app, room_party.spare_browser
    main_room = ada.hook("roomId")
    olu = browser.new_context().new_page()
    olu.set_default_timeout(WAIT_MS)
    try:
        sign_in(olu, site, app, "organiser@example.org")
        olu.goto(f"{site}/rooms/session/{BREAKOUT}")
        # (the previous test's organiser page may still hold its seat for the 30 s grace)
        expect(olu.locator("#people")).to_contain_text("Ada")
        expect(olu.locator("#people")).to_contain_text("Bruno")
        olu.select_option("#breakout-mode", "planned")
        olu.click("#breakout-form button[type=submit]")

        wait_until(
            lambda: ada.hook("roomId") not in (None, main_room), "Ada moves to her planned room"
        )
        wait_until(lambda: bruno.hook("roomId") not in (None, main_room), "Bruno moves to his")
        assert ada.hook("roomId") != bruno.hook("roomId")
        expect(ada.page.locator("#room-title")).to_contain_text("Room 1: Hubs")
        expect(bruno.page.locator("#room-title")).to_contain_text("Room 2: Movement Charter")
        olu.click("#close-breakouts")
        wait_until(lambda: ada.hook("roomId") == main_room, "Ada is back in the main room")
    finally:
        olu.context.close()


def test_an_organisers_mute_holds_until_the_organiser_allows_unmuting(room_party: Party) -> None:
    """Issue 10: the muted participant cannot unmute themselves; they ask, the organiser allows."""
    site, app, browser = room_party.site, room_party.app, room_party.spare_browser
    ada = room_party["Ada"].page
    olu = browser.new_context().new_page()
    olu.set_default_timeout(WAIT_MS)
    shots = Path(__file__).parent.parent.parent / "var" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    try:
        sign_in(olu, site, app, "organiser@example.org")
        olu.goto(f"{site}/rooms/session/{BREAKOUT}")
        ada_row = olu.locator("#people li", has_text="Ada")
        ada_row.get_by_role("button", name="Mute", exact=True).click()

        expect(ada.locator("#mute-button")).to_have_text("Ask to unmute")
        expect(ada.locator("#mute-note")).to_have_text(
            "An organiser muted you. Ask to unmute if you want to speak."
        )
        expect(ada_row).to_contain_text("muted by an organiser")
        ada.screenshot(path=str(shots / "mute-held-participant-en.png"))
        ada.click("#mute-button")
        expect(ada.locator("#mute-button")).to_be_hidden()
        expect(ada.locator("#mute-note")).to_have_text(
            "You asked to unmute. Wait for an organiser to allow it."
        )
        expect(ada_row).to_contain_text("asks to unmute")
        olu.screenshot(path=str(shots / "mute-asked-organiser-en.png"))

        # The same in Arabic, right to left: the hold outlives the reload's new seat.
        for page in (ada, olu):
            page.goto(f"{site}/language?set=ar&next=/rooms/session/{BREAKOUT}")
            page.goto(f"{site}/rooms/session/{BREAKOUT}")
        expect(ada.locator("#mute-note")).to_be_visible()
        expect(olu.locator("#people li", has_text="Ada").locator("button")).not_to_have_count(0)
        ada.screenshot(path=str(shots / "mute-held-participant-ar.png"))
        olu.screenshot(path=str(shots / "mute-held-organiser-ar.png"))
        for page in (ada, olu):
            page.goto(f"{site}/language?set=en&next=/rooms/session/{BREAKOUT}")
            page.goto(f"{site}/rooms/session/{BREAKOUT}")

        ada_row = olu.locator("#people li", has_text="Ada")
        ada_row.get_by_role("button", name="Allow to unmute").click()
        expect(ada.locator("#mute-button")).to_have_text("Unmute my microphone")
        expect(ada.locator("#mute-note")).to_be_hidden()
        ada.click("#mute-button")
        expect(ada.locator("#mute-button")).to_have_text("Mute my microphone")
        expect(ada_row).not_to_contain_text("muted")
        wait_until(lambda: room_party["Ada"].hook("peerState") == "connected", "Ada's media")
    finally:
        olu.context.close()


def test_a_second_tab_in_the_same_room_takes_the_seat_and_the_first_says_so(
    room_party: Party,
) -> None:
    """Issue 10: one seat per person per room; the older tab stops instead of fighting back."""
    site, chen = room_party.site, room_party["Chen"]
    second = chen.page.context.new_page()
    second.set_default_timeout(WAIT_MS)
    try:
        second.goto(f"{site}/rooms/session/{PLENARY}")
        expect(second.locator("#room-status")).to_have_text("Connected")
        expect(chen.page.locator("#room-status")).to_have_text(
            "This room is open in another tab or window, so it closed here. "
            "Reload the page to use it here again."
        )
        expect(second.locator("#people li", has_text="Chen")).to_have_count(1)
    finally:
        second.close()
        chen.page.goto(f"{site}/rooms/session/{PLENARY}")
        expect(chen.page.locator("#room-status")).to_have_text("Connected")

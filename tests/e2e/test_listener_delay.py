"""A listener holds back what they hear, in real Chromium with tone microphones.

Ada (440 Hz) and Bruno (660 Hz) share the breakout session's room. Ada delays what she hears
by 3 seconds (to line up with a livestream). When Bruno mutes, his slot goes quiet at once
but Ada keeps hearing him for about the delay, and then no longer.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect
from sqlalchemy.engine import Engine

from conference.storage.engine import session
from conference.storage.tables import Person
from rooms.media.tones import write_tone_wav
from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS, MEDIA_FLAGS
from tests.support.browser import sign_in, wait_until
from tests.support.seed import small_conference

pytestmark = pytest.mark.e2e

BREAKOUT = 2
BRUNO_HZ = 660


def _seed(engine: Engine) -> None:
    small_conference(engine)
    with session(engine) as db:
        db.add(Person(name="Ada", email="ada@example.org", roles=["participant"]))
        db.add(Person(name="Bruno", email="bruno@example.org", roles=["participant"]))


def _hears_bruno(reading: dict | None) -> bool:
    return (
        bool(reading)
        and reading["probes"][str(BRUNO_HZ)] > -70
        and abs(reading["peakHz"] - BRUNO_HZ) <= 10
    )


def test_a_delayed_listener_keeps_hearing_for_the_delay(
    playwright: Playwright, live_server_factory, tmp_path: Path
) -> None:
    server = live_server_factory(_seed)
    browsers: list[Browser] = []
    pages: dict[str, Page] = {}
    try:
        for name, hz in (("ada", 440), ("bruno", BRUNO_HZ)):
            wav = write_tone_wav(tmp_path / f"{hz}.wav", hz)
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=[*CHROMIUM_FLAGS, *MEDIA_FLAGS, f"--use-file-for-fake-audio-capture={wav}"],
            )
            browsers.append(browser)
            page = browser.new_context().new_page()
            page.set_default_timeout(15_000)
            sign_in(page, server.url, server.app, f"{name}@example.org")
            page.goto(f"{server.url}/rooms/session/{BREAKOUT}")
            wait_until(
                lambda page=page: page.evaluate("typeof window.__room === 'object'"),
                f"{name}'s page",
            )
            pages[name] = page
        ada, bruno = pages["ada"], pages["bruno"]
        for name, page in pages.items():
            wait_until(
                lambda page=page: page.evaluate("window.__room.peerState") == "connected",
                f"{name}'s media",
            )

        def slot_hears() -> bool:
            readings = ada.evaluate(f"window.__room.readings([{BRUNO_HZ}])")
            return any(_hears_bruno(r) for r in readings)

        def mix_hears() -> bool:
            return _hears_bruno(ada.evaluate(f"window.__room.mixReading([{BRUNO_HZ}])"))

        wait_until(slot_hears, "Ada hears Bruno")
        ada.locator("#listen-delay").evaluate(
            "el => { el.value = '3'; el.dispatchEvent(new Event('input', {bubbles: true})); }"
        )
        expect(ada.locator("#listen-delay-value")).to_have_text("3 s")
        assert ada.evaluate("window.__room.delay()") == 3
        wait_until(mix_hears, "what Ada hears carries Bruno, 3 s late")

        bruno.click("#mute-button")
        wait_until(lambda: not slot_hears(), "Bruno's slot goes quiet when he mutes")
        quiet_at = time.monotonic()
        # Held back: Ada still hears Bruno well after his slot went quiet...
        time.sleep(1.5)
        assert mix_hears(), "the delayed mix went quiet with the slot: no delay"
        # ...and then no longer.
        wait_until(lambda: not mix_hears(), "Ada stops hearing Bruno after the delay", within=10)
        assert time.monotonic() - quiet_at >= 1.5
    finally:
        for browser in browsers:
            browser.close()

"""A journey in Debian's firefox-esr: register, confirm by mail, join a breakout with Chromium.

Firefox registers in Spanish, confirms through the emailed link, and joins the breakout
session's room, where Ada (Chromium, a 440 Hz microphone) is. Firefox sees Ada in the people
list, they chat both ways, and Firefox decodes Ada's audio (packets per slot from getStats:
headless Firefox reads silence through WebAudio, see shared notes).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Playwright, expect
from sqlalchemy.engine import Engine

from conference.storage.engine import session
from conference.storage.tables import Person
from conference.web import i18n
from rooms.media.tones import write_tone_wav
from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS, MEDIA_FLAGS
from tests.support.browser import sign_in, wait_until
from tests.support.firefox import firefox, missing
from tests.support.seed import small_conference

pytestmark = pytest.mark.e2e

BREAKOUT = 2


def _seed(engine: Engine) -> None:
    small_conference(engine)
    with session(engine) as db:
        db.add(Person(name="Ada", email="ada@example.org", roles=["participant"]))


def test_register_confirm_and_join_a_breakout_in_firefox(
    playwright: Playwright, live_server_factory, tmp_path
) -> None:
    if reason := missing():
        pytest.fail(reason)
    server = live_server_factory(_seed)
    wav = write_tone_wav(tmp_path / "440.wav", 440)
    chromium = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[*CHROMIUM_FLAGS, *MEDIA_FLAGS, f"--use-file-for-fake-audio-capture={wav}"],
    )
    try:
        with firefox("es-ES,es") as fox:
            fox.goto(f"{server.url}/register")
            assert fox.eval("document.documentElement.lang") == "es"
            fox.fill("#name", "Lucía Firefox")
            fox.fill("#email", "lucia@example.org")
            fox.select("#language_1", "es")
            fox.click(f"input[name=sessions][value='{BREAKOUT}']")
            fox.click("main form button[type=submit]", navigates=True)
            assert fox.text("h1") == i18n.load("es").gettext("Check your email")
            link = re.search(r"http://\S+/register/confirm/[\w-]+", server.sent_mail()[-1])
            assert link, "no confirmation link was mailed"
            fox.goto(link.group(0))
            fox.click("main form button[type=submit]", navigates=True)
            assert "/registration/" in fox.eval("location.pathname")

            ada = chromium.new_context().new_page()
            ada.set_default_timeout(15_000)
            sign_in(ada, server.url, server.app, "ada@example.org")
            ada.goto(f"{server.url}/rooms/session/{BREAKOUT}")
            fox.goto(f"{server.url}/rooms/session/{BREAKOUT}")
            fox.wait_for("typeof window.__room === 'object'", "Firefox's room page starts")
            fox.wait_for(
                "window.__room.people().some(p => p.name === 'Ada')", "Firefox sees Ada in the room"
            )
            expect(ada.locator("#people li")).to_have_count(2)

            fox.fill("#chat-text", "Hola desde Firefox")
            fox.click("#chat-form button[type=submit]")
            expect(ada.locator("#chat-log li").last).to_contain_text("Hola desde Firefox")
            ada.fill("#chat-text", "Hello from Chromium")
            ada.click("#chat-form button[type=submit]")
            fox.wait_for(
                "window.__room.chat().some(c => c.text === 'Hello from Chromium')",
                "Firefox gets Ada's chat",
            )

            fox.wait_for("window.__room.peerState === 'connected'", "Firefox's media connects")
            wait_until(
                lambda: ada.evaluate("window.__room.peerState") == "connected", "Ada's media"
            )
            fox.wait_for(
                "window.__room.stats().then(s => s.some(x => x.packetsReceived > 50))",
                "Firefox decodes Ada's audio",
                within=20,
            )
    finally:
        chromium.close()

"""Automatic captions of a booth's output in real Chromium: the Spanish interpreter speaks on
their console, a listener of the Spanish channel reads Spanish captions marked as automatic.

The organiser turns on captions of the Spanish booth on the session's captioners page (the
floor's stay off). Ivan's console plays espeak-ng's Spanish voice as its fake microphone
(``--use-file-for-fake-audio-capture``, once, after ten seconds of silence so that he is on
air before he speaks); Lea listens to the Spanish channel with Spanish captions on.

Whisper base hears espeak-ng's Spanish far worse than its English (the issue measured about
0.5 on the server path; "mañana" comes out "maiana", "escuchan" "cuchan"): 0.463, 0.352 and
0.463 in three runs here (3 December 2026). So this test reports the word error rate and
holds only a loose bound, :data:`SPANISH_WER` (0.6, above the worst run so that it does not
flake), that says the captions are Spanish words of what was said and not noise, silence or
another language.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect
from sqlalchemy.engine import Engine

from conference.storage.engine import session
from conference.storage.tables import Registration
from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS, MEDIA_FLAGS
from tests.support.browser import join_room, sign_in, wait_until
from tests.support.captions import read_captions
from tests.support.interpretation_seed import PLENARY, interpretation_conference
from tests.support.speech import SENTENCES_ES, espeak_wav, whisper_base, word_error_rate

pytestmark = pytest.mark.e2e

SPANISH_WER = 0.6  # reported, not a goal: see the module docstring
NEWEST_IN_VIEW = """() => {
  const list = document.getElementById("caption-lines");
  const box = list.getBoundingClientRect(), last = list.lastElementChild.getBoundingClientRect();
  return last.top >= box.top - 1 && last.bottom <= box.bottom + 1;
}"""
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _seed(engine: Engine) -> None:
    ids = interpretation_conference(engine)  # the plenary: English floor, Spanish booth
    with session(engine) as db:
        db.add(
            Registration(conference_id=1, person_id=ids["lea"], languages=["es", "en"],
                         timezone="UTC", token="reg-lea")
        )  # fmt: skip


def _console(browser: Browser, site: str, app: object, email: str) -> Page:
    page = browser.new_context(locale="en-GB").new_page()
    page.set_default_timeout(15_000)
    sign_in(page, site, app, email)
    page.goto(f"{site}/interpret/session/{PLENARY}")
    wait_until(
        lambda: page.evaluate("window.__booth?.peerState") == "connected",
        f"{email}'s console connects its media",
    )
    return page


def test_a_spanish_listener_reads_automatic_captions_of_the_spanish_booth(
    playwright: Playwright, browser: Browser, live_server_factory, tmp_path: Path
) -> None:
    server = live_server_factory(_seed, captions_model=str(whisper_base()))
    speech = espeak_wav(tmp_path / "es.wav", SENTENCES_ES, lead_s=10.0, voice="es")

    # The organiser turns on automatic captions of the Spanish booth, and only of it.
    olga = browser.new_context(locale="en-GB").new_page()
    sign_in(olga, server.url, server.app, "organiser@example.org")
    olga.goto(f"{server.url}/organiser/sessions/{PLENARY}/captioners")
    booth_row = olga.locator("#automatic-booth-es")
    booth_row.get_by_role("button", name="Turn automatic captions of the Español booth on").click()
    expect(olga.locator("#automatic-booth-es .automatic-booth-state")).to_have_text(
        "On, in Español."
    )
    expect(olga.locator("#automatic-state")).to_have_text("Off.")

    listeners = playwright.chromium.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_FLAGS, *MEDIA_FLAGS]
    )
    interpreters = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[*CHROMIUM_FLAGS, *MEDIA_FLAGS, f"--use-file-for-fake-audio-capture={speech}%noloop"],
    )
    try:
        lea = join_room(listeners, server.url, server.app, "lea@example.org", PLENARY)
        wait_until(lambda: lea.evaluate("window.__room.language") == "es", "Lea hears Spanish")
        lea.check("#captions-on")
        lea.select_option("#caption-language", "es")
        expect(lea.locator("#caption-status")).to_have_text(
            "Automatic captions are on.", timeout=30_000
        )
        ivan = _console(interpreters, server.url, server.app, "ivan@example.org")
        ivan.click("#on-air-button")
        expect(ivan.locator("#air-state")).to_have_attribute("data-state", "on_air")
        reference = " ".join(SENTENCES_ES)
        lines = read_captions(
            lea, reference, "captions of most of the Spanish booth's speech", within=90
        )
        rate = word_error_rate(reference, " ".join(lines))
        print(f"\nautomatic captions of the Spanish booth: word error rate {rate:.3f} on {lines!r}")
        assert rate <= SPANISH_WER, lines
        marks = lea.locator("#caption-lines li.automatic .caption-mark")
        expect(marks.first).to_have_text("Automatic")
        expect(lea.locator("#caption-lines li").first).to_have_attribute("lang", "es")
        # The English captions (the floor's) stay empty: nothing turned them on.
        lea.select_option("#caption-language", "en")
        expect(lea.locator("#caption-none")).to_be_visible()
        lea.select_option("#caption-language", "es")
        # The newest line is in view, after the switch back too (four long lines overflow the
        # caption box when they wrap): the box follows the captions as they come.
        assert lea.evaluate(NEWEST_IN_VIEW), "the newest caption line is scrolled out of view"
        SHOTS.mkdir(parents=True, exist_ok=True)
        lea.screenshot(path=str(SHOTS / "autocaptions-booth-es.png"), full_page=True)
    finally:
        interpreters.close()
        listeners.close()

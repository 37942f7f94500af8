"""Screenshots of the interpreter console in each state, and of the pages around it.

Run from the repository root (about a minute, real Chromium):

    flock /tmp/heavy.lock .venv/bin/python -m docs.screenshots [--only console|pages]

It seeds the test conference (tests/support/interpretation_seed.py) with turns around now,
serves it on a free loopback port, and writes PNGs to docs/img/, in English and Arabic.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlmodel import select

from conference.app import create_app
from conference.settings import Settings
from conference.storage.engine import make_engine, migrate, session
from conference.storage.tables import BoothTurn, Registration
from conference.storage.tables import Session as ProgrammeSession
from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS, MEDIA_FLAGS
from tests.support.browser import sign_in, wait_until
from tests.support.interpretation_seed import PLENARY, interpretation_conference
from tests.support.live import free_port, serving

OUT = Path(__file__).parent / "img"
WIDTH, HEIGHT = 1280, 860


@contextmanager
def site() -> Iterator[tuple[str, object]]:
    tmp = Path(tempfile.mkdtemp(prefix="screens-"))
    try:
        url = f"sqlite:///{tmp / 'screens.db'}"
        engine = make_engine(url)
        migrate(engine)
        ids = interpretation_conference(engine)
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        with session(engine) as db:
            turns = db.exec(select(BoothTurn).order_by(BoothTurn.start)).all()  # type: ignore[arg-type]
            for s in db.exec(select(ProgrammeSession)).all():
                if s.id == PLENARY:
                    s.start, s.end = now - timedelta(minutes=20), now + timedelta(minutes=70)
                else:
                    s.start, s.end = now + timedelta(hours=2), now + timedelta(hours=3)
            for i, turn in enumerate(turns):
                turn.start = now + timedelta(minutes=30 * i - 10)
                turn.end = turn.start + timedelta(minutes=30)
            db.add(Registration(conference_id=1, person_id=ids["lea"], languages=["es", "en"],
                                timezone="Europe/Madrid", token="reg-lea"))  # noqa: S106  # fmt: skip
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        settings = Settings(database_url=url, secret_key="screens-" + "s" * 40, site_url=base)
        app = create_app(settings, engine)
        with serving(app, port):
            yield base, app
        engine.dispose()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def person(browser: Browser, base: str, app: object, email: str, lang: str) -> Page:
    page = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}).new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/language?set={lang}")
    sign_in(page, base, app, email)
    return page


def shot(page: Page, name: str) -> None:
    page.wait_for_timeout(300)  # let the last render settle
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)
    print("wrote", OUT / f"{name}.png")


def console_states(browser: Browser, base: str, app: object, lang: str) -> None:
    console = f"{base}/interpret/session/{PLENARY}"
    ivan = person(browser, base, app, "ivan@example.org", lang)
    iris = person(browser, base, app, "iris@example.org", lang)
    fay = person(browser, base, app, "fay@example.org", lang)
    flora = person(browser, base, app, "flora@example.org", lang)
    flora.goto(f"{base}/rooms/session/{PLENARY}")
    for page in (ivan, iris, fay):
        page.goto(console)
        wait_until(lambda p=page: p.evaluate("window.__booth?.booth") is not None, "booth state")
    wait_until(lambda: flora.evaluate("window.__room?.peerState") == "connected", "floor media")
    # Fay's French booth on air: Ivan's "relay from French" key shows it live.
    fay.keyboard.press("m")
    expect(fay.locator("#air-state")).to_have_attribute("data-state", "on_air")
    shot(ivan, f"console-off-air-{lang}")
    ivan.keyboard.press("m")
    expect(ivan.locator("#on-air-button")).to_have_attribute("aria-pressed", "true")
    ivan.locator("#booth-chat-text").fill("Speaker reads fast; numbers on slide 4.")
    ivan.keyboard.press("Enter")
    shot(ivan, f"console-on-air-{lang}")
    shot(iris, f"console-partner-on-air-{lang}")
    ivan.focus("#on-air-button")  # out of the chat field: plain keys are shortcuts again
    ivan.keyboard.down("c")
    expect(ivan.locator("#air-state")).to_have_attribute("data-state", "coughing")
    shot(ivan, f"console-coughing-{lang}")
    ivan.keyboard.up("c")
    iris.keyboard.press("h")
    expect(ivan.locator("#handover")).to_have_attribute("data-state", "requested")
    shot(ivan, f"console-handover-asked-{lang}")
    shot(iris, f"console-handover-asking-{lang}")
    ivan.keyboard.press("h")
    expect(iris.locator("#handover")).to_have_attribute("data-state", "accepted")
    shot(iris, f"console-handover-accepted-{lang}")
    for page in (ivan, iris, fay, flora):
        page.context.close()


def pages(browser: Browser, base: str, app: object, lang: str) -> None:
    """The board (a problem, then all well), the room, the programme, the dashboard."""
    olu = person(browser, base, app, "organiser@example.org", lang)
    flora = person(browser, base, app, "flora@example.org", lang)
    ivan = person(browser, base, app, "ivan@example.org", lang)
    lea = person(browser, base, app, "lea@example.org", lang)
    flora.goto(f"{base}/rooms/session/{PLENARY}")
    wait_until(lambda: flora.evaluate("window.__room?.peerState") == "connected", "floor media")
    ivan.goto(f"{base}/interpret/session/{PLENARY}")
    wait_until(lambda: ivan.evaluate("window.__booth?.booth") is not None, "booth state")
    ivan.keyboard.press("m")
    lea.goto(f"{base}/rooms/session/{PLENARY}")
    wait_until(lambda: lea.evaluate("window.__room?.language") == "es", "Lea listens in Spanish")
    olu.goto(f"{base}/interpret/session/{PLENARY}/board")
    expect(olu.locator(".problems li").first).to_be_visible()
    shot(olu, f"board-problem-{lang}")
    fay = person(browser, base, app, "fay@example.org", lang)
    fay.goto(f"{base}/interpret/session/{PLENARY}")
    wait_until(lambda: fay.evaluate("window.__booth?.booth") is not None, "booth state")
    fay.keyboard.press("m")
    expect(olu.locator(".problems li.all-well")).to_be_visible()
    shot(olu, f"board-all-well-{lang}")
    shot(lea, f"room-listener-{lang}")
    ivan.goto(f"{base}/rooms/session/{PLENARY}")
    shot(ivan, f"room-interpreter-{lang}")
    shot_page(ivan, f"{base}/programme", f"programme-interpreter-{lang}")
    shot_page(olu, f"{base}/organiser", f"dashboard-{lang}")
    shot_page(ivan, f"{base}/", f"home-interpreter-{lang}")
    shot_page(olu, f"{base}/", f"home-organiser-{lang}")
    for page in (olu, flora, ivan, lea, fay):
        page.context.close()


def shot_page(page: Page, url: str, name: str) -> None:
    page.goto(url)
    shot(page, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=["console", "pages"])
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_FLAGS, *MEDIA_FLAGS])
        try:
            for lang in ("en", "ar"):
                if args.only in (None, "console"):
                    with site() as (base, app):  # a fresh server: every booth starts idle
                        console_states(browser, base, app, lang)
                if args.only in (None, "pages"):
                    with site() as (base, app):
                        pages(browser, base, app, lang)
        finally:
            browser.close()


if __name__ == "__main__":
    main()

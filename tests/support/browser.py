"""Helpers for real-browser tests: bounded polling, and signing in by the real emailed link."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

WAIT_S = 15.0


def wait_until(check: Callable[[], Any], what: str, within: float = WAIT_S) -> Any:
    """Poll ``check`` until it returns something truthy; fail with ``what`` after ``within`` s."""
    deadline = time.monotonic() + within
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.2)
    raise AssertionError(f"{what} (last seen: {last!r})")


def sign_in(page: Page, site: str, app: Any, email: str) -> None:
    """The real flow, in the browser: ask for a link, open it from the mail, confirm."""
    mailer = app.state.services.mailer
    sent = len(mailer.sent)
    page.goto(f"{site}/signin")
    page.fill("#email", email)
    page.click("main button[type=submit]")
    wait_until(lambda: len(mailer.sent) > sent, f"a sign-in link for {email}")
    link = re.search(r"https?://\S+/signin/[\w-]+\?next=\S*", mailer.sent[-1].get_content())
    assert link, "the mail holds no sign-in link"
    page.goto(link.group(0))
    page.click("main button[type=submit]")
    settle(page)


# True once the page has loaded and will not move on by itself: the home page and the
# programme follow the browser's timezone with a location.replace() as they load, and a
# navigation started before that redirect lands would be cut short by it.
_SETTLED = """() => {
  if (document.readyState !== "complete") return false;
  const picker = document.querySelector("select[data-follow]");
  if (!picker) return true;
  const reported = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const zone = JSON.parse(picker.dataset.aliases || "{}")[reported] || reported;
  if (![...picker.options].some((o) => o.value === zone)) return true;
  return picker.querySelector("option[selected]")?.value === zone;
}"""


def settle(page: Page) -> None:
    """Wait until ``page`` has left the sign-in form and any timezone redirect has landed."""

    def settled() -> bool:
        if "/signin" in page.url:
            return False
        try:
            return bool(page.evaluate(_SETTLED))
        except PlaywrightError:  # the context went away in a navigation: look again
            return False

    wait_until(settled, f"the page after signing in settles (at {page.url})")


def join_room(browser: Any, site: str, app: Any, email: str, session_id: int) -> Page:
    """A new page of ``browser``: sign ``email`` in and open the session's room."""
    page = browser.new_context(locale="en-GB").new_page()
    page.set_default_timeout(15_000)
    sign_in(page, site, app, email)
    page.goto(f"{site}/rooms/session/{session_id}")
    wait_until(lambda: page.evaluate("typeof window.__room === 'object'"), f"{email}'s room page")
    return page

"""Reading a room page's caption lines in a real browser, for the automatic-captions tests."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.support.browser import wait_until

LINES = "[...document.querySelectorAll('#caption-lines li')].map(li => li.lastChild.textContent)"
"""The text of each caption line the page shows, in order (without its "Automatic" mark)."""


def caption_lines(page: Page) -> list[str]:
    lines: list[str] = page.evaluate(LINES)
    return lines


def read_captions(page: Page, reference: str, what: str, within: float) -> list[str]:
    """Wait until ``page`` shows about as many words as ``reference``, then the last phrase.

    The last phrase's line comes within 3 s of its end, so the lines are read 4 s after most
    of the words arrived.
    """

    def heard_enough() -> list[str] | None:
        lines = caption_lines(page)
        said = " ".join(lines).split()
        return lines if len(said) >= 0.9 * len(reference.split()) else None

    wait_until(heard_enough, what, within=within)
    page.wait_for_timeout(4_000)
    return caption_lines(page)

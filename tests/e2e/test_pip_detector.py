"""The latency benchmark's pip detector (benchmarks/pipdetect.js) in real Chromium.

The fake microphone plays a mix: an 800 Hz pip, then a 2000 Hz pip half a second later,
every 1.5 s. The page is a blank one at http://localhost (a secure context for
getUserMedia), served by Playwright's router: no server is involved.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Page, Playwright

from benchmarks import pips
from benchmarks.latency import direct_call
from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS, MEDIA_FLAGS
from tests.support.browser import wait_until

pytestmark = pytest.mark.e2e

BLANK = "http://localhost/blank"


@contextmanager
def blank_page(playwright: Playwright, microphone: Path) -> Iterator[Page]:
    """A blank page with the detector, in a browser of its own whose microphone plays a file."""
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[*CHROMIUM_FLAGS, *MEDIA_FLAGS, f"--use-file-for-fake-audio-capture={microphone}"],
    )
    try:
        context = browser.new_context()
        context.add_init_script(path=str(pips.DETECTOR))
        context.route(BLANK, lambda route: route.fulfill(body="<!doctype html><title>blank</title>", content_type="text/html"))  # fmt: skip
        page = context.new_page()
        page.goto(BLANK)
        yield page
    finally:
        browser.close()


@pytest.fixture
def page(playwright: Playwright, tmp_path: Path) -> Iterator[Page]:
    mix = pips.pip_track([(0.0, pips.FLOOR_HZ), (0.5, pips.INTERPRETER_HZ)])
    with blank_page(playwright, pips.write_wav(tmp_path / "mix.wav", mix)) as page:
        yield page


def onsets(page: Page) -> list[dict[str, object]]:
    found: list[dict[str, object]] = page.evaluate("window.__pips.onsets")
    return found


def test_pips_are_detected_and_the_two_sources_are_told_apart_in_a_mix(page: Page) -> None:
    page.evaluate("navigator.mediaDevices.getUserMedia({audio: true}).then(() => true)")
    wait_until(lambda: len(onsets(page)) >= 6, "six pip onsets at the microphone")

    heard = sorted(onsets(page), key=lambda o: float(str(o["t"])))
    assert {o["tap"] for o in heard} == {"mic0"}
    hz = [o["hz"] for o in heard]
    # Each pip once, in the file's order: 800 and 2000 alternate, never merged or doubled.
    assert set(hz) == {pips.FLOOR_HZ, pips.INTERPRETER_HZ}
    assert all(a != b for a, b in zip(hz, hz[1:], strict=False)), hz
    assert page.evaluate("window.__pips.errors") == []


def test_a_direct_call_gives_a_latency_per_pip_for_each_source(page: Page) -> None:
    assert page.evaluate("window.__pipDirectCall()") == "started"
    wait_until(
        lambda: len([o for o in onsets(page) if str(o["tap"]).startswith("pc")]) >= 4,
        "pips arriving through the call",
    )

    raw = onsets(page)
    assert {str(o["tap"]).split(":")[0] for o in raw} == {"mic0", "pc1"}
    for hz in (pips.FLOOR_HZ, pips.INTERPRETER_HZ):
        departures = pips.onsets_of(raw, hz, "mic")
        arrivals = pips.onsets_of(raw, hz, "pc")
        found = pips.latencies(departures, arrivals)
        assert found, f"no latency at {hz} Hz: departures {departures}, arrivals {arrivals}"
        assert all(value > 0 for value in found)


def test_a_direct_call_into_another_browser_carries_the_pips_to_its_page(
    page: Page, playwright: Playwright, tmp_path: Path
) -> None:
    silent = pips.write_silent_wav(tmp_path / "silent.wav")
    with blank_page(playwright, silent) as receiver:
        direct_call(page, receiver)
        wait_until(lambda: len(onsets(receiver)) >= 4, "pips arriving in the other browser")

        # Departures are the sender's microphone; arrivals only the receiver's remote track.
        sent, heard = onsets(page), onsets(receiver)
        assert {str(o["tap"]).split(":")[0] for o in heard} == {"pc0"}
        for hz in (pips.FLOOR_HZ, pips.INTERPRETER_HZ):
            found = pips.latencies(pips.onsets_of(sent, hz, "mic"), pips.onsets_of(heard, hz, "pc"))
            assert found, f"no latency at {hz} Hz"
            assert all(value > 0 for value in found)
        assert receiver.evaluate("window.__pips.errors") == []

"""Fake cameras for real-browser tests: solid-colour Y4M clips, and reading colours off a page.

Chromium plays ``--use-file-for-fake-video-capture=FILE.y4m`` as every camera of that
browser, looping the clip. A solid colour per person makes a picture say whose it is.
Avoid green: Chromium's fake screen (``getDisplayMedia``) is mostly green.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

RGB = tuple[int, int, int]

RED: RGB = (255, 0, 0)
BLUE: RGB = (0, 0, 255)
MAGENTA: RGB = (255, 0, 255)
YELLOW: RGB = (255, 255, 0)
WHITE: RGB = (255, 255, 255)
SCREEN: RGB = (9, 151, 2)
"""About what Chromium's fake screen averages to."""

CAMERAS: dict[str, RGB] = {"red": RED, "blue": BLUE, "magenta": MAGENTA, "yellow": YELLOW}


def write_y4m(path: Path, rgb: RGB, width: int = 320, height: int = 240, frames: int = 10) -> Path:
    """A Y4M clip (4:2:0, full-range BT.601) filmed in one colour; returns ``path``."""
    r, g, b = rgb
    y = round(0.299 * r + 0.587 * g + 0.114 * b)
    u = round(128 - 0.1687 * r - 0.3313 * g + 0.5 * b)
    v = round(128 + 0.5 * r - 0.4187 * g - 0.0813 * b)
    clamp = lambda value: max(0, min(255, value))  # noqa: E731
    plane_y = bytes([clamp(y)]) * (width * height)
    plane_uv = bytes([clamp(u)]) * (width * height // 4) + bytes([clamp(v)]) * (width * height // 4)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + plane_y + plane_uv)
    return path


def camera_flag(path: Path) -> str:
    return f"--use-file-for-fake-video-capture={path}"


# Draws each <video> matched by the selector to a small canvas and averages its pixels.
_AVERAGE = """(video) => {
  const canvas = document.createElement("canvas");
  canvas.width = 32; canvas.height = 24;
  const ctx = canvas.getContext("2d");
  if (!video.videoWidth) return null;
  ctx.drawImage(video, 0, 0, 32, 24);
  const data = ctx.getImageData(0, 0, 32, 24).data;
  let r = 0, g = 0, b = 0;
  for (let i = 0; i < data.length; i += 4) { r += data[i]; g += data[i + 1]; b += data[i + 2]; }
  const n = data.length / 4;
  return [Math.round(r / n), Math.round(g / n), Math.round(b / n)];
}"""
_READ = f"(selector) => [...document.querySelectorAll(selector)].map({_AVERAGE})"
_TILES = f"""() => [...document.querySelectorAll("#video figure")].map(
  (figure) => [figure.dataset.slot, ({_AVERAGE})(figure.querySelector("video"))])"""


def video_colours(page: Page, selector: str = "video") -> list[RGB | None]:
    """The average colour each matched <video> shows now (None: no picture yet)."""
    colours: list[Any] = page.evaluate(_READ, selector)
    return [tuple(c) if c else None for c in colours]  # type: ignore[misc]


def near(colour: RGB | None, rgb: RGB, tolerance: int = 50) -> bool:
    return colour is not None and all(
        abs(a - b) <= tolerance for a, b in zip(colour, rgb, strict=True)
    )


def tile_colours(page: Page) -> dict[str, RGB | None]:
    """What each tile of the room page shows, by its slot (``floor-video-0``, ``share``, ``self``)."""
    tiles: list[Any] = page.evaluate(_TILES)
    return {slot: tuple(c) if c else None for slot, c in tiles}

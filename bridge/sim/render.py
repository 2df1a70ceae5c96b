"""What a stand-in frame shows: the parameters it has APPLIED, so a person sees control work.

Top rows: the frame counter in large blocks (``bridge.sim.framecode``), readable after VP8. Below:
each prompt's text with its normalised weight as a bar, a running transition's target and
progress, PAUSED when paused, and chunk/apply/reset counts. ``controller-viz`` draws what
Scope's does instead: four direction keys lower left (filled while WASD or an arrow key is
held) and a red dot moved by the summed mouse deltas. Drawing (Pillow) happens only when the
view changes; each frame is then a copy plus the dot and a counter stamp.
"""

from __future__ import annotations

import colorsys
import zlib
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from bridge.sim import framecode
from bridge.sim.params import Prompt

_FONT_PATH = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


@dataclass(frozen=True, slots=True)
class Controller:
    """What ``controller-viz`` shows: keys held and where the mouse dot is."""

    buttons: frozenset[str]
    cursor: tuple[int, int]


@dataclass(frozen=True, slots=True)
class FrameView:
    """Everything a frame draws except the counter (hashable: it keys the drawing cache)."""

    width: int
    height: int
    prompts: tuple[Prompt, ...]
    target: tuple[Prompt, ...] | None
    progress: float | None
    paused: bool
    chunks: int
    applied: int
    resets: int
    controller: Controller | None = None


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(_FONT_PATH, size)
    except OSError:
        return ImageFont.load_default(size)


def _hue(prompts: tuple[Prompt, ...]) -> tuple[int, int, int]:
    """A dark background colour that follows the dominant prompt, so changes are visible."""
    if not prompts:
        return (24, 24, 24)
    top = max(prompts, key=lambda p: p.weight)
    hue = (zlib.crc32(top.text.encode()) % 360) / 360
    r, g, b = colorsys.hsv_to_rgb(hue, 0.55, 0.35)
    return (int(r * 255), int(g * 255), int(b * 255))


def _bars(
    draw: ImageDraw.ImageDraw, prompts: tuple[Prompt, ...], top: int, width: int, label: str
) -> int:
    font = _font(14)
    total = sum(max(p.weight, 0.0) for p in prompts) or 1.0
    draw.text((8, top), label, fill=(200, 200, 200), font=font)
    top += 18
    for prompt in prompts[:4]:
        share = max(prompt.weight, 0.0) / total
        text = prompt.text if len(prompt.text) <= 48 else prompt.text[:47] + "…"
        draw.text((8, top), f"{text}  w={prompt.weight:.2f}", fill=(255, 255, 255), font=font)
        draw.rectangle((8, top + 18, 8 + int((width - 16) * share), top + 24), fill=(90, 200, 255))
        top += 30
    return top


# controller-viz: (column, row) of each direction key and the codes that light it
_KEYS = (
    ((1, 0), {"KeyW", "ArrowUp"}),
    ((0, 1), {"KeyA", "ArrowLeft"}),
    ((1, 1), {"KeyS", "ArrowDown"}),
    ((2, 1), {"KeyD", "ArrowRight"}),
)
_KEY, _GAP, _MARGIN, _DOT = 30, 5, 20, 5


def _keys(draw: ImageDraw.ImageDraw, buttons: frozenset[str], height: int) -> None:
    base_y = height - _MARGIN - _KEY * 2 - _GAP
    for (col, row), codes in _KEYS:
        x, y = _MARGIN + col * (_KEY + _GAP), base_y + row * (_KEY + _GAP)
        box = (x, y, x + _KEY - 1, y + _KEY - 1)
        if buttons & codes:
            draw.rectangle(box, fill=(230, 230, 230))
        else:
            draw.rectangle(box, outline=(77, 77, 77), width=2)


@lru_cache(maxsize=8)
def _base(view: FrameView) -> npt.NDArray[np.uint8]:
    dark = (26, 26, 26)
    image = Image.new(
        "RGB", (view.width, view.height), dark if view.controller else _hue(view.prompts)
    )
    draw = ImageDraw.Draw(image)
    top = framecode.BLOCK + 6
    if view.controller is not None:
        _keys(draw, view.controller.buttons, view.height)
        held = " ".join(sorted(view.controller.buttons)) or "no keys"
        draw.text((8, top), f"controller-viz: {held}", fill=(200, 200, 200), font=_font(14))
    else:
        top = _bars(draw, view.prompts, top, view.width, "applied prompts")
    if view.target is not None and view.progress is not None and view.controller is None:
        top = _bars(draw, view.target, top + 2, view.width, f"transition {view.progress:.0%} →")
        draw.rectangle(
            (8, top, 8 + int((view.width - 16) * view.progress), top + 6), fill=(255, 200, 60)
        )
    if view.paused:
        draw.text(
            (view.width - 150, view.height - 60), "PAUSED", fill=(255, 60, 60), font=_font(32)
        )
    footer = f"chunk {view.chunks}  applied {view.applied}  resets {view.resets}"
    left = 8 if view.controller is None else _MARGIN + 3 * (_KEY + _GAP) + 8  # right of the keys
    draw.text((left, view.height - 22), footer, fill=(180, 180, 180), font=_font(13))
    return np.asarray(image, dtype=np.uint8)


def render(view: FrameView, counter: int) -> npt.NDArray[np.uint8]:
    """An H×W×3 RGB frame of ``view`` stamped with ``counter`` (when wide enough to hold it)."""
    still = view
    if view.controller is not None:  # the dot moves every call: keep it out of the cache key
        still = replace(view, controller=Controller(view.controller.buttons, (0, 0)))
    pixels = _base(still).copy()
    if view.controller is not None:
        x, y = view.controller.cursor
        pixels[max(0, y - _DOT) : y + _DOT, max(0, x - _DOT) : x + _DOT] = (230, 26, 26)
    if view.width >= framecode.WIDTH and view.height >= framecode.BLOCK:
        framecode.stamp(pixels, counter)
    return pixels

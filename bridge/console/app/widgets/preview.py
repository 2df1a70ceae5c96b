"""The Preview panel: the latest frame from Scope drawn with half-block characters.

Each cell is "▀" with the top pixel as its foreground and the bottom pixel as its
background, so a 64x36 image becomes 64x18 cells. The image is shrunk (nearest pixel,
aspect kept) to fit the panel, never enlarged. With colours off (NO_COLOR), each cell
becomes a block shade of its two pixels' mean brightness, so the picture still reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import numpy.typing as npt
from rich.color import Color, ColorType
from rich.color_triplet import ColorTriplet
from rich.style import Style
from rich.text import Span, Text

from bridge.console.app.layout import Need
from bridge.console.app.widgets.panel import Lines, Panel
from bridge.console.wire.host import PreviewImage
from bridge.watch.snapshot import Snapshot

SHADES = " ░▒▓█"
UPPER_HALF = "▀"
MAX_CELL_ROWS = 18
LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)
COLOR_MASK = 0xF8
"""Colours are cut to 5 bits a channel (invisible at this size), so at most 32768 distinct
colours exist and a palette of built `Color`s stays small and mostly hits: building a
Color costs more than everything else in a frame."""

Palette = dict[int, Color]


def fit(image: PreviewImage, max_cols: int, max_rows: int = MAX_CELL_ROWS) -> PreviewImage:
    """Resample (nearest pixel, aspect kept, never enlarged) to at most max_cols pixels
    wide and 2 * max_rows pixels high; the height comes out even, so cells are whole."""
    height, width = image.shape[:2]
    scale = min(max_cols / width, (max_rows * 2) / height, 1.0)
    cols = max(min(round(width * scale), max_cols), 1)
    rows = max(min(round(height * scale / 2), max_rows), 1) * 2
    ys = np.arange(rows) * height // rows
    xs = np.arange(cols) * width // cols
    fitted: PreviewImage = image[ys][:, xs]
    return fitted


def _packed(pixels: PreviewImage) -> list[list[int]]:
    q = (pixels & COLOR_MASK).astype(np.int32)
    packed: npt.NDArray[np.int32] = (q[..., 0] << 16) | (q[..., 1] << 8) | q[..., 2]
    rows: list[list[int]] = packed.tolist()
    return rows


def _color(palette: Palette, rgb: int) -> Color:
    color = palette.get(rgb)
    if color is None:
        triplet = ColorTriplet(rgb >> 16, (rgb >> 8) & 0xFF, rgb & 0xFF)
        color = Color(f"#{rgb:06x}", ColorType.TRUECOLOR, None, triplet)
        palette[rgb] = color
    return color


def half_blocks(
    image: PreviewImage, palette: Palette | None = None, *, colors: bool = True
) -> Lines:
    """One text line per pair of pixel rows (the image must have an even height)."""
    top, bottom = image[0::2], image[1::2]
    if not colors:
        luma = (top.astype(np.float32) + bottom.astype(np.float32)) @ LUMA / 2
        levels = np.clip(luma * len(SHADES) / 256, 0, len(SHADES) - 1).astype(int)
        return [Text("".join(SHADES[i] for i in row), no_wrap=True) for row in levels.tolist()]
    palette = {} if palette is None else palette
    lines = []
    for top_row, bottom_row in zip(_packed(top), _packed(bottom), strict=True):
        spans = [
            Span(x, x + 1, Style.from_color(_color(palette, up), _color(palette, down)))
            for x, (up, down) in enumerate(zip(top_row, bottom_row, strict=True))
        ]
        lines.append(Text(UPPER_HALF * len(top_row), no_wrap=True, spans=spans))
    return lines


def _rows_at(shape: tuple[int, ...], width: int) -> int:
    """Cell rows an image of ``shape`` takes when fitted to ``width`` columns."""
    height, cols = shape[0], shape[1]
    scale = min(width / cols, (MAX_CELL_ROWS * 2) / height, 1.0)
    return max(min(round(height * scale / 2), MAX_CELL_ROWS), 1)


class PreviewPanel(Panel):
    """Asks the host for the latest small frame on every refresh; converts and draws it
    only when it is another picture (or the panel's size or colours changed)."""

    TITLE = "Preview"
    PRIORITY = 10
    MAX_ROWS = MAX_CELL_ROWS

    def __init__(self, source: Callable[[], PreviewImage | None], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.source = source
        self.use_color = True
        self.palette: Palette = {}
        self.image: PreviewImage | None = None
        """The frame `data` fetched, which `build` draws."""
        self.natural = 1
        """Rows the image takes at the panel's full width (what it asks its column for)."""

    def need(self) -> Need:
        need = super().need()
        return replace(need, want=max(need.want, self.natural))

    def data(self, snap: Snapshot) -> object:
        """The frame itself: a picture that did not change is not converted again."""
        self.image = image = self.source()
        if image is None:
            return None
        array = np.asarray(image)
        return array.shape, str(array.dtype), array.tobytes(), self.use_color, self.allotted

    def build(self, snap: Snapshot) -> Lines:
        image = self.image
        if image is None:
            self.natural = 1
            return [Text("no video yet", style="grey50")]
        array = np.asarray(image, dtype=np.uint8)
        if array.ndim != 3 or array.shape[2] < 3 or 0 in array.shape:
            raise ValueError(f"the preview must be an HxWx3 image, got shape {array.shape}")
        width = self.width(64)
        self.natural = _rows_at(array.shape, width)
        rows = self.allotted
        fitted = fit(
            array[:, :, :3], width, MAX_CELL_ROWS if rows is None else min(rows, MAX_CELL_ROWS)
        )
        return half_blocks(fitted, self.palette, colors=self.use_color)

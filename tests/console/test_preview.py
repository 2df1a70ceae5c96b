"""The preview: half blocks with the top pixel in front and the bottom pixel behind."""

from __future__ import annotations

import numpy as np
import pytest
from rich.style import Style

from bridge.console.app.app import PREVIEW_EVERY, ConsoleApp
from bridge.console.app.widgets.preview import SHADES, UPPER_HALF, fit, half_blocks
from tests.console.conftest import SIZE, FakeHost, gradient


def test_top_pixel_is_the_foreground_and_bottom_the_background() -> None:
    """Two pixel rows make one text row: ▀ in the top colour on the bottom colour."""
    image = np.array(
        [[[248, 0, 0], [0, 0, 248]], [[0, 248, 0], [8, 16, 24]]], dtype=np.uint8
    )  # 2 rows x 2 columns; channel values a multiple of 8 survive the 5-bit palette
    (line,) = half_blocks(image)
    assert line.plain == UPPER_HALF * 2
    styles = [span.style for span in line.spans]
    assert all(isinstance(s, Style) for s in styles)
    first, second = (s for s in styles if isinstance(s, Style))
    assert first.color is not None
    assert first.bgcolor is not None
    assert second.color is not None
    assert second.bgcolor is not None
    assert first.color.get_truecolor() == (248, 0, 0)
    assert first.bgcolor.get_truecolor() == (0, 248, 0)
    assert second.color.get_truecolor() == (0, 0, 248)
    assert second.bgcolor.get_truecolor() == (8, 16, 24)


def test_fit_keeps_the_aspect_and_never_enlarges() -> None:
    """A 576x320 frame into 64 columns is 64x36 pixels (18 rows); a small one stays small."""
    frame = np.zeros((320, 576, 3), dtype=np.uint8)
    assert fit(frame, 64).shape == (36, 64, 3)
    assert fit(frame, 32).shape == (18, 32, 3)
    assert fit(gradient(8, 10), 64).shape == (8, 10, 3)


def test_shades_without_colour() -> None:
    """With colours off, black is blank and white is a full block."""
    image = np.zeros((2, 2, 3), dtype=np.uint8)
    image[:, 1] = 255
    (line,) = half_blocks(image, colors=False)
    assert line.plain == SHADES[0] + SHADES[-1]
    assert not line.spans


async def test_preview_is_64_by_18_cells_when_there_is_room(host: FakeHost) -> None:
    """On a wide terminal the 64x36 preview is drawn at full size: 18 rows of 64 cells."""
    app = ConsoleApp(host)
    async with app.run_test(size=(230, 50)) as pilot:
        await pilot.pause()
        lines = app.preview.text.splitlines()
    assert lines == [UPPER_HALF * 64] * 18


async def test_preview_degrades_to_shades_with_no_color(
    host: FakeHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NO_COLOR: the preview is drawn in block shades, still recognisable."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = ConsoleApp(host)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = app.preview.text
    assert UPPER_HALF not in text
    assert set(text) - {"\n"} <= set(SHADES)
    assert len(set(text) - {"\n"}) >= 3  # a gradient, not a flat field


async def test_no_frame_yet_and_a_bad_frame(host: FakeHost) -> None:
    """None says no video yet; a wrongly shaped frame fails in the preview panel only."""
    app = ConsoleApp(host)
    host.image = None
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.preview.text == "no video yet"
        host.image = np.zeros((36, 64), dtype=np.uint8)
        for _ in range(PREVIEW_EVERY):  # the preview is redrawn every few refreshes
            app.refresh_panels()
        await pilot.pause()
        assert "this panel failed: ValueError" in app.preview.text
        assert not app.panels["connection"].has_class("-failed")

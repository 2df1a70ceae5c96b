"""The small parts: latest slot, rate meter, pixel conversion."""

from __future__ import annotations

import threading
from fractions import Fraction

import numpy as np
import pytest

from bridge.sim import framecode
from bridge.sinks.convert import to_pixels
from bridge.sinks.rate import RateMeter, nominal_fraction
from bridge.sinks.slot import LatestSlot
from tests.sinks.fakes import stamped


def test_slot_keeps_only_the_newest_and_counts_replacements() -> None:
    """put never waits; a replaced unread item is reported; take empties the slot."""
    slot: LatestSlot[int] = LatestSlot()
    assert slot.put(1) is False
    assert slot.put(2) is True
    assert slot.take(0.0) == 2
    assert slot.take(0.0) is None
    slot.put(3)
    assert slot.clear() is True
    assert slot.take(0.0) is None


def test_slot_wake_releases_a_waiting_reader() -> None:
    """wake() makes a blocked take return None long before its timeout."""
    slot: LatestSlot[int] = LatestSlot()
    results: list[int | None] = []
    reader = threading.Thread(target=lambda: results.append(slot.take(10.0)))
    reader.start()
    slot.wake()
    reader.join(timeout=2.0)
    assert not reader.is_alive()
    assert results == [None]


def test_rate_meter_windows_hysteresis_and_pauses() -> None:
    """The nominal rate moves only on a whole window's evidence; a pause is not a rate."""
    meter = RateMeter(Fraction(30))
    for n in range(31):
        meter.tick(n / 29.5)  # within 10 % of 30: keep announcing 30
    assert meter.nominal == 30
    for n in range(31, 31 + 40):
        meter.tick(31 / 29.5 + (n - 30) / 15)
    assert meter.nominal == 15
    last = 31 / 29.5 + 40 / 15
    assert meter.current(last) == pytest.approx(15, rel=0.1)
    assert meter.current(last + 5) == 0.0
    meter.tick(last + 10)  # after a 10 s pause, still 15
    meter.tick(last + 10 + 1 / 15)
    assert meter.nominal == 15
    assert nominal_fraction(29.97) == 30
    assert nominal_fraction(1.5) == Fraction(3, 2)


@pytest.mark.parametrize(
    ("layout", "shape"),
    [
        ("rgba", (320, 576, 4)),
        ("bgra", (320, 576, 4)),
        ("uyvy", (320, 1152)),
        ("yuv420p", (480, 576)),
    ],
)
def test_conversion_shapes_and_content(layout: str, shape: tuple[int, ...]) -> None:
    """Each layout has the documented shape and keeps the picture (counter readable)."""
    pixels = to_pixels(stamped(1234), layout)  # type: ignore[arg-type]
    assert pixels.shape == shape
    assert pixels.dtype == np.uint8
    if layout in ("rgba", "bgra"):
        assert framecode.read(pixels) == 1234
    elif layout == "uyvy":
        luma = pixels[:, 1::2]  # U Y V Y: every second byte is luma
        assert framecode.read(luma[:, :, None]) == 1234
    else:
        assert framecode.read(pixels[:320, :, None]) == 1234


def test_odd_size_cannot_be_i420() -> None:
    """I420 needs even sizes: a clear ValueError, which the router turns into a sink error."""
    import av

    frame = av.VideoFrame.from_ndarray(np.zeros((33, 65, 3), np.uint8), format="rgb24")
    with pytest.raises(ValueError, match="even size"):
        to_pixels(frame, "yuv420p")

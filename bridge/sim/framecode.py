"""A frame counter drawn in large blocks, readable after lossy video coding (VP8, NDI).

The stand-in stamps every frame it sends; tests and benchmarks read the number back from what
came out of a sink. 16 bits, most significant first, as a row of 16 squares of ``BLOCK``
pixels from the top-left corner: white is 1, black is 0. Needs a frame at least 512×32.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

BITS = 16
BLOCK = 32
WIDTH = BITS * BLOCK


def stamp(pixels: npt.NDArray[np.uint8], counter: int) -> None:
    """Draw ``counter`` (mod 2**16) into an H×W×C uint8 image in place."""
    value = counter % (1 << BITS)
    for bit in range(BITS):
        on = (value >> (BITS - 1 - bit)) & 1
        x = bit * BLOCK
        pixels[:BLOCK, x : x + BLOCK, :3] = 255 if on else 0


def read(pixels: npt.NDArray[np.uint8]) -> int:
    """Read the counter back from an H×W×C image (RGB(A) or BGR(A); grey levels only)."""
    value = 0
    margin = BLOCK // 4
    for bit in range(BITS):
        x = bit * BLOCK
        core = pixels[margin : BLOCK - margin, x + margin : x + BLOCK - margin, :3]
        value = (value << 1) | int(float(core.mean()) > 127.5)
    return value

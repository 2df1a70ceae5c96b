"""Relative encoders: decoding a 7-bit CC into a signed step count.

The three encodings controllers use (ReaLearn calls them types 1/2/3):
- two's complement: 1..63 up, 127..65 down (127 = -1);
- binary offset: 64 is zero, 65.. up, 63.. down;
- sign-magnitude: bit 6 is the sign (65 = -1), 1..63 up.
A value of 0 (or 64 in binary offset) means no movement.
"""

from __future__ import annotations

from bridge.core.bindings import EncoderMode


def decode(value: int, mode: EncoderMode) -> int:
    value &= 0x7F
    if mode == "twos_complement":
        return value - 128 if value >= 64 else value
    if mode == "binary_offset":
        return value - 64
    magnitude = value & 0x3F
    return -magnitude if value & 0x40 else magnitude


def accelerated(steps: int, acceleration: float) -> float:
    """Faster turns move further: |steps| grows by ``acceleration`` per extra tick."""
    if acceleration <= 0.0 or abs(steps) <= 1:
        return float(steps)
    sign = 1.0 if steps > 0 else -1.0
    return sign * abs(steps) * (1.0 + acceleration * (abs(steps) - 1))

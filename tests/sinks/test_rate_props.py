"""The announced rate as receivers see it: set once from a settled window, kept through the
wobble of a loaded machine and a start-up burst, moved by a real change (each move reopens
an NDI sender, a ~1 s freeze at every receiver)."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.sinks.rate import RateMeter

WOBBLE = 0.06
"""Per-window deviation measured from a loaded machine's stream (fps_in 29.7-30.0 over 5 s)."""


def feed(meter: RateMeter, start: float, rates: list[float]) -> tuple[float, list[Fraction]]:
    """One second of ticks at each rate in turn; the time after, and each second's nominal."""
    now = start
    seen: list[Fraction] = []
    for rate in rates:
        end = now + 1.0
        while now < end:
            meter.tick(now)
            now += 1.0 / rate
        seen.append(meter.nominal)
    return now, seen


@settings(max_examples=200, deadline=None)
@given(
    base=st.floats(10.0, 60.0),
    burst=st.floats(0.0, 0.3),
    wobble=st.lists(st.floats(-WOBBLE, WOBBLE), min_size=8, max_size=20),
)
def test_a_wobbling_stream_is_announced_once(
    base: float, burst: float, wobble: list[float]
) -> None:
    """A start-up burst, then a rate that wobbles: one announcement, near the real rate."""
    meter = RateMeter(Fraction(30))
    _, seen = feed(meter, 0.0, [base * (1 + burst)] + [base * (1 + w) for w in wobble])
    assert meter.known
    assert len(set(seen[2:])) == 1, f"the announced rate moved: {seen}"
    assert abs(float(seen[-1]) - base) <= WOBBLE * base + 1, f"announced the burst: {seen}"


@settings(max_examples=200, deadline=None)
@given(
    base=st.floats(10.0, 60.0),
    factor=st.one_of(st.floats(0.2, 0.7), st.floats(1.35, 3.0)),
)
def test_a_real_change_is_announced_within_three_windows(base: float, factor: float) -> None:
    """A pipeline at a third or double the rate: announced (and the sender reopened)."""
    meter = RateMeter(Fraction(30))
    now, _ = feed(meter, 0.0, [base] * 4)
    assert abs(float(meter.nominal) - base) <= 0.1 * base + 1
    _, seen = feed(meter, now, [base * factor] * 4)
    assert abs(float(seen[3]) - base * factor) <= 0.1 * base * factor + 1, (seen, base, factor)

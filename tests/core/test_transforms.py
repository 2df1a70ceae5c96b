"""Transforms, encoders and takeover: the pieces of a mapping's chain."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bridge.core.bindings import Transform
from bridge.core.encoders import accelerated, decode
from bridge.core.takeover import Takeover
from bridge.core.transforms import Chain, Temporal, curve, lerp, normalise, shape

unit = st.floats(0.0, 1.0, allow_nan=False)
shapes = st.sampled_from(["linear", "exponential", "logarithmic", "scurve"])


@given(lo=st.floats(-1e6, 1e6), hi=st.floats(-1e6, 1e6), t=unit)
def test_lerp_stays_between_its_ends_and_hits_them_exactly(lo: float, hi: float, t: float) -> None:
    """lerp never leaves [lo, hi] and gives lo at 0 and hi at 1 exactly."""
    value = lerp(lo, hi, t)
    assert min(lo, hi) <= value <= max(lo, hi)
    assert lerp(lo, hi, 0.0) == lo
    assert lerp(lo, hi, 1.0) == hi


@given(x=unit, y=unit, kind=shapes, amount=st.floats(0.05, 20.0))
def test_curves_are_monotonic_and_keep_their_ends(
    x: float, y: float, kind: str, amount: float
) -> None:
    """Every curve maps 0→0 and 1→1 and never reverses a knob's direction."""
    t = Transform("curve", shape=kind, amount=amount)  # type: ignore[arg-type]
    assert abs(curve(0.0, t)) < 1e-9
    assert abs(curve(1.0, t) - 1.0) < 1e-9
    lo, hi = sorted((x, y))
    assert curve(lo, t) <= curve(hi, t) + 1e-12


def test_breakpoint_curve_interpolates_between_points() -> None:
    """A points curve passes through its points and interpolates linearly between them."""
    t = Transform("curve", shape="points", points=((0.0, 0.0), (0.5, 0.8), (1.0, 1.0)))
    assert curve(0.5, t) == 0.8
    assert abs(curve(0.25, t) - 0.4) < 1e-12
    assert abs(curve(0.75, t) - 0.9) < 1e-12


@given(x=unit)
def test_deadzone_reaches_both_ends_early(x: float) -> None:
    """A dead zone makes the last few percent of travel at each end read as the end."""
    t = Transform("deadzone", width=0.05)
    assert shape(0.04, t) == 0.0
    assert shape(0.96, t) == 1.0
    assert 0.0 <= shape(x, t) <= 1.0


@given(x=unit)
def test_quantize_lands_on_its_grid(x: float) -> None:
    """Quantised values are multiples of the step."""
    value = shape(x, Transform("quantize", step=0.25))
    assert value in (0.0, 0.25, 0.5, 0.75, 1.0)


@given(raw=st.floats(-1e4, 1e4), lo=st.floats(-100, 100), span=st.floats(0.5, 200))
def test_normalise_is_clamped(raw: float, lo: float, span: float) -> None:
    """Raw values outside the input range clamp to 0..1."""
    assert 0.0 <= normalise(raw, lo, lo + span) <= 1.0


def test_smoothing_approaches_with_its_time_constant() -> None:
    """After one time constant a one-pole smoother has covered ~63% of a step."""
    stage = Temporal(Transform("smooth", ms=100.0))
    stage.feed(0.0, 0.0)
    stage.feed(1.0, 0.0)
    stage.advance(0.1)
    assert stage.current is not None
    assert abs(stage.current - 0.632) < 0.01
    assert not stage.settled


def test_slew_limits_the_rate_of_change() -> None:
    """A slew of 2/s moves at most 0.2 in 100 ms, and settles on the target."""
    chain = Chain((Transform("slew", per_s=2.0),))
    assert chain.run(0.0, 0.0) == 0.0
    assert abs(chain.run(1.0, 0.1) - 0.0) < 1e-9  # the target is set, nothing elapsed yet
    assert abs(chain.run(1.0, 0.2) - 0.2) < 1e-9
    assert chain.run(1.0, 1.0) == 1.0
    assert chain.settled


@given(steps=st.integers(-63, 63))
def test_encoders_decode_what_they_encode(steps: int) -> None:
    """Each relative encoding round-trips every step count a controller can send."""
    twos = steps & 0x7F
    offset = steps + 64
    sign_mag = (0x40 | -steps) if steps < 0 else steps
    assert decode(twos, "twos_complement") == steps
    assert decode(offset, "binary_offset") == steps
    assert decode(sign_mag, "sign_magnitude") == steps


def test_acceleration_only_speeds_up_fast_turns() -> None:
    """One tick stays one step; several ticks at once move further than linear."""
    assert accelerated(1, 1.0) == 1.0
    assert accelerated(-1, 1.0) == -1.0
    assert accelerated(3, 1.0) == 9.0
    assert accelerated(3, 0.0) == 3.0


def test_pickup_waits_for_the_knob_to_cross_the_value() -> None:
    """A knob below the value does nothing until it sweeps past it, then it follows."""
    t = Takeover("pickup", 0.0, 1.0)
    t.last_set = 0.7  # the knob set 0.7 earlier ...
    current = 0.2  # ... then a scene moved the target to 0.2
    assert t.filter(0.6, current) is None
    assert t.filter(0.5, current) is None
    assert t.hint(current) == "down"
    assert t.filter(0.1, current) == 0.1  # crossed 0.2 between two moves: picked up
    assert t.filter(0.15, 0.1) == 0.15


def test_tolerant_pickup_engages_near_the_value() -> None:
    """Tolerant pick-up takes over when the knob comes within the tolerance."""
    t = Takeover("pickup_tolerant", 0.0, 1.0, tolerance=0.05)
    assert t.filter(0.9, 0.5) is None
    assert t.filter(0.53, 0.5) == 0.53


def test_catchup_converges_toward_the_knob() -> None:
    """Catch-up moves the value toward the knob in proportion, then engages when they meet."""
    t = Takeover("catchup", 0.0, 1.0, tolerance=0.01)
    assert t.filter(0.2, 0.6) is None  # first sight: only remembered
    v1 = t.filter(0.4, 0.6)
    assert v1 is not None
    assert 0.6 < v1 < 1.0
    v = v1
    knob = 0.4
    while knob < 1.0:
        knob = min(1.0, knob + 0.1)
        got = t.filter(knob, v)
        assert got is not None
        v = got
    assert v == 1.0
    assert t.engaged


@given(moves=st.lists(unit, min_size=1, max_size=40), start=unit)
def test_pickup_never_jumps(moves: list[float], start: float) -> None:
    """Under pick-up the first value set is within epsilon of the held value, or crossed it."""
    t = Takeover("pickup", 0.0, 1.0)
    t.last_set = -1.0  # disengaged
    current = start
    previous: float | None = None
    for knob in moves:
        got = t.filter(knob, current)
        if got is not None:
            crossed = previous is not None and (previous - current) * (knob - current) <= 0
            assert crossed or abs(knob - current) <= 0.005
            return
        previous = knob

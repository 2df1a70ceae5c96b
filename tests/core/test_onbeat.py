"""Beat-true at Scope's output: the send-early prediction and the quantiser that uses it."""

from __future__ import annotations

import math
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from bridge.core import events as ev
from bridge.core.beats import BeatClock
from bridge.core.onbeat import LandingWatch, Latency, landing
from bridge.core.pacer import Pacer
from bridge.core.payload import PayloadBuilder
from bridge.core.state import Change, ShowState
from tests.core.showkit import core_show

chunks = st.floats(0.01, 2.0)
fractions = st.floats(0.0, 1.0, exclude_max=True)


@given(
    chunk=chunks,
    phase=fractions,
    ahead=st.integers(0, 7),
    wait=st.floats(0.0, 0.034),
    delay=st.floats(0.0, 2.0),
    trip=st.floats(0.0, 0.01),
    beat=st.floats(10.0, 1000.0),
)
def test_a_change_sent_by_the_lead_shows_on_the_call_nearest_the_beat(
    chunk: float, phase: float, ahead: int, wait: float, delay: float, trip: float, beat: float
) -> None:
    """Whatever the phase of Scope's calls, queue, rate wait or frame delay: released the
    predicted lead before the beat, the change shows within half a call of it."""
    latency = Latency(chunk, ahead, wait, delay, trip)
    first_call = beat - 100.0 * chunk + phase * chunk
    shown = landing(beat - latency.lead(), latency, first_call)
    assert abs(shown - beat) <= chunk / 2.0 + 1e-6


@given(chunk=chunks, phase=fractions, ahead=st.integers(0, 7), beat=st.floats(10.0, 1000.0))
def test_the_nearest_call_is_as_close_as_chunking_allows(
    chunk: float, phase: float, ahead: int, beat: float
) -> None:
    """No release time does better: the call start the lead reaches is the nearest one."""
    latency = Latency(chunk, ahead)
    first_call = beat - 100.0 * chunk + phase * chunk
    shown = landing(beat - latency.lead(), latency, first_call)
    k = round((beat - first_call) / chunk)
    nearest = min(abs(first_call + j * chunk - beat) for j in (k - 1, k, k + 1))
    assert abs(shown - beat) <= nearest + 1e-6


def test_a_fixed_lookahead_misses_by_more_than_half_a_call() -> None:
    """The old fixed 375 ms: on a pipeline of 18 ms calls the change shows 0.36 s early;
    on a queue two deep with 0.75 s calls it shows more than a call late."""
    fast = Latency(0.018)
    shown = landing(10.0 - 0.375, fast, 0.0)
    assert shown - 10.0 < -0.35
    busy = Latency(0.75, ahead=2)
    shown = landing(10.0 - 0.375, busy, 0.1)
    assert shown - 10.0 > 0.75
    assert abs(landing(10.0 - busy.lead(), busy, 0.1) - 10.0) <= 0.375


@given(
    parts=st.lists(
        st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.just(-1.0)),
        min_size=4,
        max_size=4,
    ),
    ahead=st.integers(-5, 8),
)
def test_a_lead_is_never_negative_nor_meaningless(parts: list[float], ahead: int) -> None:
    chunk, wait, delay, trip = parts
    lead = Latency(chunk, ahead, wait, delay, trip).lead()
    assert math.isfinite(lead)
    assert lead >= 0.0


def beating(clock: BeatClock, until: float, bpm: float = 120.0) -> None:
    period = 60.0 / bpm
    n = 0
    while n * period <= until:
        clock.observe(ev.TempoBeat(n * period, "scope", bpm, 0.0, 0.0, beat=True))
        n += 1


def test_the_lead_is_read_when_the_change_is_due() -> None:
    """Held for the beat at 2.0 s with a 0.1 s lead; the queue fills meanwhile (lead 0.4 s):
    the change leaves at 1.6 s, not 1.9 s, and says which beat it was meant for."""
    clock = BeatClock("beat", 0.375, lead=0.1)
    beating(clock, 1.0)
    assert clock.hold([Change("scene", "b")], 1.7) == []
    assert clock.next_release() == 1.9
    clock.lead = 0.4
    assert clock.due(1.55) == []
    assert clock.due(1.6) == [Change("scene", "b")]
    assert clock.take_released() == [(2.0, 1.6)]
    assert clock.take_released() == []


def test_without_a_lead_the_fixed_lookahead_applies() -> None:
    clock = BeatClock("beat", 0.25)
    beating(clock, 1.0)
    clock.hold([Change("scene", "b")], 1.1)
    assert clock.next_release() == 1.25
    assert replace(clock, lead=0.05).next_release() == 1.45


def test_a_landing_is_the_first_frame_of_the_call_that_takes_the_change() -> None:
    """Sent with 3.5 calls seen, taken at modelled call 4.5: the call that takes it starts
    once 4 calls were seen; the frame past that is the first to show it."""
    watch = LandingWatch()
    watch.sent(10.0, 4.5)
    assert watch.frames(3.75, 9.9) is None
    assert watch.frames(4.0, 9.95) is None
    landed = watch.frames(4.25, 10.02)
    assert landed is not None
    assert abs(landed - 20.0) < 1e-6
    assert watch.landed_ms == landed
    assert watch.landings == 1
    assert watch.frames(5.0, 10.5) is None  # nothing in flight any more


def test_a_frame_delay_in_calls_moves_the_landing_one_call_later() -> None:
    watch = LandingWatch()
    watch.sent(10.0, 4.5, delay_calls=1)
    assert watch.frames(4.25, 10.02) is None
    assert watch.frames(5.25, 10.3) is not None
    assert watch.landed_ms is not None
    assert abs(watch.landed_ms - 300.0) < 1e-6


def test_the_pacer_says_when_its_budget_has_room_again() -> None:
    """One update in flight with the budget at one: room when the model's call takes it."""
    state = ShowState(core_show())
    pacer = Pacer(state, PayloadBuilder(), chunk_rate_hz=2.0)
    pacer.reset(0.0)
    assert pacer.room_in(0.0) == 0.0
    state.apply(Change("prompt.p1.weight", 0.4))
    assert pacer.poll(0.1) is not None
    assert abs(pacer.room_in(0.1) - 0.5) < 1e-9
    assert abs(pacer.room_in(0.4) - 0.2) < 1e-9
    assert pacer.room_in(0.6) == 0.0

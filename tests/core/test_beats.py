"""Beat-quantised scene changes: held for the next bar, released ahead by the lookahead."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from bridge.core import events as ev
from bridge.core.beats import BeatClock
from bridge.core.mapping import Engine
from bridge.core.state import Change, ShowState
from tests.core.showkit import core_show


def quantised(mode: str = "bar", lookahead_ms: float = 100.0) -> tuple[ShowState, Engine]:
    show = replace(core_show(), quantize=mode, lookahead_ms=lookahead_ms)  # type: ignore[arg-type]
    state = ShowState(show)
    return state, Engine(show, state)


def beats(engine: Engine, state: ShowState, until: float, bpm: float = 120.0) -> None:
    period = 60.0 / bpm
    n = 0
    while n * period <= until:
        t = n * period
        event = ev.TempoBeat(t, "audio", bpm, 0.0, (n % 4) / 4, beat=True, downbeat=n % 4 == 0)
        for c in engine.feed(event):
            state.apply(c)
        n += 1


def test_a_scene_pad_waits_for_the_next_bar_minus_the_lookahead() -> None:
    """At 120 BPM a press at 2.7 s lands at the bar at 4.0 s, released at 3.9 s."""
    state, engine = quantised()
    beats(engine, state, 2.6)
    for c in engine.feed(ev.NoteOn(2.7, "ctl", 1, 37, 100)):
        state.apply(c)
    assert state.scene == "a"
    assert engine.needs_ticks
    for c in engine.tick(3.85):
        state.apply(c)
    assert state.scene == "a"
    for c in engine.tick(3.9):
        state.apply(c)
    assert state.scene == "b"


def test_knobs_are_never_held() -> None:
    """Only scene changes wait; a fader goes at once even with quantise on."""
    state, engine = quantised()
    beats(engine, state, 1.0)
    for c in engine.feed(ev.ControlChange(1.1, "ctl", 1, 1, 0)):
        state.apply(c)
    assert state.value("prompt.p1.weight") == 0.0


def test_an_unsure_tempo_does_not_hold_anything() -> None:
    """Low confidence (or no beat lately): the scene changes at once."""
    state, engine = quantised()
    engine.feed(ev.TempoBeat(0.0, "audio", 120.0, 0.0, 0.0, beat=True, confidence=0.2))
    for c in engine.feed(ev.NoteOn(0.3, "ctl", 1, 37, 100)):
        state.apply(c)
    assert state.scene == "b"
    _, engine = quantised()
    engine.feed(ev.TempoBeat(0.0, "audio", 120.0, 0.0, 0.0, beat=True))
    assert engine.feed(ev.NoteOn(5.0, "ctl", 1, 37, 100))  # the last beat is too old


@given(
    bpm=st.floats(60, 200),
    press=st.floats(0.0, 30.0),
    lookahead=st.floats(0.0, 1.0),
    mode=st.sampled_from(["beat", "bar"]),
)
def test_release_plus_lookahead_is_always_a_boundary_in_the_future(
    bpm: float, press: float, lookahead: float, mode: str
) -> None:
    """For any tempo and moment, the release lands lookahead before a beat/bar boundary."""
    clock = BeatClock(mode, lookahead)
    clock.observe(ev.TempoBeat(press - 0.01, "a", bpm, 0.0, 0.0, beat=True, downbeat=True))
    held = clock.hold([Change("scene.next", 1.0)], press)
    assert held == []
    ((boundary, _),) = clock.waiting
    release = clock.next_release()
    assert release is not None
    assert abs(release - (boundary - lookahead)) < 1e-9
    period = 60.0 / bpm * (4 if mode == "bar" else 1)
    assert boundary >= press + lookahead - 1e-9
    assert boundary - (press + lookahead) < period + 1e-9
    k = (boundary - (press - 0.01)) / period
    assert abs(k - round(k)) < 1e-6


def test_an_lfo_scene_change_is_held_once_and_then_released() -> None:
    """A change made on a tick is held like any other, and released by a later tick."""
    state, engine = quantised("beat", 0.0)
    beats(engine, state, 1.0)
    held = engine.beat_clock.hold([Change("scene.next", 1.0)], 1.1)
    assert held == []
    for c in engine.tick(1.2):
        state.apply(c)
    assert state.scene == "a"
    for c in engine.feed(ev.Tick(1.5)):
        state.apply(c)
    assert state.scene == "b"
    assert not engine.beat_clock.waiting


def test_a_beat_marked_late_counts_from_when_the_beat_was() -> None:
    """The leading tempo marks a beat at its first event past it: the phase says how late."""
    clock = BeatClock("beat", 0.0)
    clock.observe(ev.TempoBeat(10.05, "link", 120.0, 0.1, 0.025, beat=True, downbeat=True))
    assert clock.last_beat is not None
    assert abs(clock.last_beat - 10.0) < 1e-9
    assert clock.last_downbeat is not None
    assert abs(clock.last_downbeat - 10.0) < 1e-9
    assert abs(clock.boundary_after(10.2) - 10.5) < 1e-9

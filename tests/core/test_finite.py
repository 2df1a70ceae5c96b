"""NaN, ±inf and other hostile numbers through the pure core: refused and counted, never raised.

The show (hostile-show.toml) has every source kind and every target kind, the discrete
targets that used to raise on NaN (`scene`, `denoising_steps`, `prompt.X.text` with
`values`), LFOs, smoothing, slew, curves and merges.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.core import events as ev
from bridge.core.beats import BeatClock
from bridge.core.finite import Refusals, by_source, screen
from bridge.core.mapping import Engine
from bridge.core.pacer import Pacer
from bridge.core.payload import PayloadBuilder
from bridge.core.show import Show
from bridge.core.state import Change, ShowState
from bridge.core.targets import spec_of
from bridge.errors import ConfigError
from tests.core.showkit import hostile_show

NAN, INF = float("nan"), float("inf")


def rig() -> tuple[ShowState, Engine]:
    show = hostile_show()
    state = ShowState(show)
    return state, Engine(show, state)


# -- strategies: every float there is, and ints a wire could carry -------------------------
hostile = st.one_of(
    st.floats(),  # NaN, ±inf, subnormals, ±1.8e308 included
    st.sampled_from([NAN, INF, -INF, 1e308, -1e308, 5e-324, -0.0, 0.5]),
)
wire_int = st.one_of(st.integers(0, 127), st.integers(-(2**31), 2**31 - 1))
channel = st.integers(1, 16)
stamp = st.one_of(st.floats(0.0, 1e4), hostile)
ADDRESSES = ["/p1", "/p2", "/lora", "/scene", "/steps", "/text", "/method", "/mode"]
ADDRESSES += ["/noise", "/pause", "/reset", "/unmapped"]
osc_arg = st.one_of(hostile, wire_int, st.booleans(), st.none(), st.sampled_from(["x", "b"]))
FEATURES = ["level", "bpm", "bass", "onset"]


def events(t: st.SearchStrategy[float] = stamp) -> st.SearchStrategy[ev.Event]:
    return st.one_of(
        st.builds(ev.ControlChange, t, st.just("ctl"), channel, st.sampled_from([1, 2]), wire_int),
        st.builds(ev.ProgramChange, t, st.just("ctl"), channel, wire_int),
        st.builds(ev.PitchBend, t, st.just("ctl"), channel, wire_int),
        st.builds(
            ev.ParamNumber,
            t,
            st.just("ctl"),
            channel,
            st.just("nrpn"),
            st.just(300),
            wire_int,
            st.sampled_from([0, 1, -1]),
        ),
        st.builds(ev.NoteOn, t, st.just("ctl"), channel, st.sampled_from([36, 37]), wire_int),
        st.builds(ev.NoteOff, t, st.just("ctl"), channel, st.sampled_from([36, 37])),
        st.builds(
            ev.OscMessage,
            t,
            st.just("host"),
            st.sampled_from(ADDRESSES),
            st.lists(osc_arg, max_size=3).map(tuple),
        ),
        st.builds(
            ev.AudioFeatures,
            t,
            st.just("mic"),
            st.dictionaries(st.sampled_from(FEATURES), hostile, max_size=4),
        ),
        st.builds(ev.AudioOnset, t, st.just("mic"), hostile),
        st.builds(
            ev.TempoBeat,
            t,
            st.just("tempo"),
            hostile,
            hostile,
            hostile,
            st.booleans(),
            st.booleans(),
            hostile,
        ),
        st.builds(
            ev.UiAction,
            t,
            st.just("ui"),
            st.sampled_from(["set_value", "select_scene", "toggle_pause", "next_scene"]),
            st.sampled_from(["prompt.p1.weight", "scene", "denoising_steps", "a", "b"]),
            st.one_of(hostile, st.none(), st.just("b")),
        ),
        st.builds(ev.Tick, t),
    )


# -- what must always hold ----------------------------------------------------------------
def assert_finite_change(change: Change) -> None:
    if isinstance(change.value, float):
        assert math.isfinite(change.value), change


def assert_state_sound(state: ShowState) -> None:
    for key, value in state.base.items():
        spec = spec_of(key)
        assert spec is not None
        assert math.isfinite(value), (key, value)
        assert spec.lo <= value <= spec.hi, (key, value)
    for key, mods in state.mods.items():
        for _op, amount in mods.values():
            assert math.isfinite(amount), (key, amount)
        spec = spec_of(key)
        effective = state.value(key)
        assert spec is not None
        assert effective is not None
        assert spec.lo <= effective <= spec.hi, (key, effective)
    assert 0.0 <= state.transition_steps <= 64
    assert state.scene in {s.name for s in state.show.scenes}


def assert_finite_json(payload: dict[str, Any]) -> None:
    json.dumps(payload, allow_nan=False)  # raises on NaN or ±inf anywhere inside


@settings(max_examples=400, deadline=None)
@given(script=st.lists(st.tuples(st.floats(0.0, 0.5), events()), min_size=1, max_size=40))
def test_engine_state_payload_and_pacer_never_raise_nor_emit_non_finite(
    script: list[tuple[float, ev.Event]],
) -> None:
    """Any event with any float anywhere: no exception, every change finite, the state within
    its bounds, every payload valid JSON without NaN or inf."""
    state, engine = rig()
    builder = PayloadBuilder()
    pacer = Pacer(state, builder, chunk_rate_hz=5.0)
    assert_finite_json(builder.full(state, "longlive"))
    pacer.reset(0.0)
    now = 0.0
    for dt, event in script:
        now += dt
        for change in engine.feed(event) + engine.tick(now):
            assert_finite_change(change)
            state.apply(change)
        assert_state_sound(state)
        wake = pacer.next_wakeup(now)
        assert wake is None or math.isfinite(wake)
        payload = pacer.poll(now)
        if payload is not None:
            assert_finite_json(payload)
    assert_finite_json(builder.full(state, "longlive"))


@settings(max_examples=200, deadline=None)
@given(event=events(), value=hostile, target=st.sampled_from(["scene", "prompt.p1.weight"]))
def test_the_state_stores_no_non_finite_number(event: ev.Event, value: float, target: str) -> None:
    """A change carrying NaN or inf is ignored by the state, whatever made it."""
    state, _ = rig()
    before = dict(state.base), state.scene, state.version
    state.apply(Change(target, value))
    assert_state_sound(state)
    if not math.isfinite(value):
        assert (dict(state.base), state.scene, state.version) == before


def test_nan_on_every_discrete_target_is_refused_and_counted() -> None:
    """NaN and inf to scene, denoising_steps and a text with values (which raised in _select)
    change nothing and are counted by source and reason."""
    state, engine = rig()
    before = (state.scene, state.preset, dict(state.texts))
    for address in ("/scene", "/steps", "/text", "/mode", "/p1", "/pause"):
        for value in (NAN, INF, -INF):
            assert engine.feed(ev.OscMessage(1.0, "host", address, (value,))) == []
    assert (state.scene, state.preset, dict(state.texts)) == before
    assert engine.refused == Counter({("host", "nan"): 6, ("host", "inf"): 12})


SMOOTH_SHOW = """
schema = 1
[[prompts]]
id = "p1"
text = "one"
[devices.osc.host]
port = 9001
[[mappings]]
source = { osc = "host", address = "/p1" }
target = "prompt.p1.weight"
transforms = [{ smooth = 80 }]
[[mappings]]
source = { lfo = "triangle", period_s = 0.5 }
target = "kv_cache_attention_bias"
"""


def test_smoothing_survives_nan_and_keeps_its_value(show_from: Callable[[str], Show]) -> None:
    """A smoothed mapping fed NaN keeps gliding to its last finite target and settles; the
    LFO beside it goes on."""
    show = show_from(SMOOTH_SHOW)
    state = ShowState(show)
    engine = Engine(show, state)
    for t, x in ((0.0, 1.0), (0.01, 0.0)):
        for change in engine.feed(ev.OscMessage(t, "host", "/p1", (x,))):
            state.apply(change)
    assert engine.feed(ev.OscMessage(0.02, "host", "/p1", (NAN,))) == []
    assert engine.feed(ev.OscMessage(0.02, "host", "/p1", (-INF,))) == []
    kv = set()
    for k in range(1, 200):
        for change in engine.tick(0.02 + k * 0.01):
            assert_finite_change(change)
            state.apply(change)
        kv.add(state.value("kv_cache_attention_bias"))
    assert state.value("prompt.p1.weight") == 0.0
    assert all(live.chain.settled for live in engine.lives)
    assert len(kv) > 20
    assert engine.refused == Counter({("host", "nan"): 1, ("host", "inf"): 1})


def test_a_non_finite_clock_moves_nothing() -> None:
    """A tick at NaN or inf is refused; the LFOs then go on from finite time."""
    _state, engine = rig()
    assert engine.tick(NAN) == engine.tick(INF) == []
    assert engine.t0 is None
    assert engine.tick(1.0)  # the LFOs move once a finite time arrives
    assert engine.refused == Counter({("clock", "nan"): 1, ("clock", "inf"): 1})


def test_screen_keeps_finite_features_and_refuses_the_rest() -> None:
    """An audio frame loses only its NaN features; tempo, onsets and console values with a
    non-finite number are refused whole; each refusal is counted by source and reason."""
    refused: Refusals = Counter()
    frame = screen(ev.AudioFeatures(1.0, "mic", {"level": 0.5, "bass": NAN, "bpm": INF}), refused)
    assert isinstance(frame, ev.AudioFeatures)
    assert dict(frame.values) == {"level": 0.5}
    assert screen(ev.AudioFeatures(1.0, "mic", {"bass": NAN}), refused) is None
    assert screen(ev.TempoBeat(1.0, "clock", 120.0, NAN, 0.0), refused) is None
    assert screen(ev.AudioOnset(1.0, "mic", -INF), refused) is None
    assert screen(ev.UiAction(1.0, "ui", "set_value", "paused", INF), refused) is None
    assert screen(ev.UiAction(1.0, "ui", "set_value", "paused", 10**400), refused) is None
    assert screen(ev.Tick(NAN), refused) is None
    ok = ev.UiAction(1.0, "ui", "set_prompt_text", "p1", "nan")
    assert screen(ok, refused) is ok
    assert by_source(refused) == {
        "clock": {"nan": 2},
        "mic": {"inf": 2, "nan": 2},
        "ui": {"inf": 2},
    }


def test_numpy_features_are_screened_without_warnings() -> None:
    """The analyser's numpy scalars: NaN and inf are refused (numpy would warn on inf - inf,
    and warnings are errors in this suite)."""
    import numpy as np

    refused: Refusals = Counter()
    values: dict[str, Any] = {
        "level": np.float32(0.25),
        "bass": np.float32("inf"),
        "mid": np.float64("nan"),
    }
    frame = screen(ev.AudioFeatures(1.0, "mic", values), refused)
    assert isinstance(frame, ev.AudioFeatures)
    assert list(frame.values) == ["level"]
    _state, engine = rig()
    inf: Any = np.float32("inf")
    assert engine.feed(ev.AudioFeatures(1.0, "mic", {"level": inf})) == []
    assert engine.refused == Counter({("mic", "inf"): 1})


@given(bpm=hostile, confidence=hostile, now=hostile, beat_t=hostile)
def test_beat_clock_never_raises_nor_holds_for_ever(
    bpm: float, confidence: float, now: float, beat_t: float
) -> None:
    """Any tempo at any time: a held scene change is released within two bars of 20 BPM."""
    clock = BeatClock("bar", 0.05)
    clock.observe(
        ev.TempoBeat(beat_t, "t", bpm, 0.0, 0.0, beat=True, downbeat=True, confidence=confidence)
    )
    passed = clock.hold([Change("scene", "b")], now)
    release = clock.next_release()
    if release is None:
        assert passed == [Change("scene", "b")]
    else:
        assert math.isfinite(now)
        assert now <= release + 0.05 <= now + 2 * 4 * 60.0 / 20.0 + 0.05


NAN_CONFIG = """
schema = 1
[[prompts]]
id = "p1"
text = "one"
[devices.osc.host]
port = 9001
[[mappings]]
id = "bad-in"
source = { osc = "host", address = "/in" }
target = "prompt.p1.weight"
in = [0.0, 1.0]
[[mappings]]
id = "good"
source = { osc = "host", address = "/good" }
target = "prompt.p1.weight"
"""


def test_a_mapping_with_nan_in_its_range_is_left_out(show_from: Callable[[str], Show]) -> None:
    """The loader refuses nan in a file, but a show built in code can still carry one: that
    mapping is silent (counted once), not a source of NaN values; the other mappings work."""
    with pytest.raises(ConfigError, match="finite number"):
        show_from(NAN_CONFIG.replace("in = [0.0, 1.0]", "in = [nan, 1.0]"))
    loaded = show_from(NAN_CONFIG)
    bad = replace(loaded.bindings[0], in_range=(math.nan, 1.0))
    show = replace(loaded, bindings=(bad, *loaded.bindings[1:]))
    state = ShowState(show)
    engine = Engine(show, state)
    assert engine.refused == Counter({("mapping bad-in", "nan"): 1})
    assert engine.feed(ev.OscMessage(0.0, "host", "/in", (0.5,))) == []
    assert engine.feed(ev.OscMessage(0.0, "host", "/good", (0.5,))) == [
        Change("prompt.p1.weight", 0.5, "set", "good")
    ]

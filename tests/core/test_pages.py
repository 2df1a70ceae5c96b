"""Pages and layers in the engine: what acts where, page select, pick-up per page, feedback."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bridge.config.load import load_show
from bridge.core import events as ev
from bridge.core.bindings import Binding, Source
from bridge.core.mapping import Engine
from bridge.core.pages import View, rank
from bridge.core.pages import acting as split
from bridge.core.show import Show
from bridge.core.state import Change, ShowState
from bridge.core.takeover import EPSILON

PATH = Path(__file__).with_name("pages-show.toml")


@cache
def pages_show() -> Show:
    return load_show(PATH)


def rig() -> tuple[ShowState, Engine]:
    show = pages_show()
    state = ShowState(show)
    return state, Engine(show, state)


def feed(state: ShowState, engine: Engine, event: ev.Event) -> list[Change]:
    changes = engine.feed(event)
    for change in changes:
        state.apply(change)
    return changes


def fader(raw: int) -> ev.ControlChange:
    return ev.ControlChange(0.0, "ctl", 1, 48, raw)


def press(state: ShowState, engine: Engine, n: int) -> list[Change]:
    changes = feed(state, engine, ev.NoteOn(0.0, "ctl", 1, n, 100))
    return changes + feed(state, engine, ev.NoteOff(0.0, "ctl", 1, n))


def shift(state: ShowState, engine: Engine, held: bool) -> None:
    on = ev.NoteOn(0.0, "ctl", 1, 122, 100) if held else ev.NoteOff(0.0, "ctl", 1, 122)
    assert feed(state, engine, on) == []


def acting(engine: Engine) -> set[str]:
    return {live.binding.id for live in engine.acting}


def test_the_show_starts_on_its_first_page() -> None:
    _, engine = rig()
    assert engine.view.page == "mix"
    assert "fader-a" in acting(engine)
    assert not {"fader-b", "fader-ink", "pad-fx"} & acting(engine)


def test_a_control_on_an_inactive_page_does_nothing() -> None:
    """The fx pad changes nothing on mix; on fx it sets prompt a."""
    state, engine = rig()
    assert press(state, engine, 10) == []
    assert state.value("prompt.a.weight") == 0.2
    press(state, engine, 3)  # the "fx" pad
    assert engine.view.page == "fx"
    assert [c.target for c in press(state, engine, 10)] == ["prompt.a.weight"]
    assert state.value("prompt.a.weight") == 1.0


def test_page_next_and_prev_wrap_and_never_reach_scope() -> None:
    state, engine = rig()
    seen = []
    for _ in range(4):
        assert press(state, engine, 1) == []  # the engine's own: no change for Scope
        seen.append(engine.view.page)
    assert seen == ["lora", "fx", "mix", "lora"]
    press(state, engine, 2)
    press(state, engine, 2)
    assert engine.view.page == "fx"
    assert not state.dirty
    assert not state.actions


def test_program_change_encoder_and_osc_select_pages() -> None:
    state, engine = rig()
    feed(state, engine, ev.ProgramChange(0.0, "ctl", 1, 2))
    assert engine.view.page == "fx"
    feed(state, engine, ev.ProgramChange(0.0, "ctl", 1, 9))  # no tenth page: stays
    assert engine.view.page == "fx"
    feed(state, engine, ev.ControlChange(0.0, "ctl", 1, 20, 1))  # one step on, wrapping
    assert engine.view.page == "mix"
    feed(state, engine, ev.ControlChange(0.0, "ctl", 1, 20, 127))  # one step back
    assert engine.view.page == "fx"
    feed(state, engine, ev.OscMessage(0.0, "host", "/page", ("lora",)))
    assert engine.view.page == "lora"
    feed(state, engine, ev.OscMessage(0.0, "host", "/page", ("nowhere",)))
    assert engine.view.page == "lora"


def test_shift_replaces_a_mapping_while_held() -> None:
    """On lora the fader drives prompt b; with shift held, the LoRA; released, b again."""
    state, engine = rig()
    press(state, engine, 1)
    feed(state, engine, fader(101))  # b is 0.8: 101/127 = 0.795 is within pick-up
    feed(state, engine, fader(127))
    assert state.value("prompt.b.weight") == 1.0
    shift(state, engine, True)
    assert engine.view.layers == ("shift",)
    assert "fader-ink" in acting(engine)
    assert "fader-b" not in acting(engine)
    feed(state, engine, fader(1))  # ink is at 0: a pick-up near 0 (1/127 × 2 is not)
    feed(state, engine, fader(0))
    feed(state, engine, fader(64))
    assert state.value("lora.ink.scale") == 128 / 127
    assert state.value("prompt.b.weight") == 1.0
    shift(state, engine, False)
    assert "fader-b" in acting(engine)
    assert state.value("prompt.a.weight") == 0.2  # mix's mapping was never in play


def test_shift_without_a_shift_mapping_keeps_the_plain_one() -> None:
    """On mix nothing is mapped for shift: the fader keeps driving prompt a."""
    state, engine = rig()
    shift(state, engine, True)
    assert "fader-a" in acting(engine)
    feed(state, engine, fader(25))
    feed(state, engine, fader(0))
    assert state.value("prompt.a.weight") == 0.0


def test_coming_back_to_a_page_the_value_does_not_jump() -> None:
    """a is held by the fader at 0.2; the fader moves on lora; back on mix, a waits for
    the fader to come past 0.2 again instead of jumping to where the fader now is."""
    state, engine = rig()
    feed(state, engine, fader(25))  # within pick-up of a = 0.2: engaged
    feed(state, engine, fader(26))
    assert state.value("prompt.a.weight") == 26 / 127
    press(state, engine, 1)  # lora
    feed(state, engine, fader(127))
    feed(state, engine, fader(100))  # crossed b = 0.8: b follows
    assert state.value("prompt.b.weight") == 100 / 127
    press(state, engine, 2)  # back to mix
    assert feed(state, engine, fader(90)) == []
    assert state.value("prompt.a.weight") == 26 / 127
    feed(state, engine, fader(10))  # swept down past a: picked up
    assert state.value("prompt.a.weight") == 10 / 127


def test_a_page_visited_without_moving_the_fader_keeps_its_pick_up() -> None:
    """Flipping pages and back without touching the fader: the next move follows at once."""
    state, engine = rig()
    feed(state, engine, fader(25))
    feed(state, engine, fader(26))
    press(state, engine, 1)
    press(state, engine, 2)
    feed(state, engine, fader(27))
    assert state.value("prompt.a.weight") == 27 / 127


def test_feedback_follows_the_page_on_entry() -> None:
    """Entering fx puts the fx pad among what shows (its LED lit from prompt a), moves the
    view's version on (what the feedback output watches to re-send a page), and lights the
    page pad of fx."""
    state, engine = rig()
    lives = {live.binding.id: live for live in engine.lives}
    assert engine.feedback(lives["to-fx"]) == 0.0
    before = engine.view.version
    state.apply(Change("prompt.a.weight", 1.0))
    press(state, engine, 3)
    assert engine.view.version > before
    shown = {live.binding.id: engine.feedback(live) for live in engine.acting}
    assert shown["pad-fx"] == 1.0
    assert shown["to-fx"] == 1.0
    assert "fader-a" in shown
    assert "fader-b" not in shown
    shift(state, engine, True)
    assert shown["shift"] == 0.0
    assert engine.feedback(lives["shift"]) == 1.0


# -- property: no value jumps across pages and layers, with takeover on -----------------
NEAR = [0, 25, 26, 27, 101, 102, 127]
"""Fader positions at and next to the values the show starts with: where pick-ups happen."""
OUT = {"fader-a": (0.0, 1.0), "fader-b": (0.0, 1.0), "fader-ink": (0.0, 2.0)}
ops = st.lists(
    st.one_of(
        st.tuples(st.just("move"), st.integers(0, 127) | st.sampled_from(NEAR)),
        st.tuples(st.just("page"), st.integers(0, 2)),
        st.tuples(st.just("shift"), st.booleans()),
        st.tuples(st.just("scene"), st.floats(0.0, 1.0)),
    ),
    max_size=16,
)


@settings(max_examples=500, deadline=None)
@given(ops=ops)
@example(ops=[("move", 0), ("page", 1), ("move", 27), ("page", 0), ("move", 27)])
@example(ops=[("move", 25), ("page", 1), ("shift", True), ("move", 90), ("page", 0), ("move", 91)])
def test_no_value_ever_jumps_across_page_and_layer_changes(ops: list[tuple[str, object]]) -> None:
    """Whatever the order of fader moves, page and layer changes and values set elsewhere,
    a fader only ever moves a value it swept past: the old value lies between where the
    fader was and where it is now (read through the mapping that acts), and only a mapping
    in play on this page and layer changes anything."""
    state, engine = rig()
    held = False
    was: int | None = None
    for op, arg in ops:
        if op == "page":
            assert isinstance(arg, int)
            feed(state, engine, ev.ProgramChange(0.0, "ctl", 1, arg))
        elif op == "shift":
            if arg != held:
                shift(state, engine, bool(arg))
                held = bool(arg)
        elif op == "scene":  # something else moves a value under the fader
            assert isinstance(arg, float)
            state.apply(Change("prompt.b.weight", arg))
        else:
            assert isinstance(arg, int)
            in_play = acting(engine)
            before = {t: state.value(t) for t in ("prompt.a.weight", "prompt.b.weight")}
            before["lora.ink.scale"] = state.value("lora.ink.scale")
            for change in feed(state, engine, fader(arg)):
                assert change.origin in in_play
                lo, hi = OUT[change.origin]
                old = before[change.target]
                assert old is not None
                now = lo + (hi - lo) * arg / 127
                then = now if was is None else lo + (hi - lo) * was / 127
                slack = EPSILON * (hi - lo) + 1e-9
                assert min(then, now) - slack <= old <= max(then, now) + slack, (change, old)
            was = arg


# -- property: which of a control's mappings act ------------------------------------------
@dataclass
class Held:
    binding: Binding


def mapping(i: int, pages: tuple[str, ...], when: str, holds: bool) -> Held:
    target = "layer.shift" if holds else "prompt.a.weight"
    return Held(Binding(f"m{i}", Source("midi", "ctl"), target, pages=pages, when=when))


mappings = st.lists(
    st.tuples(
        st.sets(st.sampled_from(["mix", "lora", "fx"]), max_size=2).map(lambda s: tuple(sorted(s))),
        st.sampled_from(["", "", "shift", "alt"]),
        st.booleans(),
    ),
    max_size=6,
)


@given(
    spec=mappings,
    page=st.sampled_from(["mix", "lora", "fx"]),
    held=st.sets(st.sampled_from(["shift", "alt"])),
)
def test_the_most_specific_fitting_mappings_act(
    spec: list[tuple[tuple[str, ...], str, bool]], page: str, held: set[str]
) -> None:
    """Of one control's mappings: each that acts fits the page and the held layers; the
    plain ones that act are all of the most specific rank among those that fit; a layer
    button that fits always acts; and every mapping is either acting or out of play."""
    lives = [
        mapping(i, pages, "" if holds else when, holds)
        for i, (pages, when, holds) in enumerate(spec)
    ]
    view = View(("mix", "lora", "fx"), page, {name: {"x"} for name in held})
    keep, out = split(lives, view)
    assert sorted(id(x) for x in keep + out) == sorted(id(x) for x in lives)
    fitting = [x for x in lives if view.fits(x.binding)]
    assert all(view.fits(x.binding) for x in keep)
    plain = [x for x in fitting if x.binding.target != "layer.shift"]
    if plain:
        top = max(rank(x.binding) for x in plain)
        assert {id(x) for x in keep if x.binding.target != "layer.shift"} == {
            id(x) for x in plain if rank(x.binding) == top
        }
    assert all(x in keep for x in fitting if x.binding.target == "layer.shift")


def test_a_pad_held_through_a_page_change_is_let_go() -> None:
    """The flash pad holds prompt a at 1.0; changing page while it is down lets it go (its
    release would arrive on a page where it does not act): a does not stay stuck at 1.0."""
    state, engine = rig()
    feed(state, engine, ev.NoteOn(0.0, "ctl", 1, 11, 100))
    assert state.value("prompt.a.weight") == 1.0
    changes = press(state, engine, 1)
    assert [(c.target, c.value) for c in changes] == [("prompt.a.weight", 0.0)]
    assert feed(state, engine, ev.NoteOff(0.0, "ctl", 1, 11)) == []
    press(state, engine, 2)  # back on mix: the pad works as before
    feed(state, engine, ev.NoteOn(0.0, "ctl", 1, 11, 100))
    assert state.value("prompt.a.weight") == 1.0

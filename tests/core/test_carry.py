"""A reload's pure half (`bridge.core.carry.reloaded`): what an engine hands to the next one."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bridge.config.load import load_show
from bridge.core import events as ev
from bridge.core.carry import reloaded
from bridge.core.mapping import Engine
from bridge.core.show import Show
from bridge.core.state import ShowState
from tests.core.paramkit import KNOB, show_of, typed
from tests.core.showkit import core_show

PAGES_SHOW = Path(__file__).with_name("pages-show.toml")


def engine_of(show: Show) -> Engine:
    return Engine(show, ShowState(show))


def feed(engine: Engine, event: ev.Event) -> None:
    for change in engine.feed(event):
        engine.state.apply(change)


def edited(show: Show, ids: set[str]) -> Show:
    """``show`` with the bindings ``ids`` edited (a new tolerance: a real, harmless edit)."""
    bindings = tuple(
        replace(b, tolerance=b.tolerance + 0.01) if b.id in ids else b for b in show.bindings
    )
    return replace(show, bindings=bindings)


def test_an_engaged_knob_stays_engaged_and_an_edited_one_starts_afresh() -> None:
    """fader2 (pickup) engaged at 0.0 keeps its takeover across a reload of the same file;
    once its mapping is edited, the new engine has a takeover of its own, not engaged."""
    old = engine_of(core_show())
    feed(old, ev.ControlChange(1.0, "ctl", 1, 2, 0))  # p2 is at 0.0: picked up at once
    taken = old.lives[1].takeover
    assert taken is not None
    assert taken.engaged
    same = reloaded(old, core_show())
    assert same.lives[1].takeover is taken
    fresh = reloaded(old, edited(core_show(), {"fader2"}))
    takeover = fresh.lives[1].takeover
    assert takeover is not None
    assert takeover is not taken
    assert not takeover.engaged
    assert fresh.lives[1].last_out is None


def test_a_held_pad_and_the_lfo_clock_carry_over() -> None:
    old = engine_of(core_show())
    feed(old, ev.NoteOn(1.0, "ctl", 1, 40, 100))  # freeze, held down
    old.t0 = 12.5
    new = reloaded(old, core_show())
    freeze = next(live for live in new.lives if live.binding.id == "freeze")
    assert freeze.pressed
    assert new.t0 == 12.5
    assert new.state.paused
    assert new.refused is old.refused


def test_the_page_carries_over_while_the_show_has_it() -> None:
    old = engine_of(load_show(PAGES_SHOW))
    old.stay_on("fx")
    assert reloaded(old, load_show(PAGES_SHOW)).view.page == "fx"
    assert reloaded(old, replace(old.show, pages=("mix", "lora"))).view.page == "mix"


def test_a_knob_typed_anew_by_scope_starts_afresh() -> None:
    """The same binding on a parameter Scope now says is an enum: no old takeover."""
    offline = show_of(KNOB.format(name="mode", extra='takeover = "pickup"'))
    old = engine_of(offline)
    assert old.lives[0].takeover is not None
    new = reloaded(old, typed(offline, {"mode": {"enum": ["a", "b"], "type": "string"}}))
    assert new.lives[0].spec.kind == "discrete"
    assert new.lives[0].takeover is None


MOVES = st.one_of(
    st.builds(
        lambda cc, v: ev.ControlChange(1.0, "ctl", 1, cc, v),
        st.sampled_from([1, 2, 3, 4]),
        st.integers(0, 127),
    ),
    st.builds(
        lambda n, v: ev.NoteOn(1.0, "ctl", 1, n, v), st.integers(36, 41), st.integers(0, 127)
    ),
    st.builds(lambda n: ev.NoteOff(1.0, "ctl", 1, n, 0), st.integers(36, 41)),
)


@given(
    moves=st.lists(MOVES, max_size=20),
    changed=st.sets(st.sampled_from([b.id for b in core_show().bindings])),
)
def test_what_a_reload_did_not_change_is_carried_and_what_it_changed_starts_afresh(
    moves: list[ev.Event], changed: set[str]
) -> None:
    old = engine_of(core_show())
    for move in moves:
        feed(old, move)
    new = reloaded(old, edited(core_show(), changed))
    fresh = engine_of(edited(core_show(), changed))
    assert new.state.base == old.state.base  # no prompt or scene changed: every value stays
    assert (new.state.scene, new.state.paused) == (old.state.scene, old.state.paused)
    for before, after, start in zip(old.lives, new.lives, fresh.lives, strict=True):
        if before.binding.id in changed:
            assert after.chain is not before.chain
            assert after.takeover == start.takeover
            assert after.takeover is None or after.takeover is not before.takeover
            assert (after.last_out, after.pressed) == (None, False)
        else:
            assert after.chain is before.chain
            assert after.takeover is before.takeover
            assert (after.last_out, after.pressed) == (before.last_out, before.pressed)

"""Routing changes to several Scope targets, for arbitrary event sequences (hypothesis).

Each target's state is fed the changes the engine made on the show state and that are
routed to it. Routed to everyone, a target's state says exactly what the show state says
(the one-target show is the same show); a mapping routed elsewhere never moves a target;
a scene step resolved on the show state reaches each target as that scene's name.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.core import events as ev
from bridge.core.fanout import Fanout
from bridge.core.mapping import Engine
from bridge.core.payload import PayloadBuilder
from bridge.core.show import Show, TargetConfig
from bridge.core.state import Change, ShowState
from tests.core.showkit import core_show
from tests.core.test_pacer import events

NAMES = ("left", "right")


def two_targets(routes: dict[str, tuple[str, ...]]) -> Show:
    show = core_show()
    bindings = tuple(replace(b, targets=routes.get(b.id, ())) for b in show.bindings)
    targets = tuple(TargetConfig(n, show.scope) for n in NAMES)
    return replace(show, bindings=bindings, targets=targets)


def run(show: Show, script: list[ev.Event]) -> tuple[ShowState, dict[str, ShowState]]:
    """The show state and each target's state after ``script``."""
    state = ShowState(show)
    engine = Engine(show, state)
    fanout = Fanout(show)
    mirrors = {n: ShowState(show) for n in NAMES}
    for t, event in enumerate(script):
        for change in engine.feed(replace(event, t=float(t))):
            state.apply(change)
            routed = fanout.route(change, state.scene)
            if routed is None:
                continue
            for name, mirror in mirrors.items():
                if routed.reaches(name):
                    mirror.apply(routed.change)
    return state, mirrors


def said(state: ShowState) -> tuple[object, ...]:
    """What a state would tell Scope: its full parameters, values and what is pending."""
    full = PayloadBuilder().full(state, "longlive")
    values = {k: state.value(k) for k in state.base}
    return full, values, state.scene, sorted(state.dirty), state.reset_pending, state.paused


@settings(max_examples=150, deadline=None)
@given(st.lists(events(), max_size=60))
def test_routed_to_every_target_each_target_says_what_the_show_says(
    script: list[ev.Event],
) -> None:
    state, mirrors = run(two_targets({}), script)
    for mirror in mirrors.values():
        assert said(mirror) == said(state)


ROUTED: dict[str, tuple[str, ...]] = {
    "fader1": ("left",),
    "pad-a": ("left",),
    "pad-next": ("left",),
    "freeze": ("right",),
}


@settings(max_examples=150, deadline=None)
@given(st.lists(events(), max_size=60))
def test_a_mapping_routed_elsewhere_never_moves_a_target(script: list[ev.Event]) -> None:
    show = two_targets(ROUTED)
    state, mirrors = run(show, script)
    start = ShowState(show)
    right, left = mirrors["right"], mirrors["left"]
    # the freeze goes to right alone: left never freezes, right follows the show
    assert not left.paused
    assert right.paused == state.paused
    # right's scenes come from pad-b alone (pad-a and pad-next go to left)
    assert right.scene in (start.scene, "b")
    if right.scene == start.scene:  # fader1 (p1's weight) goes to left: right's p1 is unmoved
        assert right.base["prompt.p1.weight"] == start.base["prompt.p1.weight"]
    # left gets everything but the freeze: every scene by name, every weight
    assert left.scene == state.scene
    assert (left.weights(), left.texts) == (state.weights(), state.texts)


def test_a_scene_step_reaches_targets_as_the_scene_it_selected() -> None:
    show = two_targets({})
    state = ShowState(show)
    state.apply(Change("scene.next", 1.0))
    routed = Fanout(show).route(Change("scene.next", 1.0), state.scene)
    assert routed is not None
    assert routed.change == Change("scene", state.scene)
    assert state.scene


def test_a_scene_with_targets_goes_only_to_them() -> None:
    show = two_targets({})
    first = show.scenes[0]
    show = replace(show, scenes=(replace(first, targets=("right",)), *show.scenes[1:]))
    routed = Fanout(show).route(Change("scene", first.name), first.name)
    assert routed is not None
    assert (routed.reaches("left"), routed.reaches("right")) == (False, True)


def test_actions_are_for_no_target() -> None:
    assert Fanout(core_show()).route(Change("tempo.tap", 1.0), "") is None

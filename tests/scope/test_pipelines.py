"""Frames per pipeline call: the table, the show's override, and the guess said in Problems."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from bridge.running.bridge import Bridge
from bridge.scope.pipelines import ASSUMED, FRAMES_PER_CALL, frames_per_call
from bridge.sim import catalog
from tests.core.showkit import core_show


def test_the_figures_scope_s_pipelines_make() -> None:
    """As read in each pipeline's code (scope-protocol.md §8 for the measured ones)."""
    wan = {"longlive", "krea-realtime-video", "memflow", "reward-forcing"}
    assert {p for p, n in FRAMES_PER_CALL.items() if n == 12} == wan
    assert frames_per_call("streamdiffusionv2") == (4, None)
    assert frames_per_call("controller-viz") == (1, None)
    assert frames_per_call("gray") == frames_per_call("scribble") == (1, None)
    assert frames_per_call("passthrough") == (4, None)


def test_the_stand_in_runs_its_generators_at_the_same_figures() -> None:
    for pid in ("longlive", "krea-realtime-video", "streamdiffusionv2", "controller-viz"):
        assert catalog.chunk_model(pid).frames_per_call == FRAMES_PER_CALL[pid]


@given(name=st.text(min_size=1, max_size=30), configured=st.integers(0, 240))
def test_a_setting_wins_and_only_a_guess_is_said(name: str, configured: int) -> None:
    frames, note = frames_per_call(name, configured)
    if configured:
        assert (frames, note) == (configured, None)
    elif name in FRAMES_PER_CALL:
        assert (frames, note) == (FRAMES_PER_CALL[name], None)
    else:
        assert frames == ASSUMED
        assert note == (
            f"pacing: frames per call of pipeline {name} unknown; assumed 12; "
            "set [scope] frames_per_chunk"
        )


async def test_an_unknown_pipeline_is_a_problem_until_the_show_names_its_figure() -> None:
    show = core_show()
    plugin = replace(show, scope=replace(show.scope, pipeline="my-plugin"))
    bridge = Bridge(plugin)
    assert bridge.frames_per_call == 12
    assert [p.message for p in bridge.problems] == [
        "pacing: frames per call of pipeline my-plugin unknown; assumed 12; "
        "set [scope] frames_per_chunk"
    ]
    bridge.swap_show(replace(plugin, scope=replace(plugin.scope, frames_per_chunk=3)))
    assert bridge.frames_per_call == 3
    assert list(bridge.problems) == []
    bridge.swap_show(replace(plugin, scope=replace(plugin.scope, pipeline="controller-viz")))
    assert bridge.frames_per_call == 1

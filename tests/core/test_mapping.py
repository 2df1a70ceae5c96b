"""The mapping engine and show state, fed events and read back."""

from __future__ import annotations

from bridge.core import events as ev
from bridge.core.mapping import Engine
from bridge.core.state import ShowState
from tests.core.showkit import core_show


def rig() -> tuple[ShowState, Engine]:
    show = core_show()
    state = ShowState(show)
    return state, Engine(show, state)


def feed(state: ShowState, engine: Engine, event: ev.Event) -> None:
    for change in engine.feed(event):
        state.apply(change)


def cc(n: int, value: int, ch: int = 1, t: float = 0.0) -> ev.ControlChange:
    return ev.ControlChange(t, "ctl", ch, n, value)


def note(n: int, on: bool = True) -> ev.NoteOn | ev.NoteOff:
    return ev.NoteOn(0.0, "ctl", 1, n, 100) if on else ev.NoteOff(0.0, "ctl", 1, n)


def test_a_fader_sets_a_prompt_weight() -> None:
    """CC 1 at full scale puts prompt p1 at weight 1.0; at 0 it is 0."""
    state, engine = rig()
    feed(state, engine, cc(1, 0))
    assert state.value("prompt.p1.weight") == 0.0
    feed(state, engine, cc(1, 127))
    assert state.value("prompt.p1.weight") == 1.0
    assert "prompts" in state.dirty


def test_other_channels_and_devices_do_not_match() -> None:
    """A binding on channel 1 ignores channel 2 and other devices."""
    state, engine = rig()
    feed(state, engine, cc(1, 0, ch=2))
    assert state.value("prompt.p1.weight") == 1.0
    feed(state, engine, ev.ControlChange(0.0, "other", 1, 1, 0))
    assert state.value("prompt.p1.weight") == 1.0


def test_omnichannel_binding_listens_everywhere() -> None:
    """A binding without a channel takes the CC on any channel."""
    state, engine = rig()
    feed(state, engine, cc(3, 127, ch=9))
    assert state.value("prompt.p3.weight") == 1.0


def test_radio_pads_select_scenes_and_start_a_transition() -> None:
    """A scene pad sets every slot's weight from the scene and makes a pending transition."""
    state, engine = rig()
    feed(state, engine, note(37))
    assert state.scene == "b"
    assert state.weights() == {"p1": 0.0, "p2": 1.0, "p3": 0.5}
    assert state.transition_pending
    assert state.transition_steps == 6
    feed(state, engine, note(37, on=False))
    feed(state, engine, note(36))
    assert state.scene == "a"
    assert state.transition_steps == 4


def test_scene_next_cycles_through_scenes() -> None:
    """scene.next walks a → b → c → a."""
    state, engine = rig()
    seen = []
    for _ in range(3):
        feed(state, engine, note(38))
        feed(state, engine, note(38, on=False))
        seen.append(state.scene)
    assert seen == ["b", "c", "a"]


def test_held_pad_fires_once() -> None:
    """A trigger fires on press only; a repeated note on without release does not refire."""
    state, engine = rig()
    feed(state, engine, note(39))
    feed(state, engine, note(39))
    assert state.reset_pending == 1
    feed(state, engine, note(39, on=False))
    feed(state, engine, note(39))
    assert state.reset_pending == 2


def test_toggle_pad_pauses_and_resumes() -> None:
    """The freeze pad flips paused on each press."""
    state, engine = rig()
    feed(state, engine, note(40))
    assert state.paused
    feed(state, engine, note(40, on=False))
    feed(state, engine, note(40))
    assert not state.paused


def test_cycle_pad_walks_presets() -> None:
    """A cycle pad on denoising_steps steps through the preset indexes."""
    state, engine = rig()
    feed(state, engine, note(41))
    assert state.preset == 0
    feed(state, engine, note(41, on=False))
    feed(state, engine, note(41))
    assert state.preset == 1


def test_relative_encoder_steps_from_the_current_value() -> None:
    """Two's complement: 1 steps up by `step` of the range, 127 steps down."""
    state, engine = rig()
    start = state.value("kv_cache_attention_bias")
    assert start == 0.3
    feed(state, engine, cc(4, 1))
    assert abs((state.value("kv_cache_attention_bias") or 0) - (0.3 + 0.02 * 0.99)) < 1e-9
    feed(state, engine, cc(4, 127))
    feed(state, engine, cc(4, 127))
    assert abs((state.value("kv_cache_attention_bias") or 0) - (0.3 - 0.02 * 0.99)) < 1e-9


def test_pickup_knob_does_not_jump_after_a_scene_change() -> None:
    """After scene b sets p2 to 1.0, fader2 at 0.2 does nothing until it reaches 1.0."""
    state, engine = rig()
    feed(state, engine, cc(2, 0))  # at 0 == current 0: engaged
    feed(state, engine, note(37))  # scene b: p2 → 1.0
    feed(state, engine, cc(2, 25))
    assert state.value("prompt.p2.weight") == 1.0
    feed(state, engine, cc(2, 127))
    assert state.value("prompt.p2.weight") == 1.0
    feed(state, engine, cc(2, 100))
    assert abs((state.value("prompt.p2.weight") or 0) - 100 / 127) < 1e-9


def test_add_merge_modulates_around_the_base_and_clamps() -> None:
    """OSC /p2 adds up to 0.5 on top of the fader's base, clamped to 1."""
    state, engine = rig()
    feed(state, engine, cc(2, 0))
    feed(state, engine, cc(2, 64))
    base = state.value("prompt.p2.weight") or 0.0
    feed(state, engine, ev.OscMessage(0.0, "host", "/p2", (0.5,)))
    assert abs((state.value("prompt.p2.weight") or 0) - (base + 0.25)) < 1e-9
    feed(state, engine, cc(2, 127))
    assert state.value("prompt.p2.weight") == 1.0


def test_ui_actions_take_the_same_path() -> None:
    """Console commands become changes like any control."""
    state, engine = rig()
    feed(state, engine, ev.UiAction(0.0, "ui", "select_scene", "c"))
    assert state.scene == "c"
    feed(state, engine, ev.UiAction(0.0, "ui", "set_prompt_text", "p1", "a new text"))
    assert state.texts["p1"] == "a new text"
    assert state.transition_pending
    feed(state, engine, ev.UiAction(0.0, "ui", "toggle_pause"))
    assert state.paused


def test_text_targets_need_a_change_to_transition() -> None:
    """Setting a prompt text to what it already is starts no transition."""
    state, _ = rig()
    state.dirty.clear()
    from bridge.core.state import Change

    state.apply(Change("prompt.p1.text", "one"))
    assert not state.transition_pending


def test_feedback_lights_the_active_scene_pad() -> None:
    """Radio pads report 1 for the active scene and 0 for the others."""
    state, engine = rig()
    lives = {live.binding.id: live for live in engine.lives}
    assert engine.feedback(lives["pad-a"]) == 1.0
    assert engine.feedback(lives["pad-b"]) == 0.0
    feed(state, engine, note(37))
    assert engine.feedback(lives["pad-b"]) == 1.0

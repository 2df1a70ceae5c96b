"""A reloaded show: the live values and mapping state carried over where the file did not
change them.

Rules (``Bridge.swap_show`` applies them; the shell only swaps lanes and reports):
- state (`carried`): a knob's position, the active scene, paused and the modulations of
  bindings that still exist carry over; what the file changed (a prompt's text, a new slot,
  a new scene) takes the file's value; everything is marked dirty, so only real differences
  go out (the payload builder compares with what was last sent);
- mappings (`reloaded`): a binding the file left as it was, on a target typed as before,
  keeps its soft takeover, chain (smoothing, slew), last output and held pad; one the file
  changed, or whose target Scope typed anew, starts afresh; the LFO clock and the page
  carry over too.
Pure: no I/O.
"""

from __future__ import annotations

from bridge.core.mapping import Engine
from bridge.core.show import Show
from bridge.core.state import ShowState


def carried(old_show: Show, old: ShowState, show: Show) -> ShowState:
    """The state for ``show`` after ``old`` ran ``old_show``."""
    state = ShowState(show)
    old_prompts = {p.id: p for p in old_show.prompts}
    for p in show.prompts:
        before = old_prompts.get(p.id)
        key = f"prompt.{p.id}.weight"
        if before is not None and before.weight == p.weight and key in old.base:
            state.base[key] = old.base[key]
        if before is not None and before.text == p.text:
            state.texts[p.id] = old.texts[p.id]
    for key, value in old.base.items():
        if not key.startswith("prompt.") and key in state.base:
            state.base[key] = value
        elif key in show.params and show.params[key].kind == "continuous":
            state.base[key] = value  # a pipeline parameter's knob, still a number
    state.param_values = {
        k: v for k, v in old.param_values.items() if k in show.params
    }  # value parameters (a key held on controller-viz) stay as set
    kept = {b.id for b in show.bindings}
    for key, mods in old.mods.items():
        if key in state.base or key.startswith("prompt."):
            state.mods[key] = {m: v for m, v in mods.items() if m in kept}
    if old.scene in {s.name for s in show.scenes}:
        state.scene = old.scene
    state.preset = (
        old.preset if old.preset is not None and old.preset < len(show.denoising_presets) else None
    )
    state.input_mode = old.input_mode
    state.reset_pending = old.reset_pending
    state.version = old.version + 1
    if any(state.texts[i] != old.texts.get(i) for i in state.texts):
        state.transition_pending = True
    state.dirty = {
        "prompts",
        "paused",
        "kv_cache_attention_bias",
        "noise_scale",
        "denoising_step_list",
        "lora_scales",
        "input_mode",
        *show.params,
    } | old.dirty
    return state


def reloaded(old: Engine, show: Show) -> Engine:
    """The engine for ``show`` after ``old`` ran: its state `carried`, and every unchanged
    binding's run-time state, the LFO clock and the page kept (refusals still counted in
    the same place)."""
    engine = Engine(show, carried(old.show, old.state, show), old.refused)
    before = {live.binding.id: live for live in old.lives}
    for live in engine.lives:
        previous = before.get(live.binding.id)
        if previous is None or previous.binding != live.binding or previous.spec != live.spec:
            continue  # new, edited, or typed anew by Scope: starts afresh
        live.takeover, live.chain = previous.takeover, previous.chain
        live.last_out, live.pressed = previous.last_out, previous.pressed
    engine.t0 = old.t0
    engine.stay_on(old.view.page)
    return engine

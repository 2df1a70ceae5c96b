"""Adopting Scope's values: a change made elsewhere becomes the show's current value.

Scope announces a change from its UI, its OSC server, MCP or another client
(``parameters_updated``, with the parameters that changed). The show takes each value it
knows, so the next move of one of its controls starts from what Scope shows, not from what
the bridge last sent:

- the state takes the value and the payload builder's memory takes it as sent, so nothing
  goes back to Scope unless a control moves (a pending local change of the same key is
  older than Scope's, and is dropped);
- soft takeover sees a current value its knob did not set: every knob on an adopted target
  lets go (`Takeover.engaged` false) and must pick the value up again;
- prompts are adopted when every text Scope names is a slot's text (weights by slot, the
  other slots to 0); texts the show has no slot for are said, and left to Scope;
- the spatial interpolation method is the show's: Scope re-applies ``linear`` on every REST
  update, so a show blending with ``slerp`` sends it again;
- whatever the show does not know (a key it never maps) is Scope's alone and ignored.
Pure: returns one short clause per adopted change, for the log and the console.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from bridge.core.mapping import Engine
from bridge.core.params import json_text
from bridge.core.payload import PayloadBuilder, param_value, prompt_list, spatial_method
from bridge.core.targets import clamp, spec_of


def _number(value: Any) -> float | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return float(value) if ok and math.isfinite(value) else None


def adopt(engine: Engine, builder: PayloadBuilder, params: Mapping[str, Any]) -> list[str]:
    """Take what Scope says it now has; one clause per value that changed here."""
    state = engine.state
    said: list[str] = []
    moved: set[str] = set()

    def set_base(target: str, value: float, key: str, sent: Any) -> None:
        spec = spec_of(target) or state.params.get(target)
        if spec is None:
            return
        value = clamp(value, spec.lo, spec.hi)
        old = state.value(target)
        builder.last[key] = sent
        state.dirty.discard(key)
        if old is not None and abs(old - value) < 1e-9:
            return
        state.base[target] = value
        state.mods.pop(target, None)  # Scope's value is the whole value now
        moved.add(target)
        said.append(f"{target} {_shown(old)}→{_shown(value)}")

    if "prompts" in params and not state.transition_pending:
        said += _prompts(engine, builder, params["prompts"], moved)
    method = params.get("prompt_interpolation_method")
    if method in ("linear", "slerp"):
        # Scope re-applies "linear" on every REST update: the show's own method goes again
        builder.last["prompt_interpolation_method"] = method
        if method != spatial_method(state.method, prompt_list(state, builder.quantum)):
            state.dirty.add("prompts")
    paused = params.get("paused")
    if isinstance(paused, bool):
        set_base("paused", 1.0 if paused else 0.0, "paused", paused)
    for key in ("kv_cache_attention_bias", "noise_scale"):
        number = _number(params.get(key))
        if number is not None and key in state.base:
            set_base(key, number, key, round(number, 3))
    mode = params.get("input_mode")
    if mode in ("text", "video"):
        builder.last["input_mode"] = mode
        state.dirty.discard("input_mode")
        if mode != state.input_mode:
            said.append(f"input_mode {state.input_mode}→{mode}")
            state.input_mode = str(mode)
    steps = params.get("denoising_step_list")
    if isinstance(steps, list) and "denoising_step_list" in params:
        presets = [list(p) for p in state.show.denoising_presets]
        builder.last["denoising_step_list"] = steps
        state.dirty.discard("denoising_step_list")
        if steps in presets and presets.index(steps) != state.preset:
            state.preset = presets.index(steps)
            said.append(f"denoising_steps → preset {state.preset}")
    for target, spec in state.params.items():
        name = target[len("param.") :]
        if name not in params:
            continue
        value = params[name]
        if spec.kind == "discrete":
            text = json_text(value)
            builder.last[name] = value
            state.dirty.discard(target)
            if state.param_values.get(target) != text:
                state.param_values[target] = text
                said.append(f"{target} = {text if len(text) <= 40 else text[:39] + '…'}")
            continue
        number = 1.0 if value is True else 0.0 if value is False else _number(value)
        if number is not None:
            set_base(target, number, name, value)
            builder.last[name] = param_value(state, target)
    for live in engine.lives:
        if live.binding.target in moved and live.takeover is not None:
            live.takeover.engaged = False
    if said:
        state.version += 1
    return said


def _prompts(engine: Engine, builder: PayloadBuilder, raw: Any, moved: set[str]) -> list[str]:
    state = engine.state
    if not isinstance(raw, list):
        return []
    by_text: dict[str, str] = {}
    for p in state.show.prompts:
        by_text.setdefault(state.texts[p.id], p.id)
    weights: dict[str, float] = {}
    unknown = []
    for item in raw:
        text = item.get("text") if isinstance(item, Mapping) else item
        weight = _number(item.get("weight", 1.0)) if isinstance(item, Mapping) else 1.0
        if not isinstance(text, str) or weight is None:
            continue
        if text in by_text:
            weights[by_text[text]] = weights.get(by_text[text], 0.0) + max(weight, 0.0)
        else:
            unknown.append(text)
    if unknown:
        shown = ", ".join(repr(t if len(t) <= 30 else t[:29] + "…") for t in unknown)
        return [f"prompts: Scope shows text(s) the show has no slot for ({shown}), left to Scope"]
    said = []
    for p in state.show.prompts:
        target = f"prompt.{p.id}.weight"
        new = clamp(weights.get(p.id, 0.0), 0.0, 1.0)
        old = state.value(target)
        if old is None or abs(old - new) >= 1e-9:
            state.base[target] = new
            state.mods.pop(target, None)
            moved.add(target)
            said.append(f"{p.id} {_shown(old)}→{_shown(new)}")
    builder.last["prompts"] = prompt_list(state, builder.quantum)
    state.dirty.discard("prompts")
    return said


def _shown(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"

"""The payload builder: Scope's rules for turning show state into one data-channel message.

Rules of this module (from what the real server does, ``scope-protocol.md`` §3):
- every transition carries an explicit ``num_steps`` (a missing one means a hard snap);
- slerp only with exactly two prompts, spatially and temporally; otherwise linear;
- weights are quantised, and a key whose value equals what was last sent is left out, so a
  knob's tiny moves never make Scope re-encode its prompts;
- ``prompts`` alone would cancel a running transition: while one is pending or running, a
  prompt change goes out as a transition to the new target over the remaining steps;
- ``noise_scale`` is never sent in text mode; step lists are whole presets, never blends;
- the prompt list holds the slots with a weight above zero; an all-zero blend cannot be
  expressed to Scope, so it is held back until some weight returns.
"""

from __future__ import annotations

import math
from typing import Any

from bridge.core.params import decoded
from bridge.core.show import WEIGHT_QUANTUM
from bridge.core.state import ShowState

Prompts = list[dict[str, Any]]


def prompt_list(state: ShowState, quantum: float) -> Prompts:
    out: Prompts = []
    for slot_id, weight in state.weights().items():
        q = round(round(weight / quantum) * quantum, 6)
        if q > 0.0:
            out.append({"text": state.texts[slot_id], "weight": q})
    return out


def param_value(state: ShowState, target: str) -> Any:
    """A pipeline parameter as Scope is sent it, or None while it has no value yet."""
    spec = state.params.get(target)
    if spec is None:
        return None
    if spec.kind == "discrete":
        text = state.param_values.get(target)
        return None if text is None else decoded(text)
    value = state.value(target)
    if value is None:
        return None
    if spec.encode == "bool":
        return value >= 0.5
    if spec.encode == "integer":  # within the bounds after rounding too
        return max(math.ceil(spec.lo), min(math.floor(spec.hi), round(value)))
    return min(max(round(value, 4), spec.lo), spec.hi)


def spatial_method(method: str, prompts: Prompts) -> str:
    """The ``prompt_interpolation_method`` a blend of ``prompts`` is sent with."""
    return _method(method, prompts)


def _method(method: str, prompts: Prompts) -> str:
    return "slerp" if method == "slerp" and len(prompts) == 2 else "linear"


class PayloadBuilder:
    """Builds messages from dirty keys and remembers what Scope was last told."""

    def __init__(self, quantum: float = WEIGHT_QUANTUM) -> None:
        self.quantum = quantum
        self.last: dict[str, Any] = {}
        self.transition_until = -1e18
        self.transition_from = -1e18

    def build(
        self, state: ShowState, keys: set[str], now: float, chunk_period: float
    ) -> dict[str, Any]:
        """The message for these dirty keys (possibly empty when nothing really changed)."""
        payload: dict[str, Any] = {}
        if "prompts" in keys:
            self._prompts(state, payload, now, chunk_period)
        if "paused" in keys:
            self._put(payload, "paused", state.paused)
        if "kv_cache_attention_bias" in keys:
            value = state.value("kv_cache_attention_bias")
            if value is not None:
                self._put(payload, "kv_cache_attention_bias", round(value, 3))
        if "noise_scale" in keys and state.input_mode != "text":
            value = state.value("noise_scale")
            if value is not None:
                self._put(payload, "noise_scale", round(value, 3))
        if "denoising_step_list" in keys and state.preset is not None:
            steps = list(state.show.denoising_presets[state.preset])
            self._put(payload, "denoising_step_list", steps)
        if "lora_scales" in keys and state.show.loras:
            self._put(payload, "lora_scales", self._loras(state))
        if "input_mode" in keys:
            self._put(payload, "input_mode", state.input_mode)
        if "reset_cache" in keys and state.reset_pending:
            payload["reset_cache"] = True
            state.reset_pending = 0
        for key in keys:
            if key.startswith("param."):
                value = param_value(state, key)
                if value is not None:
                    self._put(payload, key[len("param.") :], value)
        return payload

    def _put(self, payload: dict[str, Any], key: str, value: Any) -> None:
        if self.last.get(key) != value:
            payload[key] = value
            self.last[key] = value

    def _loras(self, state: ShowState) -> list[dict[str, Any]]:
        return [
            {"path": lo.path, "scale": round(state.value(f"lora.{lo.id}.scale") or 0.0, 2)}
            for lo in state.show.loras
        ]

    def _prompts(
        self, state: ShowState, payload: dict[str, Any], now: float, chunk_period: float
    ) -> None:
        prompts = prompt_list(state, self.quantum)
        if not prompts:
            state.dirty.add("prompts")  # held until a weight returns
            return
        pending = state.transition_pending
        # chunks the running transition still has, after the one this message waits for
        remaining = math.floor((self.transition_until - now) / chunk_period) - 1
        if not pending and remaining < 1:
            method = _method(state.method, prompts)
            self._put(payload, "prompt_interpolation_method", method)
            self._put(payload, "prompts", prompts)
            return
        if not pending and prompts == self.last.get("prompts"):
            return
        steps = state.transition_steps if pending else remaining
        state.transition_pending = False
        payload["transition"] = {
            "target_prompts": prompts,
            "num_steps": steps,
            "temporal_interpolation_method": _method(state.transition_method, prompts),
        }
        self.last["prompts"] = prompts
        if pending:
            # it starts when Scope takes it from its queue (at most a chunk), then runs;
            # a fold keeps the end where it was, so a moving knob cannot stretch it forever
            self.transition_from = now
            self.transition_until = now + (steps + 1) * chunk_period

    def transition_progress(self, now: float) -> float | None:
        """How far the modelled transition has run (0..1), or None when none runs."""
        if now >= self.transition_until:
            return None
        span = self.transition_until - self.transition_from
        return max(0.0, min(1.0, (now - self.transition_from) / span)) if span > 0 else None

    def full(self, state: ShowState, pipeline: str) -> dict[str, Any]:
        """The whole state as ``initialParameters`` (after a (re)connect); resets memory."""
        self.last.clear()
        self.transition_until = -1e18
        state.transition_pending = False
        params: dict[str, Any] = {**state.show.scope.initial, "pipeline_ids": [pipeline]}
        params["input_mode"] = state.input_mode
        prompts = prompt_list(state, self.quantum) or [
            {"text": state.show.prompts[0].text, "weight": 1.0}
        ]
        params["prompts"] = prompts
        params["prompt_interpolation_method"] = _method(state.method, prompts)
        params["paused"] = state.paused
        kv = state.value("kv_cache_attention_bias")
        if kv is not None:
            params["kv_cache_attention_bias"] = round(kv, 3)
        noise = state.value("noise_scale")
        if noise is not None and state.input_mode != "text":
            params["noise_scale"] = round(noise, 3)
        elif state.input_mode == "text":
            params.pop("noise_scale", None)
        if state.preset is not None:
            params["denoising_step_list"] = list(state.show.denoising_presets[state.preset])
        if state.show.loras:
            params["lora_scales"] = self._loras(state)
        for target in state.params:
            value = param_value(state, target)
            if value is not None:
                params[target[len("param.") :]] = value
                self.last[target[len("param.") :]] = value
        for key in ("prompts", "prompt_interpolation_method", "paused", "input_mode"):
            self.last[key] = params[key]
        for key in ("kv_cache_attention_bias", "denoising_step_list", "lora_scales"):
            if key in params:
                self.last[key] = params[key]
        state.reset_pending = 0
        state.dirty.clear()
        return params

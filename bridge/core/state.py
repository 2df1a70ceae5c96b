"""The show state: the latest value of every target, and what has changed since the last send.

Rules of this module:
- latest wins: a change overwrites the value, it never queues; coalescing is this dict plus a
  dirty set of *payload keys* (``prompts``, ``paused``, ...), not a timer;
- a target driven by several mappings has a base (``set``, latest wins) and per-mapping
  modulations (``add`` / ``multiply``); the effective value is always clamped;
- selecting a scene or editing a prompt text makes a *pending transition*; weight changes
  while it is pending or running fold into its target instead of cancelling it (the payload
  builder decides which message that becomes);
- one-shots (``reset_cache``) are counted, so none is lost and none goes twice;
- actions for other parts of the bridge (tap tempo, ...) wait in ``actions`` to be taken;
- pipeline parameters (``param.NAME``) keep a number in ``base`` or a value (JSON text) in
  ``param_values``; each one is its own dirty key, the target name itself;
- a non-finite number is never stored (the engine and the edges refuse and count them; this
  is the last guard), so every effective value is finite and within its target's bounds.
"""

from __future__ import annotations

from dataclasses import dataclass

from bridge.core.bindings import MergeMode
from bridge.core.events import slot_setters
from bridge.core.show import Show
from bridge.core.targets import clamp, slot_of, spec_of

PAYLOAD_KEY = {
    "kv_cache_attention_bias": "kv_cache_attention_bias",
    "noise_scale": "noise_scale",
    "paused": "paused",
    "input_mode": "input_mode",
    "denoising_steps": "denoising_step_list",
    "reset_cache": "reset_cache",
}


@dataclass(frozen=True, slots=True, init=False)
class Change:
    """One target change coming out of the mapping engine."""

    target: str
    value: float | str
    merge: MergeMode = "set"
    origin: str = ""

    def __init__(
        self, target: str, value: float | str, merge: MergeMode = "set", origin: str = ""
    ) -> None:
        # One per mapped input under a flood: see events.slot_setters.
        _CHANGE_TARGET(self, target)
        _CHANGE_VALUE(self, value)
        _CHANGE_MERGE(self, merge)
        _CHANGE_ORIGIN(self, origin)


_CHANGE_TARGET, _CHANGE_VALUE, _CHANGE_MERGE, _CHANGE_ORIGIN = slot_setters(
    Change, "target", "value", "merge", "origin"
)


class ShowState:
    """Everything Scope should be showing now, and what Scope has not been told yet."""

    def __init__(self, show: Show) -> None:
        self.show = show
        self.base: dict[str, float] = {}
        self.mods: dict[str, dict[str, tuple[MergeMode, float]]] = {}
        self.texts: dict[str, str] = {p.id: p.text for p in show.prompts}
        self.scene = ""
        self.method = show.transition_method
        self.preset: int | None = None
        self.input_mode = str(show.scope.initial.get("input_mode", "text"))
        self.dirty: set[str] = set()
        self.transition_pending = False
        self.transition_steps = show.transition_steps
        self.transition_method = show.transition_method
        self.reset_pending = 0
        self.actions: list[str] = []
        self.params = show.params
        self.param_values: dict[str, str] = {}
        """Value parameters (``param.NAME`` set whole) → their JSON text."""
        self.version = 0
        for p in show.prompts:
            self.base[f"prompt.{p.id}.weight"] = p.weight
        for lora in show.loras:
            self.base[f"lora.{lora.id}.scale"] = lora.scale
        for key in ("kv_cache_attention_bias", "noise_scale"):
            if key in show.scope.initial:
                self.base[key] = float(show.scope.initial[key])
        self.base["paused"] = 0.0
        self.base["transition.num_steps"] = float(show.transition_steps)
        if show.start_scene:
            self._select_scene(show.start_scene)
            self.transition_pending = False
        self.dirty.clear()

    # -- reading -----------------------------------------------------------------------
    def value(self, target: str) -> float | None:
        """The effective value of a continuous target, or None if it has none yet."""
        if target not in self.base:
            return None
        value = self.base[target]
        mods = self.mods.get(target)
        if mods:
            for op, amount in mods.values():
                if op == "add":
                    value += amount
            for op, amount in mods.values():
                if op == "multiply":
                    value *= amount
        spec = spec_of(target) or self.params.get(target)
        return clamp(value, spec.lo, spec.hi) if spec else value

    def discrete(self, target: str) -> str | float | None:
        """The current choice of a discrete target (for pads, cycles and feedback)."""
        if target == "scene":
            return self.scene
        if target == "transition.method":
            return self.method
        if target == "input_mode":
            return self.input_mode
        if target == "denoising_steps":
            return None if self.preset is None else float(self.preset)
        if target.startswith("prompt.") and target.endswith(".text"):
            return self.texts.get(slot_of(target))
        return self.param_values.get(target)

    def weights(self) -> dict[str, float]:
        """Prompt slot id → effective weight."""
        return {p.id: self.value(f"prompt.{p.id}.weight") or 0.0 for p in self.show.prompts}

    @property
    def paused(self) -> bool:
        return (self.value("paused") or 0.0) >= 0.5

    # -- changing ----------------------------------------------------------------------
    def apply(self, change: Change) -> None:
        spec = spec_of(change.target) or self.params.get(change.target)
        if spec is None:
            return
        target, value = change.target, change.value
        # a tuple, not ``float | int``: isinstance is about twice as fast with one, on every change
        if spec.kind == "continuous" and isinstance(value, (float, int)):
            if value - value:  # NaN or ±inf (x - x is NaN, which is truthy): never stored
                return
            self.version += 1
            if change.merge == "set":
                self.base[target] = clamp(float(value), spec.lo, spec.hi)
            else:
                self.mods.setdefault(target, {})[change.origin] = (change.merge, float(value))
                self.base.setdefault(target, spec.lo if change.merge == "add" else spec.hi)
            self._mark(target)
            return
        if not isinstance(value, str) and value - value:  # nor a scene or an index
            return
        self.version += 1
        if spec.kind == "oneshot":
            self.reset_pending += 1
            self.dirty.add("reset_cache")
        elif target == "scene":
            self._select_scene(self._scene_name(value))
        elif target in ("scene.next", "scene.prev"):
            self._step_scene(1 if target == "scene.next" else -1)
        elif spec.kind == "action":
            self.actions.append(target)
        elif target == "transition.method" and value in ("linear", "slerp"):
            self.method = "slerp" if value == "slerp" else "linear"
            if self.transition_pending:
                self.transition_method = self.method
        elif target == "input_mode" and value in ("text", "video"):
            if value != self.input_mode:
                self.input_mode = str(value)
                self.dirty.add("input_mode")
        elif target == "denoising_steps" and isinstance(value, float | int):
            index = int(value)
            if 0 <= index < len(self.show.denoising_presets) and index != self.preset:
                self.preset = index
                self.dirty.add("denoising_step_list")
        elif spec.encode == "json" and isinstance(value, str):
            if self.param_values.get(target) != value:
                self.param_values[target] = value
                self.dirty.add(target)
        elif target.endswith(".text") and isinstance(value, str):
            slot = slot_of(target)
            if slot in self.texts and self.texts[slot] != value:
                self.texts[slot] = value
                self._begin_transition()

    def _mark(self, target: str) -> None:
        if target.startswith("prompt."):
            self.dirty.add("prompts")
        elif target.startswith("lora."):
            self.dirty.add("lora_scales")
        elif target.startswith("param."):
            self.dirty.add(target)
        elif target in PAYLOAD_KEY:
            if target == "noise_scale" and self.input_mode == "text":
                return
            self.dirty.add(PAYLOAD_KEY[target])

    def _scene_name(self, value: float | str) -> str:
        if isinstance(value, str):
            return value
        scenes = self.show.scenes
        return scenes[max(0, min(len(scenes) - 1, int(value)))].name if scenes else ""

    def _step_scene(self, step: int) -> None:
        names = [s.name for s in self.show.scenes]
        if not names:
            return
        index = names.index(self.scene) if self.scene in names else -step
        self._select_scene(names[(index + step) % len(names)])

    def _select_scene(self, name: str) -> None:
        scene = next((s for s in self.show.scenes if s.name == name), None)
        if scene is None:
            return
        self.scene = name
        for p in self.show.prompts:
            self.base[f"prompt.{p.id}.weight"] = float(scene.weights.get(p.id, 0.0))
            self.texts[p.id] = scene.texts.get(p.id, self.texts[p.id])
        self._begin_transition(scene.num_steps, scene.method)

    def _begin_transition(self, steps: int | None = None, method: str | None = None) -> None:
        self.transition_pending = True
        default = self.value("transition.num_steps")
        self.transition_steps = steps if steps is not None and steps >= 0 else round(default or 0.0)
        self.transition_method = "slerp" if (method or self.method) == "slerp" else "linear"
        self.dirty.add("prompts")

    def take_dirty(self) -> set[str]:
        dirty, self.dirty = self.dirty, set()
        return dirty

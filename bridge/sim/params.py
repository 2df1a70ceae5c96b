"""The stand-in's parameter engine: Scope's queue-of-8 and one-update-per-chunk rules, pure.

Rules (from Scope's frame processor, see scope-protocol.md §3):
- every message from the data channel or REST enters a queue of ``queue_size`` (8); when the
  queue is full the *incoming* (newest) message is dropped and counted;
- ``paused`` freezes the output on receipt, yet the message still occupies its queue slot; the
  pipeline itself pauses when it takes that message, and from then on takes one message every
  10 ms without generating (Scope's ``process_chunk``), so a frozen stream drops nothing;
- the pipeline takes ONE message per generated chunk and merges it into a persistent dict
  (``ctrl_input`` merges keys latest-wins and adds mouse deltas);
- ``transition`` blends to ``target_prompts`` over ``num_steps`` chunks (the chunk that takes it
  is step 1); 0 or missing snaps; ``prompts`` without ``transition`` snaps and cancels one;
- ``reset_cache`` is one-shot: counted, never kept in the dict.
Time comes in as arguments; nothing here sleeps or reads a clock.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

LOG_LIMIT = 2000


@dataclass(frozen=True, slots=True)
class Prompt:
    """One weighted prompt as the engine applied it."""

    text: str
    weight: float


def parse_prompts(value: object) -> tuple[Prompt, ...]:
    """Prompts from a message, tolerating strings (the data channel is not validated)."""
    if not isinstance(value, list):
        return ()
    prompts = []
    for item in value:
        if isinstance(item, str):
            prompts.append(Prompt(item, 1.0))
        elif isinstance(item, Mapping) and isinstance(item.get("text"), str):
            weight = item.get("weight", 1.0)
            prompts.append(Prompt(item["text"], float(weight) if _number(weight) else 1.0))
    return tuple(prompts)


def _number(value: object) -> bool:
    """A finite JSON number (the channel is not validated: NaN and Infinity parse too)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(slots=True)
class AppliedUpdate:
    """One message the pipeline took: when it arrived, when it was applied, what it said, and
    when the first frame showing it left (None until one did)."""

    received_t: float
    applied_t: float
    payload: Mapping[str, Any]
    shown_t: float | None = None


@dataclass(slots=True)
class SimStats:
    """Counters shared by every session of one stand-in (exposed on ``GET /sim/stats``)."""

    received: int = 0
    applied: int = 0
    dropped: int = 0
    invalid: int = 0
    reset_cache: int = 0
    transitions_started: int = 0
    transitions_completed: int = 0
    frames_sent: int = 0
    chunks: int = 0
    log: deque[AppliedUpdate] = field(default_factory=lambda: deque(maxlen=LOG_LIMIT))

    def to_json(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "applied": self.applied,
            "dropped": self.dropped,
            "invalid": self.invalid,
            "reset_cache": self.reset_cache,
            "transitions_started": self.transitions_started,
            "transitions_completed": self.transitions_completed,
            "frames_sent": self.frames_sent,
            "chunks": self.chunks,
            "applied_log": [
                {
                    "received_t": u.received_t,
                    "applied_t": u.applied_t,
                    "shown_t": u.shown_t,
                    "payload": dict(u.payload),
                }
                for u in self.log
            ],
        }


@dataclass(frozen=True, slots=True)
class Transition:
    """A running temporal blend: ``done`` of ``steps`` chunks generated so far."""

    start: tuple[Prompt, ...]
    target: tuple[Prompt, ...]
    steps: int
    done: int

    @property
    def progress(self) -> float:
        return self.done / self.steps


class ParameterEngine:
    """One session's pipeline parameters, fed messages, takes and generated calls.

    ``paused`` is the output freeze (applied on receipt, as Scope's video track does);
    ``worker_paused`` is the pipeline's own pause, set when the ``paused`` message is *taken*
    from the queue. While the worker is paused Scope's pipeline processor still takes one
    update every 10 ms (its ``process_chunk`` reads the queue before it checks the pause), so
    a frozen stream merges what arrives instead of dropping it.
    """

    def __init__(
        self,
        initial: Mapping[str, Any],
        stats: SimStats,
        queue_size: int = 8,
        size: tuple[int, int] = (576, 320),
    ) -> None:
        self.params: dict[str, Any] = {k: v for k, v in initial.items() if k != "reset_cache"}
        self.prompts = parse_prompts(initial.get("prompts"))
        self.paused = bool(initial.get("paused", False))
        self.worker_paused = self.paused
        self.transition: Transition | None = None
        self.stats = stats
        self.size = size
        self.cursor = (size[0] / 2, size[1] / 2)
        """Where ``controller-viz`` draws its dot: mouse deltas summed, kept on the canvas."""
        self._queue: deque[tuple[float, Mapping[str, Any]]] = deque()
        self._queue_size = queue_size

    @property
    def queued(self) -> int:
        return len(self._queue)

    def receive(self, payload: Mapping[str, Any], now: float) -> bool:
        """A message arrived; returns False when it was dropped because the queue is full."""
        if "paused" in payload:
            self.paused = bool(payload["paused"])  # on receipt, ahead of the queue
        return self.enqueue(payload, now)

    def enqueue(self, payload: Mapping[str, Any], now: float) -> bool:
        """Offer ``payload`` to the pipeline's queue (the output freeze is the caller's)."""
        self.stats.received += 1
        if len(self._queue) >= self._queue_size:
            self.stats.dropped += 1
            return False
        self._queue.append((now, payload))
        return True

    def take(self, now: float) -> AppliedUpdate | None:
        """The pipeline starts a call: take at most one queued message and merge it."""
        if not self._queue:
            return None
        received_t, payload = self._queue.popleft()
        self._apply(payload)
        applied = AppliedUpdate(received_t, now, payload)
        self.stats.applied += 1
        self.stats.log.append(applied)
        return applied

    def generate(self) -> None:
        """One pipeline call makes its frames: a transition steps, the mouse moves the dot."""
        self.stats.chunks += 1
        ctrl = self.params.get("ctrl_input")
        if isinstance(ctrl, dict):
            dx, dy = _mouse(ctrl)
            width, height = self.size
            x, y = self.cursor
            self.cursor = (
                min(max(x + dx, _DOT), width - _DOT),
                min(max(y + dy, _DOT), height - _DOT),
            )
            self.params["ctrl_input"] = {**ctrl, "mouse": [0.0, 0.0]}  # a delta, used once
        if self.transition is not None:
            step = Transition(
                self.transition.start,
                self.transition.target,
                self.transition.steps,
                self.transition.done + 1,
            )
            if step.done >= step.steps:
                self.prompts = step.target
                self.params["prompts"] = [{"text": p.text, "weight": p.weight} for p in step.target]
                self.transition = None
                self.stats.transitions_completed += 1
            else:
                self.transition = step

    def chunk(self, now: float) -> AppliedUpdate | None:
        """One turn of the worker: take at most one message, then generate unless paused."""
        applied = self.take(now)
        if not self.worker_paused:
            self.generate()
        return applied

    def buttons(self) -> frozenset[str]:
        """The keys ``ctrl_input`` holds down (latest message wins)."""
        ctrl = self.params.get("ctrl_input")
        pressed = ctrl.get("button") if isinstance(ctrl, dict) else None
        if not isinstance(pressed, list):
            return frozenset()
        return frozenset(str(key) for key in pressed)

    def _apply(self, payload: Mapping[str, Any]) -> None:
        if payload.get("reset_cache"):
            self.stats.reset_cache += 1
        if "paused" in payload:
            self.worker_paused = bool(payload["paused"])
        for key, value in payload.items():
            if key == "ctrl_input":
                self.params[key] = _merge_ctrl(self.params.get(key), value)
            elif key not in ("reset_cache", "paused", "transition"):
                self.params[key] = value
        transition = payload.get("transition")
        if isinstance(transition, Mapping):
            target = parse_prompts(transition.get("target_prompts"))
            steps = transition.get("num_steps", 0)
            steps = min(int(steps), _MAX_STEPS) if _number(steps) else 0
            if steps > 0 and target:
                self.transition = Transition(self.prompts, target, steps, 0)
                self.stats.transitions_started += 1
            elif target:
                self._snap(target)
        elif "prompts" in payload:
            self._snap(parse_prompts(payload["prompts"]))

    def _snap(self, prompts: tuple[Prompt, ...]) -> None:
        self.transition = None
        self.prompts = prompts
        self.params["prompts"] = [{"text": p.text, "weight": p.weight} for p in prompts]


_DOT = 5  # controller-viz keeps its 5-pixel dot inside the frame
_MAX_STEPS = 1_000_000  # a transition longer than this never ends in a show anyway


def _mouse(ctrl: Mapping[str, Any]) -> tuple[float, float]:
    mouse = ctrl.get("mouse")
    if isinstance(mouse, list | tuple) and len(mouse) == 2 and all(_number(m) for m in mouse):
        return float(mouse[0]), float(mouse[1])
    return 0.0, 0.0


def _merge_ctrl(old: object, new: object) -> object:
    """Scope merges ``ctrl_input`` specially: keys are the latest, mouse deltas add up."""
    if not isinstance(new, Mapping):
        return new
    if not isinstance(old, Mapping):
        return dict(new)
    (ox, oy), (nx, ny) = _mouse(old), _mouse(new)
    return {"button": new.get("button", []), "mouse": [ox + nx, oy + ny]}

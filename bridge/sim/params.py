"""The stand-in's parameter engine: Scope's queue-of-8 and one-update-per-chunk rules, pure.

Rules (from Scope's frame processor, see scope-protocol.md §3):
- every message from the data channel or REST enters a queue of ``queue_size`` (8); when the
  queue is full the *incoming* (newest) message is dropped and counted;
- ``paused`` takes effect on receipt, yet the message still occupies its queue slot;
- the pipeline takes ONE message per generated chunk and merges it into a persistent dict;
  while paused no chunks run, so nothing is taken;
- ``transition`` blends to ``target_prompts`` over ``num_steps`` chunks (the chunk that takes it
  is step 1); 0 or missing snaps; ``prompts`` without ``transition`` snaps and cancels one;
- ``reset_cache`` is one-shot: counted, never kept in the dict.
Time comes in as arguments; nothing here sleeps or reads a clock.
"""

from __future__ import annotations

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
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True)
class AppliedUpdate:
    """One message the pipeline took: when it arrived, when it was applied, what it said."""

    received_t: float
    applied_t: float
    payload: Mapping[str, Any]


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
                {"received_t": u.received_t, "applied_t": u.applied_t, "payload": dict(u.payload)}
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
    """One session's pipeline parameters, fed messages and chunk ticks."""

    def __init__(self, initial: Mapping[str, Any], stats: SimStats, queue_size: int = 8) -> None:
        self.params: dict[str, Any] = {k: v for k, v in initial.items() if k != "reset_cache"}
        self.prompts = parse_prompts(initial.get("prompts"))
        self.paused = bool(initial.get("paused", False))
        self.transition: Transition | None = None
        self.stats = stats
        self._queue: deque[tuple[float, Mapping[str, Any]]] = deque()
        self._queue_size = queue_size

    @property
    def queued(self) -> int:
        return len(self._queue)

    def receive(self, payload: Mapping[str, Any], now: float) -> bool:
        """A message arrived; returns False when it was dropped because the queue is full."""
        self.stats.received += 1
        if "paused" in payload:
            self.paused = bool(payload["paused"])  # on receipt, ahead of the queue
        if len(self._queue) >= self._queue_size:
            self.stats.dropped += 1
            return False
        self._queue.append((now, payload))
        return True

    def chunk(self, now: float) -> AppliedUpdate | None:
        """The pipeline starts a chunk: take at most one message, then advance a transition."""
        self.stats.chunks += 1
        applied = None
        if self._queue:
            received_t, payload = self._queue.popleft()
            self._apply(payload)
            applied = AppliedUpdate(received_t, now, payload)
            self.stats.applied += 1
            self.stats.log.append(applied)
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
        return applied

    def _apply(self, payload: Mapping[str, Any]) -> None:
        if payload.get("reset_cache"):
            self.stats.reset_cache += 1
        for key, value in payload.items():
            if key not in ("reset_cache", "paused", "transition"):
                self.params[key] = value
        transition = payload.get("transition")
        if isinstance(transition, Mapping):
            target = parse_prompts(transition.get("target_prompts"))
            steps = transition.get("num_steps", 0)
            steps = int(steps) if _number(steps) else 0
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

"""What the console, the headless log and `scope-bridge status` show: one immutable snapshot.

Taking a snapshot only reads; it is cheap enough for 10–15 Hz. UIs never reach into the
bridge otherwise, and send commands back as `UiAction` events through `Bridge.submit`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from bridge.core import events as ev
from bridge.core.bindings import UNNUMBERED_CONTROLS, Source
from bridge.running.bridge import Bridge


@dataclass(frozen=True, slots=True)
class PromptView:
    id: str
    text: str
    base: float
    weight: float


@dataclass(frozen=True, slots=True)
class ControlView:
    id: str
    source: str
    target: str
    value: str
    hint: str


@dataclass(frozen=True, slots=True)
class OutputView:
    sent_total: int
    per_s: float
    inflight: int
    budget: int
    chunk_hz: float
    paused: bool
    last_payload: str


@dataclass(frozen=True, slots=True)
class DeviceView:
    """One input device, output sink or service, as a line a performer can read."""

    name: str
    kind: str
    state: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Snapshot:
    t: float
    show: str
    scene: str
    transition: str
    transition_progress: float | None
    prompts: tuple[PromptView, ...]
    controls: tuple[ControlView, ...]
    output: OutputView
    connection: dict[str, Any] | None
    devices: tuple[DeviceView, ...]
    events: tuple[str, ...]
    event_count: int
    problems: tuple[str, ...]
    extra: dict[str, Any] = field(default_factory=dict)
    page: str = ""
    """The current page ("" when the show declares none); ``controls`` are what acts on it."""
    pages: tuple[str, ...] = ()
    layers: tuple[str, ...] = ()
    """The layers held now (``shift``)."""

    def to_json(self, **head: Any) -> str:
        """The snapshot as JSON, after ``head`` (who wrote it: the status file's pid)."""
        return json.dumps({**head, **asdict(self)}, indent=1, default=str)


def describe_source(src: Source) -> str:
    """A short human name for a mapping's source: ``apc ch1 cc48``, ``td /fader1``."""
    if src.kind == "midi":
        channel = f" ch{src.channel}" if src.channel else ""
        number = "" if src.control in UNNUMBERED_CONTROLS else f"{src.number}"
        return f"{src.device}{channel} {src.control}{number}"
    if src.kind == "osc":
        return f"{src.device} {src.address}" + (f"[{src.arg}]" if src.arg else "")
    if src.kind == "lfo":
        return f"lfo {src.shape} {src.period_s:g}s"
    if src.kind == "audio":
        return f"audio {src.feature}"
    return f"tempo {src.feature}"


def describe_event(e: ev.Event) -> str:
    """One line for the inputs monitor."""
    if isinstance(e, ev.ControlChange):
        return f"{e.source} ch{e.channel} cc{e.control}={e.value}"
    if isinstance(e, ev.ControlChange14):
        return f"{e.source} ch{e.channel} cc14 {e.control}={e.value}"
    if isinstance(e, ev.NoteOn):
        return f"{e.source} ch{e.channel} note {e.note} on {e.velocity}"
    if isinstance(e, ev.NoteOff):
        return f"{e.source} ch{e.channel} note {e.note} off"
    if isinstance(e, ev.OscMessage):
        args = " ".join(repr(a) for a in e.args)
        return f"{e.source} {e.address} {args}"
    if isinstance(e, ev.ParamNumber):
        return f"{e.source} ch{e.channel} {e.kind} {e.number}={e.value}{e.delta:+d}"
    if isinstance(e, ev.UiAction):
        return f"console {e.action} {e.target} {e.value if e.value is not None else ''}".strip()
    if isinstance(e, ev.TempoBeat):
        mark = " downbeat" if e.downbeat else " beat" if e.beat else ""
        return f"{e.source} tempo {e.bpm:.1f} bpm{mark}"
    if isinstance(e, ev.AudioOnset):
        return f"{e.source} onset {e.strength:.2f}"
    return f"{e.source} {type(e).__name__}"


WHOLE = frozenset({"transition.num_steps"})
"""Targets whose value is sent as a whole number: shown as one (4 steps, not 4.03)."""


def _value_text(bridge: Bridge, target: str) -> str:
    """A target's value as what it is: a whole number of steps, frozen or live, a name."""
    value = bridge.state.value(target)
    if value is not None:
        if target in WHOLE:
            return str(round(value))
        if target == "paused":
            return "frozen" if value >= 0.5 else "live"
        return f"{value:.2f}"
    choice = bridge.state.discrete(target)
    return "" if choice is None else str(choice)


HINTS = {"up": "turn up to pick up", "down": "turn down to pick up"}


def take(
    bridge: Bridge,
    *,
    connection: Callable[[], dict[str, Any] | None] | None = None,
    devices: Sequence[Callable[[], Sequence[DeviceView]]] = (),
    extra: Callable[[], dict[str, Any]] | None = None,
    events: int = 40,
) -> Snapshot:
    now = bridge.clock()
    state = bridge.state
    prompts = tuple(
        PromptView(p.id, state.texts[p.id], state.base[f"prompt.{p.id}.weight"], w)
        for p, w in zip(bridge.show.prompts, state.weights().values(), strict=True)
    )
    controls = []
    own = bridge.show.path  # the show's own mappings (pads, learned controls) before a profile's
    surfaces: dict[str, int] = {}
    for live in sorted(bridge.engine.acting, key=lambda lv: lv.binding.origin[0] not in ("", own)):
        b = live.binding
        if b.surface:  # a surface is one line, not one per target
            surfaces[b.surface] = surfaces.get(b.surface, 0) + 1
            continue
        current = state.value(b.target)
        hint = live.takeover.hint(current) if live.takeover and current is not None else ""
        controls.append(
            ControlView(
                b.id,
                describe_source(b.source),
                b.target,
                _value_text(bridge, b.target),
                HINTS.get(hint, ""),
            )
        )
    for device in bridge.show.osc:
        if not device.surface or device.name not in surfaces:
            continue
        where = f"osc {device.name} {device.surface}/…"
        controls.append(
            ControlView(f"{device.name} surface", where, f"{surfaces[device.name]} targets", "", "")
        )
    pacer = bridge.pacer  # in flight and pace: the first target's (each has a line of its own)
    progress = bridge.builder.transition_progress(now)
    # the first target's transition: with several targets the show state itself sends nothing
    sending = bridge.lane().state
    transition = (
        "pending" if sending.transition_pending else "running" if progress is not None else ""
    )
    recent = list(bridge.recent)[-events:]
    return Snapshot(
        t=now,
        show=bridge.show.path,
        scene=state.scene,
        transition=transition,
        transition_progress=progress,
        prompts=prompts,
        controls=tuple(controls),
        output=OutputView(
            sent_total=sum(lane.pacer.sent_count for lane in bridge.lanes.values()),
            per_s=bridge.messages_per_s(),
            inflight=pacer.inflight(now),
            budget=pacer.budget,
            chunk_hz=1.0 / pacer.chunk_period,
            paused=state.paused,
            last_payload=json.dumps(pacer.last_payload)[:400],
        ),
        connection=connection() if connection else None,
        devices=tuple(d for provider in devices for d in provider()),
        events=tuple(describe_event(e) for e in recent if not isinstance(e, ev.Tick)),
        event_count=bridge.event_count,
        problems=tuple(p.text for p in bridge.problems.present()),
        extra=extra() if extra else {},
        page=bridge.engine.view.page,
        pages=bridge.engine.view.pages,
        layers=bridge.engine.view.layers,
    )

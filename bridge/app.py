"""The running bridge: one asyncio loop around the pure core.

Every input adapter calls `Bridge.submit(event)` on the loop thread. `submit` feeds the
engine, applies the changes and, when the pacer allows, sends at once (the leading edge:
no task switch between an OSC packet and the data channel's ``send``). A timer handle
wakes the pacer for whatever is still dirty. Nothing here blocks; a failing mapping or
transport becomes a line in `problems`, never an exception out of the loop, and every
long-lived task runs under `bridge.supervise` (restarted with backoff when it fails).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from typing import Any

from bridge.config.model import Show
from bridge.core.events import Event, TempoBeat, Tick
from bridge.core.finite import SCREENED, Refusals, screen
from bridge.core.mapping import Engine
from bridge.core.pacer import Pacer
from bridge.core.payload import PayloadBuilder
from bridge.core.state import ShowState
from bridge.core.tempo_lead import TempoLead, tempo_kinds
from bridge.errors import BridgeError
from bridge.onbeat import OnBeat
from bridge.problems import ProblemBook
from bridge.protocols import ParamTransport
from bridge.scope.health import Backoff
from bridge.scope.pipelines import frames_per_call
from bridge.supervise import RESTARTS, TaskFactory, TaskSpec, supervise

log = logging.getLogger("bridge")

TICK_HZ = 60.0
SEND_PROBLEM_S = 10.0
"""How long a failed send stays in Problems when nothing fails again."""


class Bridge:
    """The show's control path: events in, paced payloads out through one transport."""

    def __init__(
        self,
        show: Show,
        transport: ParamTransport | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        restarts: Backoff = RESTARTS,
    ) -> None:
        self.show = show
        self.restarts = restarts
        """How long a failed task waits before it is started again (`bridge.supervise`)."""
        self.clock = clock
        self.problems = ProblemBook(clock)
        """What is wrong now, each problem by identity (see `bridge.problems`)."""
        self.state = ShowState(show)
        self.refused: Refusals = Counter()
        """Non-finite values refused at this edge and in the engine, by (source, reason)."""
        self.engine = Engine(show, self.state, self.refused)
        self.builder = PayloadBuilder(show.output.weight_quantum)
        self.pacer = Pacer(
            self.state,
            self.builder,
            max_rate_hz=show.output.max_rate_hz,
            inflight_budget=show.output.inflight_budget,
            chunk_rate_hz=show.scope.chunk_rate_hz or show.scope.idle_chunk_rate_hz,
        )
        self.frames_per_call = self._frames_per_call()
        self.transport = transport
        self.recent: deque[Event] = deque(maxlen=256)
        self.sent_times: deque[float] = deque(maxlen=512)
        self.event_count = 0
        self.lead = TempoLead(show.tempo.order, tempo_kinds(show), show.tempo.quantum)
        """Which tempo source leads (Link, MIDI clock, a host, audio, taps): one tempo."""
        self.tempo: TempoBeat | None = None
        """The latest tempo the leading source gave (as the engine heard it)."""
        self.on_sent: list[Callable[[dict[str, Any]], None]] = []
        self.on_event: list[Callable[[Event], None]] = []
        self.on_action: list[Callable[[str], None]] = []
        """Listeners for actions meant for other parts (tempo.tap, tempo.double, ...)."""
        self._timer: asyncio.TimerHandle | None = None
        self.onbeat = OnBeat(self, self._loop_time)
        """Quantised changes sent early by the predicted latency, and where they landed."""
        self.extra_initial: dict[str, Any] = {}
        """Parameters every new session must start with besides the show (output_sinks)."""
        self._tasks: list[TaskSpec] = []
        self._group: asyncio.TaskGroup | None = None
        self._running: dict[str, asyncio.Task[None]] = {}

    # -- the control path ----------------------------------------------------------------
    def submit(self, event: Event) -> None:
        """Take one event (on the loop thread): map it, apply it, send if allowed.

        Audio, tempo, console and clock events with a NaN or infinite number are refused
        here, before anything reads them, and counted in ``refused`` (OSC inputs refuse
        theirs as they parse; MIDI carries only integers).
        """
        if type(event) in SCREENED:
            screened = screen(event, self.refused)
            if screened is None:
                return
            event = screened
        if type(event) is not Tick:  # 60 clock ticks a second would push inputs out of view
            self.event_count += 1
            self.recent.append(event)
        state = self.state
        if self.show.quantize != "off":
            self.onbeat.before_feed()
        try:
            # a knob or a message goes straight in; tempo and clock pass the leader first
            fed = self._led(event) if type(event) in (TempoBeat, Tick) else (event,)
            for one in fed:
                changes = self.engine.feed(one)
                if changes:
                    apply = state.apply
                    for change in changes:
                        apply(change)
        except Exception as exc:  # a bug in one mapping must not stop the show
            log.exception("mapping failed on %r", event)
            self.report("mapping", f"a mapping failed on {type(event).__name__}: {exc}")
        if state.actions:
            actions, state.actions = state.actions, []
            for action in actions:
                for act in self.on_action:
                    act(action)
        for listener in self.on_event:
            listener(event)
        self.pump()
        if self.engine.beat_clock.waiting:
            self.onbeat.after_pump()

    def _led(self, event: Event) -> list[Event]:
        """What the engine hears of an event: of tempo events only the leader's (see
        `bridge.core.tempo_lead`); time passing may hand over, or bring a tapped beat."""
        if type(event) is TempoBeat:
            led: list[Event] = list(self.lead.feed(event))
        else:
            assert type(event) is Tick
            led = [*self.lead.tick(event.t), event]
        for tempo in led:
            if type(tempo) is TempoBeat:
                self.tempo = tempo
        return led

    def pump(self) -> None:
        """Send what the pacer allows now, and arm the timer for what stays dirty."""
        transport = self.transport
        if transport is None or not transport.ready:
            return
        now = self.clock()
        if self.onbeat.holding(now):
            return  # a held change leaves within a call: what is dirty goes with it then
        payload = self.pacer.poll(now)
        if payload is not None:
            payload = self.onbeat.outgoing(payload)
            try:
                transport.send(payload)
            except BridgeError as exc:  # a send racing a drop: news for a moment, not a state
                self.report("scope", str(exc), key="send", ttl=SEND_PROBLEM_S)
            else:
                self.sent_times.append(now)
                self.onbeat.sent()
                for listener in self.on_sent:
                    listener(payload)
            self._arm(now)
        elif self._timer is None or "paused" in self.state.dirty:
            # with a timer armed and nothing sent, only a pause can make the wake-up earlier
            self._arm(now)

    def _arm(self, now: float) -> None:
        at = self.pacer.next_wakeup(now)
        if self._timer is not None:
            if at is not None and abs(self._timer.when() - self._loop_time(at)) < 1e-4:
                return
            self._timer.cancel()
            self._timer = None
        if at is not None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return
            self._timer = loop.call_at(self._loop_time(at), self._wake)

    def _loop_time(self, at: float) -> float:
        loop = asyncio.get_running_loop()
        return loop.time() + (at - self.clock())

    def _wake(self) -> None:
        self._timer = None
        self.pump()

    def swap_show(self, show: Show) -> None:
        """Take a new version of the show file without dropping a value or the connection.

        Live values carry over wherever the new file did not change them: a knob's position,
        the active scene, paused, modulations of bindings that still exist. What the file
        did change (a prompt's text, a new slot, a new scene) takes the file's value. Only
        real differences go out, as usual.
        """
        old_show, old = self.show, self.state
        self.lead.reorder(show.tempo.order, tempo_kinds(show), show.tempo.quantum)
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
            old.preset
            if old.preset is not None and old.preset < len(show.denoising_presets)
            else None
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
        engine = Engine(show, state, self.refused)
        old_lives = {live.binding.id: live for live in self.engine.lives}
        for live in engine.lives:
            previous = old_lives.get(live.binding.id)
            if previous is None or previous.binding != live.binding:
                continue
            if previous.spec == live.spec:  # a parameter typed anew by Scope starts afresh
                live.takeover, live.chain = previous.takeover, previous.chain
                live.last_out, live.pressed = previous.last_out, previous.pressed
        engine.t0 = self.engine.t0
        engine.stay_on(self.engine.view.page)
        self.show, self.state, self.engine = show, state, engine
        self.pacer.state = state
        self.frames_per_call = self._frames_per_call()  # a new pipeline or frames_per_chunk
        self.problems.clear_where("mapping")  # those were failures of the old mappings
        self.pump()

    def initial_parameters(self) -> dict[str, Any]:
        """The full show state, for ``initialParameters`` on every (re)connect."""
        return {**self.builder.full(self.state, self.show.scope.pipeline), **self.extra_initial}

    def connected(self) -> None:
        """Scope took the full state with the new session: its queue starts empty. Unless
        ``[scope] chunk_rate_hz`` fixes the pace, only evidence drains the modelled queue
        from now on (`observe_frames`): nothing drains before the first frame."""
        now = self.clock()
        self.pacer.reset(now)
        self.onbeat.connected()
        if self.evidence_pacing:
            self.pacer.expect_evidence(now)
        self.pump()

    @property
    def evidence_pacing(self) -> bool:
        """Paced by the frames Scope sends; False when ``chunk_rate_hz`` forces a clock."""
        return not self.show.scope.chunk_rate_hz

    def _frames_per_call(self) -> int:
        """Frames one pipeline call makes (the show's setting, else the known pipeline's);
        a guess is said in Problems until the show names the figure or a known pipeline."""
        scope = self.show.scope
        frames, unknown = frames_per_call(scope.pipeline, scope.frames_per_chunk)
        if unknown is None:
            self.clear("pacing", "frames")
        else:
            self.report("pacing", unknown, key="frames")
        return frames

    def observe_frames(self, frames: float) -> None:
        """Scope sent ``frames`` more frames (or its metrics say it made them): evidence that
        it ran frames ÷ frames-per-call pipeline calls, each of which took at most one update.
        (Frozen, Scope repeats its picture, which proves nothing: the pacer ignores those.)"""
        if not self.evidence_pacing or frames <= 0:
            return
        now = self.clock()
        self.pacer.observe_calls(frames / self.frames_per_call, now)
        self.onbeat.frames(now)
        self.pump()

    def set_chunk_rate(self, measured_fps: float | None) -> None:
        """Follow Scope's real pace: measured frame rate ÷ frames per chunk."""
        scope = self.show.scope
        if scope.chunk_rate_hz:
            hz = scope.chunk_rate_hz
        elif measured_fps:
            hz = measured_fps / self.frames_per_call
        else:
            hz = scope.idle_chunk_rate_hz
        self.pacer.set_chunk_rate(hz, self.clock())

    def report(self, where: str, message: str, *, key: str = "", ttl: float | None = None) -> None:
        """Say what is wrong at (where, key): shown and logged once, until `clear`ed (or
        ``ttl`` seconds after the last report, for one-off events)."""
        self.problems.report(where, message, key=key, ttl=ttl)

    def clear(self, where: str, key: str = "") -> None:
        """The cause of the problem at (where, key) is gone."""
        self.problems.clear(where, key)

    def messages_per_s(self, window: float = 2.0) -> float:
        now = self.clock()
        return sum(1 for t in self.sent_times if now - t <= window) / window

    # -- running -------------------------------------------------------------------------
    def add_task(self, name: str, factory: TaskFactory, *, forever: bool = True) -> None:
        """A long-lived task to run, supervised, in the bridge's TaskGroup (inputs, link).

        ``forever``: the task is meant to run until cancelled, so returning is a fault
        (reported, and it is started again); otherwise a return is its normal end.
        Added while the bridge runs (a reloaded device), it starts at once.
        """
        spec = TaskSpec(name, factory, forever)
        self._tasks.append(spec)
        if self._group is not None:
            self._start(spec)

    def _start(self, spec: TaskSpec) -> None:
        assert self._group is not None
        task = self._group.create_task(
            supervise(spec, self.problems, backoff=self.restarts), name=spec.name
        )
        self._running[spec.name] = task

    @property
    def running(self) -> bool:
        return self._group is not None

    async def stop_tasks(self, names: Iterable[str]) -> None:
        """Stop these tasks and wait until their cleanup ran (sockets closed, ports freed)."""
        gone = set(names)
        self._tasks = [t for t in self._tasks if t.name not in gone]
        tasks = [self._running.pop(n) for n in gone if n in self._running]
        for task in tasks:
            task.cancel()
        # a cancelled child leaves the TaskGroup running; only its own cleanup is awaited
        await asyncio.gather(*tasks, return_exceptions=True)
        for name in gone:  # a task that is gone has no problem left
            self.problems.clear_where(name)

    async def _ticks(self) -> None:
        """Drive LFOs and smoothing at TICK_HZ (deadline-paced), only while they need it."""
        period = 1.0 / TICK_HZ
        next_at = self.clock()
        while True:
            next_at += period
            now = self.clock()
            if next_at < now:
                next_at = now + period
            await asyncio.sleep(next_at - now)
            if self.engine.needs_ticks or self.lead.needs_ticks:
                self.submit(Tick(self.clock()))

    async def run(self) -> None:
        """Run until cancelled: every long-lived task, supervised, in one TaskGroup.

        A task that fails is restarted by its supervisor; only a fault in supervision
        itself ends the group (and this call, with that error).
        """
        try:
            async with asyncio.TaskGroup() as group:
                self._group = group
                self._start(TaskSpec("ticks", self._ticks))
                for spec in self._tasks:
                    self._start(spec)
        finally:
            self._group = None
            self._running.clear()

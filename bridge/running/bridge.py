"""The running bridge: one asyncio loop around the pure core.

Every input adapter calls `Bridge.submit(event)` on the loop thread. `submit` feeds the
engine, applies the changes and, when the pacer allows, sends at once (the leading edge:
no task switch between an OSC packet and the data channel's ``send``). A timer handle
wakes the pacer for whatever is still dirty. Nothing here blocks; a failing mapping or
transport becomes a line in `problems`, never an exception out of the loop, and every
long-lived task runs under `bridge.running.supervise` (restarted with backoff when it fails).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from typing import Any

from bridge.config.targets import target_show
from bridge.core.carry import carried, reloaded
from bridge.core.events import Event, TempoBeat, Tick
from bridge.core.fanout import Fanout
from bridge.core.finite import SCREENED, Refusals, screen
from bridge.core.mapping import Engine
from bridge.core.pacer import Pacer
from bridge.core.payload import PayloadBuilder
from bridge.core.show import Show, scope_targets
from bridge.core.state import Change, ShowState
from bridge.core.tempo_lead import TempoLead, tempo_kinds
from bridge.protocols import ParamTransport
from bridge.running.lanes import Lane
from bridge.running.onbeat import OnBeat
from bridge.running.supervise import RESTARTS, Supervised, TaskFactory, TaskSpec
from bridge.scope.health import Backoff
from bridge.watch.problems import ProblemBook

log = logging.getLogger("bridge")

TICK_HZ = 60.0


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
        self.clock = clock
        self.problems = ProblemBook(clock)
        """What is wrong now, each problem by identity (see `bridge.watch.problems`)."""
        self.tasks = Supervised(self.problems, restarts)
        """The long-lived tasks (inputs, links, ticks), supervised (`bridge.running.supervise`)."""
        self.state = ShowState(show)
        self.refused: Refusals = Counter()
        """Non-finite values refused at this edge and in the engine, by (source, reason)."""
        self.engine = Engine(show, self.state, self.refused)
        self.fanout = Fanout(show)
        self.lanes: dict[str, Lane] = {}
        """One control path per Scope target, by name (the first is the plain ``[scope]``
        or the first ``[scope.targets]`` table): its own state, pacer and transport."""
        self._build_lanes(show)
        self.lanes[self.first].transport = transport
        self.recent: deque[Event] = deque(maxlen=256)
        self.sent_times: deque[float] = deque(maxlen=512)
        """When any lane sent (`messages_per_s` counts every target's messages)."""
        self.event_count = 0
        self.lead = TempoLead(show.tempo.order, tempo_kinds(show), show.tempo.quantum)
        """Which tempo source leads (Link, MIDI clock, a host, audio, taps): one tempo."""
        self.tempo: TempoBeat | None = None
        """The latest tempo the leading source gave (as the engine heard it)."""
        self.on_sent: list[Callable[[dict[str, Any]], None]] = []
        self.on_event: list[Callable[[Event], None]] = []
        self.on_action: list[Callable[[str], None]] = []
        """Listeners for actions meant for other parts (tempo.tap, tempo.double, ...)."""
        self.onbeat = OnBeat(self)
        """Quantised changes sent early by the predicted latency, and where they landed (the
        first target's pace decides the lead; every target gets the change in one pump)."""
        first = self.lanes[self.first]
        first.outgoing, first.after_send = self.onbeat.outgoing, self.onbeat.sent
        self.extra_initial: dict[str, Any] = {}
        """Parameters every new session must start with besides the show (output_sinks)."""

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
                        if self._mirrored:
                            self._fan(change)
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

    def _fan(self, change: Change) -> None:
        """Apply one change to the state of every target it is routed to."""
        routed = self.fanout.route(change, self.state.scene)
        if routed is None:
            return
        for name, lane in self.lanes.items():
            if routed.reaches(name):
                lane.state.apply(routed.change)

    def pump(self) -> None:
        """Each target sends what its own pacer allows now (no target waits for another);
        none while a held change is due within a call (what is dirty goes with it then)."""
        if self.onbeat.holding(self.clock()):
            return
        for lane in self.lanes.values():
            lane.pump()

    def _lane_sent(self, now: float, payload: dict[str, Any]) -> None:
        self.sent_times.append(now)
        for listener in self.on_sent:
            listener(payload)

    # -- targets -------------------------------------------------------------------------
    def _build_lanes(self, show: Show) -> None:
        """One lane per target. With one target its state is the show state itself (the
        plain ``[scope]`` case, unchanged); with several, each has a state of its own."""
        targets = scope_targets(show)
        self._mirrored = len(targets) > 1
        for target in targets:
            seen = target_show(show, target.name)
            state = ShowState(seen) if self._mirrored else self.state
            self.lanes[target.name] = Lane(
                target.name, seen, state, clock=self.clock, report=self.report, sent=self._lane_sent
            )
        self.first = targets[0].name
        self._say_frames()

    @property
    def several_targets(self) -> bool:
        """The show drives several Scope servers, each target with a state of its own."""
        return self._mirrored

    def lane(self, target: str | None = None) -> Lane:
        """One target's lane (the first one's without a name)."""
        return self.lanes[self.first if target is None else target]

    @property
    def pacer(self) -> Pacer:
        """The first target's pacer (the one of a plain ``[scope]``)."""
        return self.lanes[self.first].pacer

    @property
    def builder(self) -> PayloadBuilder:
        return self.lanes[self.first].builder

    @property
    def transport(self) -> ParamTransport | None:
        """The first target's transport (the one of a plain ``[scope]``)."""
        return self.lanes[self.first].transport

    @transport.setter
    def transport(self, transport: ParamTransport | None) -> None:
        self.lanes[self.first].transport = transport

    @property
    def frames_per_call(self) -> int:
        return self.lanes[self.first].frames_per_call

    def swap_show(self, show: Show) -> None:
        """Take a new version of the show file without dropping a value or the connection.

        Live values carry over wherever the new file did not change them: a knob's position,
        the active scene, paused, modulations of bindings that still exist. What the file
        did change (a prompt's text, a new slot, a new scene) takes the file's value. Only
        real differences go out, as usual. What carries over is the core's rule
        (`bridge.core.carry`); here the lanes, problems and pacing follow.
        """
        self.lead.reorder(show.tempo.order, tempo_kinds(show), show.tempo.quantum)
        engine = reloaded(self.engine, show)  # the pure half (`bridge.core.carry`)
        state = engine.state
        self.show, self.state, self.engine = show, state, engine
        self.fanout = Fanout(show)
        for name, lane in self.lanes.items():  # the targets are fixed until a restart
            seen = target_show(show, name)
            lane.swap(seen, carried(lane.show, lane.state, seen) if self._mirrored else state)
        self._say_frames()  # a new pipeline or frames_per_chunk
        self.problems.clear_where("mapping")  # those were failures of the old mappings
        self.pump()

    def initial_parameters(self, target: str | None = None) -> dict[str, Any]:
        """One target's full state, for ``initialParameters`` on every (re)connect."""
        lane = self.lane(target)
        full = lane.builder.full(lane.state, lane.show.scope.pipeline)
        return {**full, **self.extra_initial}

    def connected(self, target: str | None = None) -> None:
        """Scope took the full state with the new session: its queue starts empty. Unless
        ``[scope] chunk_rate_hz`` fixes the pace, only evidence drains the modelled queue
        from now on (`observe_frames`): nothing drains before the first frame."""
        self.lane(target).connected()
        if target is None or target == self.first:
            self.onbeat.connected()

    @property
    def evidence_pacing(self) -> bool:
        """Paced by the frames Scope sends; False when ``chunk_rate_hz`` forces a clock."""
        return self.lanes[self.first].evidence_pacing

    def _say_frames(self) -> None:
        """Frames one pipeline call makes (the show's setting, else the known pipeline's):
        a guess is said in Problems until the show names the figure or a known pipeline."""
        for name, lane in self.lanes.items():
            key = "frames" if name == self.first else f"frames-{name}"
            if lane.frames_unknown is None:
                self.clear("pacing", key)
            else:
                self.report("pacing", lane.frames_unknown, key=key)

    def observe_frames(self, frames: float, target: str | None = None) -> None:
        """Scope sent ``frames`` more frames (or its metrics say it made them): evidence that
        it ran frames ÷ frames-per-call pipeline calls, each of which took at most one update.
        (Frozen, Scope repeats its picture, which proves nothing: the pacer ignores those.)"""
        self.lane(target).observe_frames(frames)
        if (target is None or target == self.first) and self.evidence_pacing and frames > 0:
            self.onbeat.frames(self.clock())

    def set_chunk_rate(self, measured_fps: float | None, target: str | None = None) -> None:
        """Follow one target's real pace: measured frame rate ÷ frames per chunk."""
        self.lane(target).set_chunk_rate(measured_fps)

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
    @property
    def restarts(self) -> Backoff:
        """How long a failed task waits before it is started again (`bridge.running.supervise`)."""
        return self.tasks.backoff

    @restarts.setter
    def restarts(self, backoff: Backoff) -> None:
        self.tasks.backoff = backoff

    def add_task(self, name: str, factory: TaskFactory, *, forever: bool = True) -> None:
        """A long-lived task to run, supervised, in the bridge's TaskGroup (inputs, link).

        ``forever``: the task is meant to run until cancelled, so returning is a fault
        (reported, and it is started again); otherwise a return is its normal end.
        Added while the bridge runs (a reloaded device), it starts at once.
        """
        self.tasks.add(TaskSpec(name, factory, forever))

    @property
    def running(self) -> bool:
        return self.tasks.running

    async def stop_tasks(self, names: Iterable[str]) -> None:
        """Stop these tasks and wait until their cleanup ran (sockets closed, ports freed)."""
        await self.tasks.stop(names)

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
        await self.tasks.run(TaskSpec("ticks", self._ticks))

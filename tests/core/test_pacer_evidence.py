"""The pacer clocked by evidence, against a call-by-call model of Scope's worker.

Frames reaching the bridge are the only evidence that Scope took an update; calls may
stall for seconds, frames arrive late, ``paused`` behaves as the real server's does. For any
input and any such server the promises hold: no update dropped, never above the ceiling, the
final state delivered.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bridge.core import events as ev
from bridge.core.mapping import Engine
from bridge.core.pacer import Pacer
from bridge.core.payload import PayloadBuilder, prompt_list
from bridge.core.state import ShowState
from tests.core.scope_worker import ScopeWorker
from tests.core.showkit import core_show
from tests.core.test_pacer import events


def calls(durations: list[float], period: float) -> Iterator[float]:
    """The given call durations, then calls of ``period`` for ever."""
    yield from durations
    yield from itertools.repeat(period)


@dataclass
class Show:
    """One core show driven against one modelled Scope, as the app's loop drives it."""

    worker: ScopeWorker
    k: int
    budget: int = 1
    max_rate: float = 30.0
    guess_hz: float = 1.3
    expect: bool = False
    """Evidence expected from the start (a WebRTC session: its frames will be counted)."""
    state: ShowState = field(init=False)
    engine: Engine = field(init=False)
    pacer: Pacer = field(init=False)
    now: float = 0.0
    sends: list[tuple[float, dict[str, Any]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        show = core_show()
        self.state = ShowState(show)
        self.engine = Engine(show, self.state)
        builder = PayloadBuilder()
        self.pacer = Pacer(
            self.state,
            builder,
            max_rate_hz=self.max_rate,
            inflight_budget=self.budget,
            chunk_rate_hz=self.guess_hz,
        )
        self.worker.initial(builder.full(self.state, "longlive"))
        self.pacer.reset(0.0)
        if self.expect:
            self.pacer.expect_evidence(0.0)

    def _poll(self) -> None:
        msg = self.pacer.poll(self.now)
        if msg is not None:
            self.worker.receive(self.now, msg)
            self.sends.append((self.now, msg))

    def run_until(self, end: float) -> None:
        """Deliver frames and wake the pacer, in time order, up to ``end``."""
        stuck_at = None  # a wake-up whose poll sent nothing: wait for the next event
        for _ in range(2_000_000):
            wake = self.pacer.next_wakeup(self.now)
            if wake is not None and stuck_at is not None and wake <= stuck_at:
                wake = None
            frame = self.worker.next_frame()
            step = self.worker.next_step  # a call starting makes frames known
            due = [t for t in (wake, frame, step) if t is not None and t <= end]
            if not due:
                break
            self.now = max(self.now, min(due))
            self.worker.advance(self.now)
            if frame is not None and frame <= self.now:
                if self.worker.take_frame(self.now):
                    self.pacer.observe_calls(1.0 / self.k, self.now)
                stuck_at = None
            sent = len(self.sends)
            self._poll()
            if wake is not None and wake <= self.now and len(self.sends) == sent:
                stuck_at = self.now
        self.now = max(self.now, end)
        self.worker.advance(end)

    def feed(self, event: ev.Event) -> None:
        for change in self.engine.feed(replace(event, t=self.now)):
            self.state.apply(change)
        self._poll()


durations_st = st.lists(
    st.one_of(st.floats(0.8, 1.25), st.floats(2.0, 60.0)),  # in periods: jitter, or a stall
    max_size=20,
)


@settings(max_examples=120, deadline=None)
@given(
    script=st.lists(st.tuples(st.floats(0.0, 0.4), events()), min_size=1, max_size=60),
    shape=durations_st,
    period=st.floats(1 / 60, 1.0),
    k=st.sampled_from([1, 4, 12]),
    delay_calls=st.floats(0.0, 2.0),
    budget=st.integers(1, 3),
    max_rate=st.sampled_from([30.0, 12.0]),
)
@example(  # freeze during a 2 s stall: the track's repeated frames are not calls
    script=[
        (0.25, ev.ControlChange(0, "ctl", 1, 1, 1)),
        (0.25, ev.ControlChange(0, "ctl", 1, 4, 1)),
        (0.25, ev.ControlChange(0, "ctl", 1, 4, 1)),
        (0.3125, ev.ControlChange(0, "ctl", 1, 4, 1)),
        (0.0, ev.NoteOn(0, "ctl", 1, 40, 100)),
        (0.25, ev.ControlChange(0, "ctl", 1, 4, 1)),
        (0.25, ev.ControlChange(0, "ctl", 1, 4, 1)),
        (0.125, ev.ControlChange(0, "ctl", 1, 4, 1)),
        (0.0, ev.ControlChange(0, "ctl", 1, 4, 1)),
        (0.25, ev.ControlChange(0, "ctl", 1, 4, 1)),
    ],
    shape=[16.0],
    period=0.125,
    k=1,
    delay_calls=0.0,
    budget=1,
    max_rate=30.0,
)
def test_no_drop_and_the_final_state_for_any_server_and_input(
    script: list[tuple[float, ev.Event]],
    shape: list[float],
    period: float,
    k: int,
    delay_calls: float,
    budget: int,
    max_rate: float,
) -> None:
    """Stalls, late frames, pauses, any chunk size: Scope drops nothing and ends where the
    show ends (a show that ends frozen is thawed first: while frozen, Scope's repeated
    picture is no evidence, so changes wait for the unfreeze)."""
    durations = [min(3.0, s * period) for s in shape]
    worker = ScopeWorker(calls(durations, period), k, delay_calls * period + 0.02, period / k)
    run = Show(worker, k, budget=budget, max_rate=max_rate)
    presses = 0
    for dt, event in script:
        run.run_until(run.now + dt)
        if isinstance(event, ev.NoteOn) and event.note == 39:
            held = next(live for live in run.engine.lives if live.binding.id == "reset").pressed
            presses += 0 if held else 1
        run.feed(event)
    run.run_until(run.now + sum(durations) + 30 * period + 5.0)
    state = run.state
    if state.paused:  # frozen, changes wait for the unfreeze (Scope shows none of them)
        assert worker.dropped == 0
        run.feed(ev.NoteOff(0, "ctl", 1, 40))  # in case the script left it held
        run.feed(ev.NoteOn(0, "ctl", 1, 40, 100))
        run.feed(ev.NoteOff(0, "ctl", 1, 40))
        assert not state.paused
        run.run_until(run.now + sum(durations) + 30 * period + 5.0)
    assert worker.dropped == 0
    times = [t for t, _ in run.sends]
    assert all(b - a >= 1.0 / max_rate - 1e-9 for a, b in itertools.pairwise(times))
    assert not state.dirty or (state.dirty == {"prompts"} and not prompt_list(state, 0.01))
    final = prompt_list(state, 0.01)
    if final:
        assert worker.params["prompts"] == final
    assert bool(worker.params.get("paused")) == state.paused
    assert worker.params.get("kv_cache_attention_bias") == round(
        state.value("kv_cache_attention_bias") or 0.0, 3
    )
    sent_resets = sum(1 for _, m in run.sends if m.get("reset_cache"))
    assert (sent_resets >= 1) == (presses >= 1)
    assert sent_resets <= presses


def fader(run: Show, seconds: float, hz: float = 60.0) -> None:
    """Move fader 1 up and down at ``hz`` for ``seconds``."""
    for i in range(round(seconds * hz)):
        run.run_until(run.now + 1.0 / hz)
        run.feed(ev.ControlChange(0, "ctl", 1, 1, abs(127 - (i * 5) % 254)))


def test_a_five_second_stall_drops_nothing_and_the_last_value_lands() -> None:
    """A 1-frame pipeline at 56 calls/s stalls for 5 s while a fader moves: no drop."""
    period = 1 / 56
    worker = ScopeWorker(calls([period] * 200 + [5.0], period), 1, 0.02, period)
    run = Show(worker, 1)
    fader(run, 12.0)
    run.run_until(run.now + 1.0)
    assert worker.dropped == 0
    assert worker.params["prompts"] == prompt_list(run.state, 0.01)


def test_a_fast_pipeline_is_not_paced_as_a_slow_one() -> None:
    """With a 12-frame guess of 1.3 calls/s, a 56 calls/s pipeline still gets ~30 updates/s."""
    period = 1 / 56
    worker = ScopeWorker(calls([], period), 1, 0.02, period)
    run = Show(worker, 1, guess_hz=1.3)
    run.run_until(0.5)  # the first frames arrive: evidence from now on
    start = len(run.sends)
    fader(run, 4.0)
    rate = (len(run.sends) - start) / 4.0
    assert rate >= 27.0, rate
    assert worker.dropped == 0


def test_after_unfreeze_scope_has_what_the_console_shows() -> None:
    """Freeze, move a fader for 8 s, unfreeze: Scope ends on the fader's last value."""
    period = 0.75  # a 12-frame pipeline at 16 fps
    worker = ScopeWorker(calls([], period), 12, 0.1, period / 12)
    run = Show(worker, 12)
    run.run_until(2.0)
    run.feed(ev.NoteOn(0, "ctl", 1, 40, 100))  # freeze
    run.feed(ev.NoteOff(0, "ctl", 1, 40))
    fader(run, 8.0)
    run.feed(ev.NoteOn(0, "ctl", 1, 40, 100))  # unfreeze
    run.feed(ev.NoteOff(0, "ctl", 1, 40))
    run.run_until(run.now + 5.0)
    assert not run.state.paused
    assert worker.dropped == 0
    assert worker.params["prompts"] == prompt_list(run.state, 0.01)
    assert worker.params["paused"] is False


def test_updates_land_within_two_calls_on_a_steady_server() -> None:
    """A fader at 60 Hz on a 12-frame pipeline: every input applied within 2 calls (+1/30 s)."""
    period = 0.75
    worker = ScopeWorker(calls([], period), 12, 0.1, period / 12)
    run = Show(worker, 12)
    run.run_until(2.0)  # evidence flowing
    inputs: list[float] = []
    for i in range(600):
        run.run_until(run.now + 1 / 60)
        run.feed(ev.ControlChange(0, "ctl", 1, 1, (i * 3) % 128))
        inputs.append(run.now)
    run.run_until(run.now + 10.0)
    assert worker.dropped == 0
    applied = {received: at for received, at, _ in worker.applied}
    worst = 0.0
    sends = [t for t, _ in run.sends]
    for t_in in inputs:  # the first message after an input carries it
        send = next(s for s in sends if s >= t_in)
        worst = max(worst, applied[send] - t_in)
    assert worst <= 2 * period + 1 / 30 + 1e-6, worst


def test_a_freeze_during_a_stall_is_not_taken_for_progress() -> None:
    """Frozen, Scope repeats its last frame; if its worker is stuck in a 2 s call meanwhile,
    those repeats are no calls: a fader storm and freeze mashing then drop nothing."""
    period = 1 / 56
    worker = ScopeWorker(calls([period] * 60 + [2.5], period), 1, 0.02, period)
    run = Show(worker, 1)
    run.run_until(60 * period + 0.05)  # into the stall
    for _ in range(5):  # freeze, unfreeze, ... and the last one leaves it frozen
        run.feed(ev.NoteOn(0, "ctl", 1, 40, 100))
        run.feed(ev.NoteOff(0, "ctl", 1, 40))
        fader(run, 0.2)
    assert run.state.paused
    fader(run, 1.0)
    run.feed(ev.NoteOn(0, "ctl", 1, 40, 100))  # unfreeze
    run.feed(ev.NoteOff(0, "ctl", 1, 40))
    run.run_until(run.now + 4.0)
    assert worker.dropped == 0
    assert worker.max_found < 8
    assert worker.params["prompts"] == prompt_list(run.state, 0.01)
    assert worker.params["paused"] is False


@settings(max_examples=60, deadline=None)
@given(
    first=st.floats(2.0, 30.0),
    period=st.floats(1 / 60, 1.0),
    k=st.sampled_from([1, 4, 12]),
    budget=st.integers(1, 3),
    paused=st.booleans(),
)
def test_a_slow_first_call_overfills_nothing_when_evidence_is_expected(
    first: float, period: float, k: int, budget: int, paused: bool
) -> None:
    """Scope's first call may take many seconds (a GPU pipeline warming up), and a stream
    frozen before its first frame sends none: with evidence expected from the connect, the
    clock never drains the modelled queue meanwhile, so a moving fader drops nothing."""
    worker = ScopeWorker(calls([first], period), k, 0.02, period / k)
    run = Show(worker, k, budget=budget, expect=True)
    if paused:
        run.feed(ev.NoteOn(0, "ctl", 1, 40, 100))  # freeze
        run.feed(ev.NoteOff(0, "ctl", 1, 40))
    fader(run, min(first, 10.0), hz=30.0)
    if paused:
        run.feed(ev.NoteOn(0, "ctl", 1, 40, 100))  # unfreeze
        run.feed(ev.NoteOff(0, "ctl", 1, 40))
    run.run_until(run.now + first + 30 * period + 5.0)
    assert worker.dropped == 0
    final = prompt_list(run.state, 0.01)
    if final:  # an all-zero blend is one Scope cannot express: it keeps the last it had
        assert worker.params["prompts"] == final
    assert not worker.params.get("paused")


def test_the_clock_alone_overfills_the_queue_during_a_slow_first_call() -> None:
    """The reason for `expect_evidence`: a 20 s first call with the clock model draining at
    the guessed rate lets the queue overflow (this is what the property above rules out)."""
    period = 0.75
    worker = ScopeWorker(calls([20.0], period), 12, 0.02, period / 12)
    run = Show(worker, 12)
    fader(run, 10.0, hz=30.0)
    run.run_until(run.now + 30.0)
    assert worker.dropped > 0

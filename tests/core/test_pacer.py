"""The pacer against a model of Scope's queue, for arbitrary inputs and timings."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.core import events as ev
from bridge.core.mapping import Engine
from bridge.core.pacer import QUEUE_SIZE, Pacer
from bridge.core.payload import PayloadBuilder, prompt_list
from bridge.core.state import ShowState
from tests.core.scope_model import ScopeQueue
from tests.core.showkit import core_show


def events() -> st.SearchStrategy[ev.Event]:
    value = st.integers(0, 127)
    return st.one_of(
        st.builds(
            lambda c, v: ev.ControlChange(0, "ctl", 1, c, v), st.sampled_from([1, 2, 3]), value
        ),
        st.builds(lambda v: ev.ControlChange(0, "ctl", 1, 4, v), st.sampled_from([1, 2, 127, 126])),
        st.builds(
            lambda n, on: ev.NoteOn(0, "ctl", 1, n, 100) if on else ev.NoteOff(0, "ctl", 1, n),
            st.sampled_from([36, 37, 38, 39, 40, 41]),
            st.booleans(),
        ),
        st.builds(lambda v: ev.OscMessage(0, "host", "/p2", (v,)), st.floats(0, 1)),
    )


@dataclass
class Run:
    sends: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    found: list[tuple[bool, int]] = field(default_factory=list)


def drive(
    script: list[tuple[float, ev.Event]],
    chunk_hz: float,
    phase: float,
    budget: int,
    max_rate: float,
) -> tuple[ShowState, ScopeQueue, Run, int]:
    show = core_show()
    state = ShowState(show)
    engine = Engine(show, state)
    builder = PayloadBuilder()
    pacer = Pacer(
        state, builder, max_rate_hz=max_rate, inflight_budget=budget, chunk_rate_hz=chunk_hz
    )
    scope = ScopeQueue(1.0 / chunk_hz, phase / chunk_hz)
    scope.initial(builder.full(state, "longlive"))
    pacer.reset(0.0)
    run = Run()
    presses = 0
    expect_transition = False

    def record(at: float, msg: dict[str, Any]) -> None:
        nonlocal expect_transition
        if ("prompts" in msg or "transition" in msg) and expect_transition:
            assert "transition" in msg, "a scene change went out without a transition"
            expect_transition = False
        run.found.append(("paused" in msg, scope.receive(at, msg)))
        run.sends.append((at, msg))

    def send_due(now: float, until: float) -> None:
        """Poll at every wake-up the pacer asks for up to `until`, as the app's loop does."""
        for _ in range(10_000):
            at = pacer.next_wakeup(now)
            if at is None or at > until:
                return
            now = at
            msg = pacer.poll(now)
            if msg is None:
                return  # nothing left that really changed (or all weights are zero)
            record(now, msg)

    t = 0.0
    for dt, event in script:
        send_due(t, t + dt)
        t += dt
        scope.advance(t)
        if isinstance(event, ev.NoteOn) and event.note == 39:
            held = next(live for live in engine.lives if live.binding.id == "reset").pressed
            presses += 0 if held else 1
        for change in engine.feed(replace(event, t=t)):
            state.apply(change)
        if state.transition_pending:
            expect_transition = True
        msg = pacer.poll(t)
        if msg is not None:
            record(t, msg)
    send_due(t, t + 1000.0)
    scope.advance(t + 1000.0 + 20.0 / chunk_hz)
    return state, scope, run, presses


script_st = st.lists(st.tuples(st.floats(0.0, 0.4), events()), min_size=1, max_size=60)


@settings(max_examples=150, deadline=None)
@given(
    script=script_st,
    chunk_hz=st.floats(0.5, 20.0),
    phase=st.floats(0.0, 1.0),
    budget=st.integers(1, 3),
    max_rate=st.sampled_from([30.0, 12.0]),
)
def test_pacer_promises_hold_for_any_input(
    script: list[tuple[float, ev.Event]],
    chunk_hz: float,
    phase: float,
    budget: int,
    max_rate: float,
) -> None:
    """Ceiling, budget, no drops, final state, one-shots once, ranges — for any sequence."""
    state, scope, run, presses = drive(script, chunk_hz, phase, budget, max_rate)
    # nothing is left undelivered, except an all-zero blend that Scope cannot express
    assert not state.dirty or (state.dirty == {"prompts"} and not prompt_list(state, 0.01))
    times = [t for t, _ in run.sends]
    # never above the ceiling
    assert all(b - a >= 1.0 / max_rate - 1e-9 for a, b in itertools.pairwise(times))
    # never above the in-flight budget (as Scope's real queue sees it), so nothing dropped;
    # a freeze or unfreeze goes at once (with what else waits) while the queue has room
    assert all(found < budget for freeze, found in run.found if not freeze)
    assert all(found < QUEUE_SIZE for _, found in run.found)
    assert scope.dropped == 0
    # the last value of every key is delivered
    final = prompt_list(state, 0.01)
    if final:
        assert scope.params["prompts"] == final
    assert scope.paused == state.paused
    assert scope.params.get("kv_cache_attention_bias") == round(
        state.value("kv_cache_attention_bias") or 0.0, 3
    )
    if state.preset is not None:
        assert scope.params["denoising_step_list"] == list(
            state.show.denoising_presets[state.preset]
        )
    # one-shots: every press reaches Scope, merged presses go once, never without a press
    sent_resets = sum(1 for _, m in run.sends if m.get("reset_cache"))
    assert (sent_resets >= 1) == (presses >= 1)
    assert sent_resets <= presses
    # output ranges
    for _, msg in run.sends:
        prompts = msg.get("prompts") or msg.get("transition", {}).get("target_prompts", [])
        assert all(0.0 < p["weight"] <= 1.0 for p in prompts)
        if "transition" in msg:
            assert isinstance(msg["transition"]["num_steps"], int)
            assert msg["transition"]["num_steps"] >= 0
        if "kv_cache_attention_bias" in msg:
            assert 0.01 <= msg["kv_cache_attention_bias"] <= 1.0
        assert "noise_scale" not in msg


def test_a_fader_sweep_lands_within_two_chunks() -> None:
    """A fader moving at 60 Hz for 10 s: every input is applied within 2 chunks + 1/30 s."""
    period = 0.75
    script = [(1 / 60, ev.ControlChange(0, "ctl", 1, 1, (i * 3) % 128)) for i in range(600)]
    show = core_show()
    state = ShowState(show)
    engine = Engine(show, state)
    builder = PayloadBuilder()
    pacer = Pacer(state, builder, chunk_rate_hz=1 / period)
    scope = ScopeQueue(period, 0.3)
    scope.initial(builder.full(state, "longlive"))
    pacer.reset(0.0)
    t = 0.0
    inputs: list[tuple[float, int]] = []  # (time, state version)
    sent_versions: list[tuple[float, int]] = []  # (send time, version the message carries)
    for dt, event in script:
        t += dt
        scope.advance(t)
        for change in engine.feed(event):
            state.apply(change)
        inputs.append((t, state.version))
        for poll_t in (t,):
            msg = pacer.poll(poll_t)
            if msg:
                scope.receive(poll_t, msg)
                sent_versions.append((poll_t, state.version))
    while (at := pacer.next_wakeup(t)) is not None:
        t = at
        scope.advance(t)
        if pacer.poll(t):
            scope.receive(t, pacer.last_payload)
            sent_versions.append((t, state.version))
    scope.advance(t + 10)
    applied_at = {recv: applied for recv, applied, _ in scope.applied}
    assert scope.dropped == 0
    worst = 0.0
    for t_in, version in inputs:
        # the first message carrying a state at least this new, and when Scope applied it
        send_t = next(s for s, v in sent_versions if v >= version and s >= t_in)
        worst = max(worst, applied_at[send_t] - t_in)
    assert worst <= 2 * period + 1 / 30 + 1e-6, worst

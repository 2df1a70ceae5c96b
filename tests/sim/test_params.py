"""The stand-in's parameter engine follows Scope's queue and chunk rules."""

from __future__ import annotations

from bridge.sim.params import ParameterEngine, Prompt, SimStats


def _engine(**initial: object) -> ParameterEngine:
    return ParameterEngine(initial, SimStats())


def _prompt(text: str, weight: float = 1.0) -> dict[str, object]:
    return {"text": text, "weight": weight}


def test_burst_of_twenty_keeps_eight_and_drops_the_newest_twelve() -> None:
    """A full queue drops the incoming message, so the first eight survive."""
    engine = _engine()
    kept = [engine.receive({"noise_scale": i}, float(i)) for i in range(20)]
    assert kept == [True] * 8 + [False] * 12
    assert (engine.stats.received, engine.stats.dropped, engine.queued) == (20, 12, 8)
    applied = [engine.chunk(100.0 + i) for i in range(10)]
    values = [a.payload["noise_scale"] for a in applied if a is not None]
    assert values == list(range(8))
    assert engine.params["noise_scale"] == 7


def test_one_update_per_chunk_with_both_times_logged() -> None:
    """Each chunk takes one message; the log keeps receive and apply times."""
    engine = _engine()
    engine.receive({"a": 1}, 1.0)
    engine.receive({"b": 2}, 1.1)
    first = engine.chunk(2.0)
    assert first is not None
    assert (first.received_t, first.applied_t, dict(first.payload)) == (1.0, 2.0, {"a": 1})
    assert engine.params == {"a": 1}
    engine.chunk(3.0)
    assert engine.params == {"a": 1, "b": 2}
    assert engine.chunk(4.0) is None
    assert engine.stats.applied == 2
    assert len(engine.stats.log) == 2


def test_transition_runs_over_num_steps_chunks() -> None:
    """The taking chunk is step 1; after num_steps chunks the target is the prompt."""
    engine = _engine(prompts=[_prompt("cat")])
    target = [_prompt("dog")]
    engine.receive({"transition": {"target_prompts": target, "num_steps": 3}}, 0.0)
    engine.chunk(1.0)
    assert engine.transition is not None
    assert engine.transition.progress == 1 / 3
    assert engine.prompts == (Prompt("cat", 1.0),)
    engine.chunk(2.0)
    assert engine.transition is not None
    engine.chunk(3.0)
    assert engine.transition is None
    assert engine.prompts == (Prompt("dog", 1.0),)
    assert (engine.stats.transitions_started, engine.stats.transitions_completed) == (1, 1)


def test_missing_num_steps_snaps() -> None:
    """Over the data channel a transition without num_steps is a hard cut."""
    engine = _engine(prompts=[_prompt("cat")])
    engine.receive({"transition": {"target_prompts": [_prompt("dog")]}}, 0.0)
    engine.chunk(1.0)
    assert engine.transition is None
    assert engine.prompts == (Prompt("dog", 1.0),)


def test_prompts_without_transition_cancel_a_running_one() -> None:
    """A plain prompts update snaps and ends the blend."""
    engine = _engine(prompts=[_prompt("cat")])
    engine.receive({"transition": {"target_prompts": [_prompt("dog")], "num_steps": 8}}, 0.0)
    engine.receive({"prompts": [_prompt("bird", 0.5), _prompt("fish", 0.5)]}, 0.1)
    engine.chunk(1.0)
    assert engine.transition is not None
    engine.chunk(2.0)
    assert engine.transition is None
    assert engine.prompts == (Prompt("bird", 0.5), Prompt("fish", 0.5))
    assert engine.stats.transitions_completed == 0


def test_paused_applies_on_receipt_but_takes_a_queue_slot() -> None:
    """Pause is immediate even behind a full queue; it still uses a slot when there is one."""
    engine = _engine()
    engine.receive({"paused": True}, 0.0)
    assert engine.paused
    assert engine.queued == 1
    for i in range(7):
        engine.receive({"x": i}, 0.1)
    engine.receive({"paused": False}, 0.2)  # the queue is full: dropped, yet applied
    assert not engine.paused
    assert engine.stats.dropped == 1


def test_reset_cache_is_one_shot_and_counted() -> None:
    """reset_cache is counted each time it is applied and never kept as a parameter."""
    engine = _engine()
    engine.receive({"reset_cache": True}, 0.0)
    engine.receive({"reset_cache": True, "manage_cache": True}, 0.0)
    engine.chunk(1.0)
    engine.chunk(2.0)
    assert engine.stats.reset_cache == 2
    assert engine.params == {"manage_cache": True}


def test_string_prompts_on_the_channel_are_tolerated() -> None:
    """The data channel is not validated: a string prompt becomes weight 1."""
    engine = _engine()
    engine.receive({"prompts": ["sea"]}, 0.0)
    engine.chunk(1.0)
    assert engine.prompts == (Prompt("sea", 1.0),)


def test_ctrl_input_keys_are_the_latest_and_mouse_deltas_add_up() -> None:
    """Two updates merged before a call: keys of the second, mouse of both; the call uses
    the delta once (the dot moves, clamped to the frame) and keeps the keys held."""
    engine = ParameterEngine({}, SimStats(), size=(100, 50))
    engine.receive({"ctrl_input": {"button": ["KeyA"], "mouse": [10.0, 5.0]}}, 0.0)
    engine.receive({"ctrl_input": {"button": ["KeyW"], "mouse": [30.0, 100.0]}}, 0.0)
    engine.take(1.0)
    engine.take(1.0)
    assert engine.params["ctrl_input"] == {"button": ["KeyW"], "mouse": [40.0, 105.0]}
    engine.generate()
    assert engine.cursor == (90.0, 45.0)  # from (50, 25), clamped 5 px inside the frame
    assert engine.params["ctrl_input"]["mouse"] == [0.0, 0.0]
    engine.generate()
    assert engine.cursor == (90.0, 45.0)
    assert engine.buttons() == {"KeyW"}


def test_a_paused_pipeline_takes_updates_but_generates_nothing() -> None:
    """The worker pauses when it takes the paused message; it still takes, never generates."""
    engine = _engine()
    engine.receive({"paused": True}, 0.0)
    engine.receive({"noise_scale": 0.5}, 0.0)
    engine.chunk(1.0)  # takes paused: no frames from here on
    chunks = engine.stats.chunks
    engine.chunk(1.01)
    assert engine.worker_paused
    assert engine.params["noise_scale"] == 0.5
    assert engine.stats.chunks == chunks
    engine.receive({"paused": False}, 2.0)
    assert not engine.paused  # the output thaws on receipt
    engine.chunk(2.01)
    assert not engine.worker_paused
    assert engine.stats.chunks == chunks + 1


def test_hostile_numbers_on_the_channel_never_stop_the_pipeline() -> None:
    """NaN, Infinity and huge values (json.loads takes them) are tolerated, not raised."""
    engine = _engine()
    for payload in (
        {"prompts": [{"text": "a", "weight": float("inf")}, {"text": "b", "weight": float("nan")}]},
        {"transition": {"target_prompts": [{"text": "c"}], "num_steps": float("inf")}},
        {"transition": {"target_prompts": [{"text": "d"}], "num_steps": 10**30}},
        {"ctrl_input": {"button": "KeyW", "mouse": [float("nan"), 1e308]}},
        {"ctrl_input": {"button": ["KeyW"], "mouse": [1e308, 1e308]}},
    ):
        engine.receive(payload, 0.0)
        engine.chunk(1.0)
    assert [p.weight for p in engine.prompts] == [1.0]
    assert engine.transition is not None
    assert engine.transition.steps == 1_000_000
    x, y = engine.cursor
    assert 0 < x < 576
    assert 0 < y < 320

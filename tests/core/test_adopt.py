"""Adopting Scope's values: the show takes them, sends nothing back, and knobs pick up again."""

from __future__ import annotations

from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from bridge.core import events as ev
from bridge.core.adopt import adopt
from bridge.core.mapping import Engine
from bridge.core.payload import PayloadBuilder
from bridge.core.state import ShowState
from tests.core.paramkit import KNOB, show_of, typed

TAKEOVER = """
schema = 1
denoising_presets = [[1000, 750, 500, 250], [700, 500]]
[[prompts]]
id = "a"
text = "first"
weight = 0.5
[[prompts]]
id = "b"
text = "second"
weight = 0.5
[devices.osc.ctl]
port = 9
[[mappings]]
id = "knob"
source = { osc = "ctl", address = "/knob" }
target = "prompt.a.weight"
takeover = "pickup"
[[mappings]]
id = "pad"
source = { osc = "ctl", address = "/pad" }
target = "prompt.a.weight"
pad = "trigger"
value = 0.6
"""

weight = st.floats(0.0, 1.0)


class Rig:
    """The pure core of one show: engine, state and payload builder, fed by hand."""

    def __init__(self, show: Any) -> None:
        self.state = ShowState(show)
        self.engine = Engine(show, self.state)
        self.builder = PayloadBuilder()
        self.builder.full(self.state, "test")
        self.t = 0.0

    def knob(self, value: float, address: str = "/knob") -> None:
        self.t += 0.1
        for change in self.engine.feed(ev.OscMessage(self.t, "ctl", address, (value,))):
            self.state.apply(change)

    def sent(self) -> dict[str, Any]:
        return self.builder.build(self.state, self.state.take_dirty(), self.t, 0.1)


@given(a=weight, b=weight)
def test_scopes_weights_become_the_shows_and_nothing_goes_back(a: float, b: float) -> None:
    rig = Rig(show_of(TAKEOVER))
    said = adopt(
        rig.engine,
        rig.builder,
        {"prompts": [{"text": "first", "weight": a}, {"text": "second", "weight": b}]},
    )
    assert rig.state.value("prompt.a.weight") == a
    assert rig.state.value("prompt.b.weight") == b
    assert rig.sent() == {}  # Scope has it already
    moved = [s for s in said if s.startswith(("a ", "b "))]
    assert len(moved) == (a != 0.5) + (b != 0.5)


@given(engaged_at=weight, scope=weight, moves=st.lists(weight, min_size=1, max_size=12))
def test_a_knob_must_pick_up_scopes_value_again(
    engaged_at: float, scope: float, moves: list[float]
) -> None:
    assume(abs(scope - engaged_at) > 0.05)
    rig = Rig(show_of(TAKEOVER))
    rig.knob(0.5)  # picked up where the show starts
    rig.knob(engaged_at)
    assert rig.state.value("prompt.a.weight") == engaged_at
    rig.sent()
    adopt(rig.engine, rig.builder, {"prompts": [{"text": "first", "weight": scope}]})
    assert rig.state.value("prompt.a.weight") == scope
    assert rig.engine.lives[0].takeover is not None
    assert not rig.engine.lives[0].takeover.engaged  # the console shows the pick-up hint
    previous = engaged_at
    for move in moves:
        crossed = (previous - scope) * (move - scope) <= 0 or abs(move - scope) <= 0.005
        rig.knob(move)
        if crossed:  # picked up: from here on the knob rules
            assert rig.state.value("prompt.a.weight") == move
            break
        assert rig.state.value("prompt.a.weight") == scope  # not yet: Scope's value stays
        assert "prompts" not in rig.sent()
        previous = move


@given(scope=weight)
def test_a_pad_setting_again_what_it_set_before_scope_changed_it_is_sent(scope: float) -> None:
    """Scope's value is what Scope was last told: the same pad again must go out."""
    assume(abs(scope - 0.6) > 0.01)
    rig = Rig(show_of(TAKEOVER))
    rig.knob(1.0, "/pad")
    assert rig.sent()["prompts"][0] == {"text": "first", "weight": 0.6}
    rig.knob(0.0, "/pad")
    second = {"text": "second", "weight": 0.5}
    adopt(rig.engine, rig.builder, {"prompts": [{"text": "first", "weight": scope}, second]})
    rig.knob(1.0, "/pad")
    assert rig.sent()["prompts"][0] == {"text": "first", "weight": 0.6}


def test_prompts_the_show_has_no_slot_for_are_said_and_left_to_scope() -> None:
    rig = Rig(show_of(TAKEOVER))
    said = adopt(rig.engine, rig.builder, {"prompts": [{"text": "from rest", "weight": 1.0}]})
    assert said == [
        "prompts: Scope shows text(s) the show has no slot for ('from rest'), left to Scope"
    ]
    assert rig.state.weights() == {"a": 0.5, "b": 0.5}


def test_other_values_the_show_knows_are_adopted_and_the_rest_ignored() -> None:
    rig = Rig(show_of(TAKEOVER))
    said = adopt(
        rig.engine,
        rig.builder,
        {
            "paused": True,
            "denoising_step_list": [700, 500],
            "input_mode": "video",
            "vace_context_scale": 1.0,  # the show never maps it: Scope's alone
        },
    )
    assert said == ["paused 0.00→1.00", "input_mode text→video", "denoising_steps → preset 1"]
    assert rig.state.paused
    assert rig.state.preset == 1
    assert rig.sent() == {}


@given(lo=st.floats(0.0, 1.0), value=st.floats(-5.0, 5.0))
def test_a_number_parameter_takes_scopes_value_within_its_bounds(lo: float, value: float) -> None:
    show = typed(
        show_of(KNOB.format(name="gain", extra='takeover = "pickup"')),
        {"gain": {"type": "number", "minimum": lo, "maximum": lo + 1.0}},
    )
    rig = Rig(show)
    adopt(rig.engine, rig.builder, {"gain": value})
    assert rig.state.value("param.gain") == min(max(value, lo), lo + 1.0)
    assert rig.sent() == {}


def test_a_value_parameter_takes_scopes_value_whole() -> None:
    show = show_of(KNOB.format(name="ctrl_input", extra="values = [{ button = [] }]"))
    rig = Rig(show)
    said = adopt(rig.engine, rig.builder, {"ctrl_input": {"button": ["KeyA"], "mouse": [1, 2]}})
    assert said == ['param.ctrl_input = {"button":["KeyA"],"mouse":[1,2]}']
    assert rig.state.discrete("param.ctrl_input") == '{"button":["KeyA"],"mouse":[1,2]}'
    assert rig.sent() == {}
    rig.knob(0.0)  # the one value the mapping has: sent, since Scope's is another
    assert rig.sent() == {"ctrl_input": {"button": []}}


SLERP = TAKEOVER + '[transition]\nmethod = "slerp"\n'


def test_scopes_re_applied_linear_does_not_undo_the_shows_slerp() -> None:
    """A REST update from elsewhere makes Scope blend linearly again: slerp goes back out."""
    rig = Rig(show_of(SLERP))
    both = [{"text": "first", "weight": 0.5}, {"text": "second", "weight": 0.5}]
    adopt(
        rig.engine,
        rig.builder,
        {"prompts": both, "prompt_interpolation_method": "linear", "vace_context_scale": 1.0},
    )
    assert rig.sent() == {"prompt_interpolation_method": "slerp"}
    adopt(rig.engine, rig.builder, {"prompts": both, "prompt_interpolation_method": "slerp"})
    assert rig.sent() == {}

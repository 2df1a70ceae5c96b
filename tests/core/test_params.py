"""Pipeline parameters as targets: typed and ranged by the schema, whatever the schema says."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.core import events as ev
from bridge.core.mapping import Engine
from bridge.core.params import (
    from_osc,
    json_text,
    properties,
    resolve,
    spec_from_schema,
    value_problem,
)
from bridge.core.payload import PayloadBuilder
from bridge.core.state import ShowState
from bridge.running.bridge import Bridge
from bridge.sim.schemas import CTRL_INPUT_DEF, plain_schema
from tests.core.paramkit import KNOB, show_of, typed

finite = st.floats(-1e6, 1e6, allow_nan=False)


def drive(show: Any, *values: Any) -> list[dict[str, Any]]:
    """Feed OSC values to /knob and return each payload the changes make."""
    state = ShowState(show)
    engine = Engine(show, state)
    builder = PayloadBuilder()
    payloads = []
    for i, value in enumerate(values):
        for change in engine.feed(ev.OscMessage(float(i), "ctl", "/knob", (value,))):
            state.apply(change)
        payloads.append(builder.build(state, state.take_dirty(), float(i), 0.1))
    return payloads


@given(
    lo=finite,
    span=st.floats(0.001, 1e6),
    integer=st.booleans(),
    nullable=st.booleans(),
    knob=st.lists(st.floats(-2.0, 3.0), min_size=1, max_size=8),
)
def test_a_number_parameter_stays_within_the_schemas_bounds(
    lo: float, span: float, integer: bool, nullable: bool, knob: list[float]
) -> None:
    if integer:  # an integer parameter has whole bounds
        lo, span = float(round(lo)), float(math.ceil(span))
    hi = lo + span
    body = {"type": "integer" if integer else "number", "minimum": lo, "maximum": hi}
    prop = {"anyOf": [body, {"type": "null"}], "default": None} if nullable else body
    show = typed(show_of(KNOB.format(name="gain", extra="")), {"gain": prop})
    spec = show.params["param.gain"]
    assert (spec.kind, spec.lo, spec.hi) == ("continuous", lo, hi)
    for payload in drive(show, *knob):
        if "gain" in payload:
            value = payload["gain"]
            assert isinstance(value, int) if integer else isinstance(value, float)
            assert lo <= value <= hi


@given(lo=st.floats(-10, 10), hi=st.floats(-10, 10))
def test_an_open_bound_comes_from_the_mappings_out_range(lo: float, hi: float) -> None:
    out = f"out = [{lo!r}, {hi!r}]"
    show = typed(show_of(KNOB.format(name="gain", extra=out)), {"gain": {"type": "number"}})
    spec = show.params["param.gain"]
    assert (spec.lo, spec.hi) == (min(lo, hi), max(lo, hi))
    (payload,) = drive(show, 1.0)  # the knob's top is the out range's second end
    assert payload["gain"] == pytest.approx(hi, abs=1e-4)
    assert spec.lo <= payload["gain"] <= spec.hi


def test_a_boolean_is_a_toggle() -> None:
    show = show_of(KNOB.format(name="flag", extra='pad = "toggle"'))
    show = typed(show, {"flag": {"anyOf": [{"type": "boolean"}, {"type": "null"}]}})
    assert show.params["param.flag"].encode == "bool"
    payloads = drive(show, 1.0, 0.0, 1.0, 0.0, 1.0)
    assert [p.get("flag") for p in payloads] == [True, None, False, None, True]


@given(
    choices=st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=6, unique=True),
    knob=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=10),
)
def test_an_enum_is_discrete_and_a_knob_steps_through_its_choices(
    choices: list[str], knob: list[float]
) -> None:
    show = show_of(KNOB.format(name="mode", extra=""))
    show = typed(show, {"mode": {"enum": choices, "type": "string"}})
    spec = show.params["param.mode"]
    assert spec.kind == "discrete"
    for payload in drive(show, *knob):
        assert payload.get("mode", choices[0]) in choices
    ends = drive(show, 0.0, 1.0)
    assert ends[0]["mode"] == choices[0]
    assert ends[1].get("mode", choices[-1]) == choices[-1]


buttons = st.lists(st.sampled_from(["KeyW", "KeyA", "KeyS", "KeyD", "Space"]), unique=True)
mouse = st.lists(st.floats(-100, 100), min_size=2, max_size=2)


@given(b=buttons, m=mouse, with_mouse=st.booleans())
def test_a_ctrl_input_of_the_right_shape_fits_controller_vizs_schema(
    b: list[str], m: list[float], with_mouse: bool
) -> None:
    prop = properties(plain_schema("T", ctrl_input=True))["ctrl_input"]
    value: dict[str, Any] = {"button": b, **({"mouse": m} if with_mouse else {})}
    assert value_problem(prop, value) is None
    assert value_problem(prop, None) is None  # optional: null is allowed


@given(b=buttons, m=mouse, extra=st.sampled_from(["buttons", "keys", "x"]))
def test_a_ctrl_input_of_the_wrong_shape_is_named(b: list[str], m: list[float], extra: str) -> None:
    prop = properties(plain_schema("T", ctrl_input=True))["ctrl_input"]
    wrong_key = value_problem(prop, {"button": b, extra: []})
    assert wrong_key == f"the value has no key {extra!r} (it takes button, mouse)"
    three = value_problem(prop, {"button": b, "mouse": [*m, 0.0]})
    assert three is not None
    assert "mouse should have 2 items" in three
    twice = value_problem(prop, {"button": ["KeyW", "KeyW"]})
    assert twice is not None
    assert "repeats an item" in twice
    text = value_problem(prop, {"mouse": ["left", 0.0]})
    assert text == '"left" at mouse[0] should be a number'


def test_refs_and_optionals_are_resolved() -> None:
    raw = {"anyOf": [{"$ref": "#/$defs/CtrlInput"}, {"type": "null"}], "default": None}
    resolved = resolve(raw, {"CtrlInput": CTRL_INPUT_DEF})
    assert resolved["type"] == "object"
    assert set(resolved["properties"]) == {"button", "mouse"}
    assert spec_from_schema(resolved).encode == "json"


@given(value=st.recursive(st.none() | st.booleans() | finite | st.text(), lambda c: st.lists(c)))
def test_osc_strings_are_json_when_they_parse_and_text_otherwise(value: Any) -> None:
    text = json.dumps(value)
    assert json.loads(from_osc(text)) == value
    assert from_osc("not json {") == json_text("not json {")


def test_a_knob_typed_anew_by_the_schema_drops_its_old_takeover() -> None:
    """Offline a knob on ``param.mode`` is a number with soft takeover; Scope's schema makes
    it an enum, where takeover has no meaning: the swapped-in engine has none."""
    offline = show_of(KNOB.format(name="mode", extra='takeover = "pickup"'))
    bridge = Bridge(offline)
    assert bridge.engine.lives[0].takeover is not None
    bridge.swap_show(typed(offline, {"mode": {"enum": ["a", "b"], "type": "string"}}))
    assert bridge.engine.lives[0].spec.kind == "discrete"
    assert bridge.engine.lives[0].takeover is None
    bridge.swap_show(offline)  # a number again: a takeover of its own, not the old one
    assert bridge.engine.lives[0].takeover is not None


@pytest.mark.parametrize("raw", ["NaN", "[1, Infinity]", '{"a": -Infinity}', '{"a": 1e999}'])
def test_a_json_string_with_a_non_finite_number_is_kept_as_text_never_a_nan(raw: str) -> None:
    """Python's json reads NaN, Infinity and 1e999 as floats; a value parameter must never
    carry one to Scope: such a string stays the text it was."""
    text = from_osc(raw)
    assert json.loads(text) == raw


@pytest.mark.parametrize("raw", ["", "{", "x" * 100_000])
def test_an_empty_truncated_or_huge_string_is_text(raw: str) -> None:
    assert json.loads(from_osc(raw)) == raw

"""The snapshot as plain data (`bridge.console.wire.codec.snapshot_to_data`): exactly what
``dataclasses.asdict`` gives, without its cost, and never sharing a dict the bridge goes on
changing."""

from __future__ import annotations

import copy
from dataclasses import asdict
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.console.wire.codec import snapshot_to_data
from bridge.watch.snapshot import ControlView, DeviceView, OutputView, PromptView, Snapshot


class Mood(Enum):
    CALM = "calm"


text = st.text(max_size=8)
number = st.floats(allow_nan=False)
leaf = st.none() | st.booleans() | st.integers() | number | text
odd_leaf = st.just(Path("/shows/a.toml")) | st.just(Mood.CALM) | st.frozensets(st.integers())
json_like = st.recursive(
    leaf | odd_leaf,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(text, inner, max_size=3)
    ),
    max_leaves=12,
)
snapshots = st.builds(
    Snapshot,
    t=number,
    show=text,
    scene=text,
    transition=text,
    transition_progress=st.none() | number,
    prompts=st.lists(st.builds(PromptView, text, text, number, number), max_size=3).map(tuple),
    controls=st.lists(st.builds(ControlView, text, text, text, text, text), max_size=3).map(tuple),
    output=st.builds(OutputView, st.integers(), number, st.integers(), st.integers(), number),
    connection=st.none() | st.dictionaries(text, json_like, max_size=4),
    devices=st.lists(st.builds(DeviceView, text, text, text, text), max_size=2).map(tuple),
    events=st.lists(text, max_size=3).map(tuple),
    event_count=st.integers(),
    problems=st.lists(text, max_size=2).map(tuple),
    extra=st.dictionaries(text, json_like, max_size=4),
    pages=st.lists(text, max_size=2).map(tuple),
)


@given(snapshots)
def test_the_data_is_what_asdict_gives(snap: Snapshot) -> None:
    data = snapshot_to_data(snap)
    assert data == asdict(snap)
    assert type(data["prompts"]) is tuple
    assert type(data["output"]) is dict


def containers(value: Any) -> list[Any]:
    """Every dict and list inside a value (the things that can change in place)."""
    found: list[Any] = []
    if isinstance(value, dict):
        found.append(value)
        for v in value.values():
            found += containers(v)
    elif isinstance(value, list | tuple):
        if isinstance(value, list):
            found.append(value)
        for v in value:
            found += containers(v)
    return found


@given(snapshots)
def test_the_data_shares_no_dict_or_list_with_the_snapshot(snap: Snapshot) -> None:
    """The feed keeps the last data to compare the next against: had it shared the
    bridge's live connection dict, a change there would change both and go unseen."""
    ours = {id(c) for c in containers(snapshot_to_data(snap))}
    theirs = {id(c) for c in containers(snap.connection) + containers(snap.extra)}
    assert not ours & theirs


def test_strings_and_numbers_are_not_deep_copied_one_by_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What made the console's answer cost 0.4 ms of the bridge's loop: a call to
    `copy.deepcopy` for every string and number in the snapshot. Only values that are
    neither (a path, an enum) still go through it."""
    calls: list[Any] = []
    deepcopy = copy.deepcopy

    def counting(value: Any, memo: Any = None) -> Any:
        calls.append(value)
        return deepcopy(value, memo)

    snap = Snapshot(
        t=1.0,
        show="show.toml",
        scene="day",
        transition="",
        transition_progress=None,
        prompts=(PromptView("p0", "a forest", 0.5, 0.5),),
        controls=tuple(
            ControlView(f"c{i}", "apc cc1", "prompt.p0.weight", "0.50", "") for i in range(8)
        ),
        output=OutputView(3, 1.5, 0, 8, 10.0, False, "{}"),
        connection={"webrtc_state": "connected", "fps_recent": 10.0, "path": Path("/x")},
        devices=(DeviceView("apc", "midi", "open"),),
        events=("td /fader0 0.5",),
        event_count=1,
        problems=(),
        extra={"tempo": {"bpm": 120.0, "beat_phase": 0.25}},
    )
    monkeypatch.setattr(copy, "deepcopy", counting)
    data = snapshot_to_data(snap)
    assert calls == [Path("/x")]
    monkeypatch.undo()
    assert data == asdict(snap)

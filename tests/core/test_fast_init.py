"""The hand-written ``__init__`` of the per-message classes (OscMessage, Change) behaves
exactly like the frozen dataclass's own: same fields, defaults, equality, frozenness."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.core.events import OscMessage
from bridge.core.state import Change


@dataclasses.dataclass(frozen=True, slots=True)
class ReferenceOsc:
    t: float
    source: str
    address: str
    args: tuple[object, ...]
    timetag: float | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class ReferenceChange:
    target: str
    value: float | str
    merge: str = "set"
    origin: str = ""


def fields_of(obj: object) -> dict[str, object]:
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}  # type: ignore[arg-type]


@given(
    t=st.floats(allow_nan=False),
    source=st.text(max_size=5),
    address=st.text(max_size=8),
    args=st.lists(st.integers() | st.text(max_size=3), max_size=3).map(tuple),
    timetag=st.none() | st.floats(allow_nan=False),
)
def test_osc_message_init_matches_the_dataclass(
    t: float, source: str, address: str, args: tuple[object, ...], timetag: float | None
) -> None:
    """Positional and keyword construction fill the same fields as a plain dataclass."""
    ours = OscMessage(t, source, address, args, timetag)  # type: ignore[arg-type]
    reference = ReferenceOsc(t, source, address, args, timetag)
    assert fields_of(ours) == fields_of(reference)
    by_name = OscMessage(
        timetag=timetag,
        args=args,  # type: ignore[arg-type]
        address=address,
        source=source,
        t=t,
    )
    assert by_name == ours
    assert hash(by_name) == hash(ours)


def test_defaults_equality_and_frozenness_are_kept() -> None:
    """Defaults apply, repr/replace/match_args work, and writes are still refused."""
    msg = OscMessage(1.0, "td", "/a", (0.5,))
    assert msg.timetag is None
    assert repr(msg) == "OscMessage(t=1.0, source='td', address='/a', args=(0.5,), timetag=None)"
    assert dataclasses.replace(msg, timetag=2.0) == OscMessage(1.0, "td", "/a", (0.5,), 2.0)
    assert OscMessage.__match_args__ == ("t", "source", "address", "args", "timetag")
    change = Change("prompt.a.weight", 0.5)
    assert fields_of(change) == fields_of(ReferenceChange("prompt.a.weight", 0.5))
    assert Change("x", 1.0, "add", "m1") == Change(target="x", value=1.0, merge="add", origin="m1")
    assert Change("x", 1.0, "add", "m1") != Change("x", 1.0, "add", "m2")
    with pytest.raises(dataclasses.FrozenInstanceError):
        msg.t = 2.0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        change.value = 1.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        OscMessage(1.0, "td", "/a")  # type: ignore[call-arg]

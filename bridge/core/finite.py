"""Non-finite numbers (NaN, ±inf): refused where they come in, and counted.

A TouchDesigner CHOP that divides by zero sends NaN; a tempo tracker that loses the beat may
report an infinite period. Neither is a position a knob can take, so such a number is never
repaired into one (inf is not "the top of the range"): the value is refused and counted.

Rules of this module:
- a refusal is counted by ``(source, reason)``, the reason being "nan" or "inf", so the
  performer sees which device sends them;
- `screen` is for the events that come at most a few hundred times a second (audio features,
  onsets, tempo, console actions, ticks): the bridge screens each before anything reads it;
  OSC arguments are screened where they are parsed (`bridge.inputs.osc_parse`), where the
  layout of a message says whether it holds a float at all; MIDI carries only integers;
- an audio frame keeps its finite features; any other event is refused whole;
- a mapping with a non-finite number in the show file is refused once, when the engine is
  built (`binding_refusal`), so the value paths need no check of their own results.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable

from bridge.core import events as ev
from bridge.core.bindings import Binding

Refusals = Counter[tuple[str, str]]
"""Refused values by (source, reason)."""


def reason(x: float) -> str | None:
    """Why a number is refused ("nan" or "inf"), or None for a finite one (ints included)."""
    # x - x is 0 for every finite number and NaN for NaN and ±inf (NaN is truthy): the
    # cheapest test there is, and it runs for every value that reaches a mapping.
    if not x - x:
        return None
    return "nan" if x != x else "inf"


def number_reason(x: object) -> str | None:
    """`reason` for anything: numpy scalars and ints too big for a float count (as "inf");
    strings, None and other non-numbers pass."""
    if isinstance(x, float):
        return reason(x)
    if isinstance(x, str | bytes | bool | tuple) or x is None:
        return None
    try:
        return None if math.isfinite(x) else "nan" if x != x else "inf"  # type: ignore[arg-type]
    except OverflowError:  # an int beyond any float
        return "inf"
    except TypeError:
        return None


def first_refusal(values: Iterable[object]) -> str | None:
    """The reason to refuse the first non-finite number among ``values``."""
    for value in values:
        why = number_reason(value)
        if why is not None:
            return why
    return None


def screen(event: ev.Event, refused: Refusals) -> ev.Event | None:
    """The event to go on with, or None when it was refused (and counted)."""
    check = _SCREENS.get(type(event))
    return event if check is None else check(event, refused)


def _refuse(refused: Refusals, source: str, why: str) -> None:
    refused[source, why] += 1


def _fields(*names: str) -> Callable[[ev.Event, Refusals], ev.Event | None]:
    def check(event: ev.Event, refused: Refusals) -> ev.Event | None:
        why = first_refusal(getattr(event, name) for name in names)
        if why is None:
            return event
        _refuse(refused, event.source, why)
        return None

    return check


def _audio(event: ev.Event, refused: Refusals) -> ev.Event | None:
    assert isinstance(event, ev.AudioFeatures)
    why = first_refusal((event.t,))
    if why is not None:
        _refuse(refused, event.source, why)
        return None
    reasons = {name: number_reason(x) for name, x in event.values.items()}
    if not any(reasons.values()):
        return event
    for why in reasons.values():
        if why is not None:
            _refuse(refused, event.source, why)
    kept = {name: x for name, x in event.values.items() if reasons[name] is None}
    return ev.AudioFeatures(event.t, event.source, kept) if kept else None


_SCREENS: dict[type, Callable[[ev.Event, Refusals], ev.Event | None]] = {
    ev.AudioFeatures: _audio,
    ev.AudioOnset: _fields("t", "strength"),
    ev.TempoBeat: _fields("t", "bpm", "beat_phase", "bar_phase", "confidence"),
    ev.UiAction: _fields("t", "value"),  # a text edit's value is a string: it passes
    ev.Tick: _fields("t"),
}


SCREENED = frozenset(_SCREENS)
"""The event types `screen` checks (for a cheap ``type(e) in SCREENED`` on the hot path)."""


def binding_refusal(b: Binding) -> str | None:
    """Why a binding's own numbers cannot be used (NaN or ±inf in the show file), or None."""
    numbers: list[object] = [*(b.in_range or ()), *(b.out_range or ()), *b.values]
    numbers += [b.value, b.tolerance, b.step, b.acceleration, b.source.period_s, b.source.phase]
    for t in b.transforms:
        numbers += [t.lo, t.hi, t.amount, t.width, t.step, t.ms, t.per_s]
        numbers += [x for point in t.points for x in point]
    return first_refusal(numbers)


def by_source(refused: Refusals) -> dict[str, dict[str, int]]:
    """{source: {reason: count}}, for the snapshot."""
    out: dict[str, dict[str, int]] = {}
    for (source, why), count in sorted(refused.items()):
        out.setdefault(source, {})[why] = count
    return out

"""The mapping language's tables: one per vocabulary, each complete."""

from __future__ import annotations

from typing import get_args

from bridge.core.bindings import (
    MIDI_CONTROL_KINDS,
    MIDI_CONTROLS,
    UNNUMBERED_CONTROLS,
    MidiControlKind,
)


def test_the_midi_table_has_a_row_for_every_kind_in_its_order() -> None:
    """A kind added to the type without its facts (or a row for no kind) fails here."""
    assert tuple(MIDI_CONTROLS) == MIDI_CONTROL_KINDS == get_args(MidiControlKind)


def test_every_midi_kind_sends_a_range_and_the_unnumbered_are_one_per_channel() -> None:
    """Raw ranges run low to high; pitch bend, channel pressure and program change carry
    no number, and every other kind does."""
    assert all(row.raw[0] < row.raw[1] for row in MIDI_CONTROLS.values())
    assert {"pitchbend", "aftertouch", "program"} == UNNUMBERED_CONTROLS

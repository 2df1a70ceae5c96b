"""Monitor lines: paste-ready mapping sources, and relative-encoder encoding detection."""

from __future__ import annotations

import tomllib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.core.events import (
    ControlChange,
    ControlChange14,
    Event,
    MidiClock,
    NoteOff,
    NoteOn,
    OscMessage,
    ParamNumber,
    PitchBend,
    Tick,
)
from bridge.inputs.monitor import (
    EncoderDetector,
    decode_relative,
    describe,
    detect_encoding,
    toml_string,
)


@pytest.mark.parametrize(
    ("event", "source"),
    [
        (ControlChange(0, "apc", 1, 48, 100), '{ midi = "apc", channel = 1, cc = 48 }'),
        (NoteOn(0, "apc", 1, 36, 127), '{ midi = "apc", channel = 1, note = 36 }'),
        (NoteOff(0, "apc", 1, 36), '{ midi = "apc", channel = 1, note = 36 }'),
        (ControlChange14(0, "x", 1, 1, 9000), '{ midi = "x", channel = 1, cc14 = 1 }'),
        (ParamNumber(0, "x", 1, "nrpn", 1234, 5), '{ midi = "x", channel = 1, nrpn = 1234 }'),
        (ParamNumber(0, "x", 2, "rpn", 0, 5), '{ midi = "x", channel = 2, rpn = 0 }'),
        (PitchBend(0, "x", 1, -200), '{ midi = "x", channel = 1, pitchbend = true }'),
    ],
)
def test_midi_sources(event: Event, source: str) -> None:
    """Each MIDI event gives the exact inline table a mapping uses."""
    line = describe(event)
    assert line.sources == (source,)
    assert event.source in line.text


def test_osc_sources_one_per_argument() -> None:
    """An OSC message gives one source per argument (or one without ``arg`` when empty)."""
    line = describe(OscMessage(0, "td", "/fader1", (0.5, 2)))
    assert line.sources == (
        '{ osc = "td", address = "/fader1", arg = 0 }',
        '{ osc = "td", address = "/fader1", arg = 1 }',
    )
    assert "/fader1 0.5 2" in line.text
    assert describe(OscMessage(0, "td", "/go", ())).sources == ('{ osc = "td", address = "/go" }',)


def test_events_without_a_source_table() -> None:
    """Clock and ticks are shown but are not mapping sources."""
    assert describe(MidiClock(0, "clk", "songpos", 16)).sources == ()
    assert "songpos 16" in describe(MidiClock(0, "clk", "songpos", 16)).text
    assert describe(Tick(0)).sources == ()


@given(name=st.text(max_size=30), address=st.text(max_size=30))
def test_sources_are_valid_toml_for_any_names(name: str, address: str) -> None:
    """Quotes, backslashes and control characters in names stay valid TOML."""
    (table,) = describe(OscMessage(0, name, address, (1,))).sources
    parsed = tomllib.loads(f"source = {table}")["source"]
    assert parsed == {"osc": name, "address": address, "arg": 0}
    assert tomllib.loads(f"s = {toml_string(name)}")["s"] == name


@pytest.mark.parametrize(
    ("values", "encoding"),
    [
        ([1, 1, 2, 127, 126], "twos_complement"),
        ([65, 66, 63, 62], "binary_offset"),
        ([1, 2, 65, 66], "sign_magnitude"),
        ([127, 126, 127], "twos_complement"),
        ([63, 62, 63], "binary_offset"),
    ],
)
def test_detects_encoding_from_a_few_turns(values: list[int], encoding: str) -> None:
    """Turns both ways (or one way that only one encoding explains) give one answer."""
    assert detect_encoding(values).encoding == encoding


def test_one_direction_can_be_ambiguous() -> None:
    """Small ups look the same in two encodings: no guess, both candidates named."""
    guess = detect_encoding([1, 1, 2])
    assert guess.encoding is None
    assert set(guess.candidates) == {"twos_complement", "sign_magnitude"}
    assert not guess.both_directions
    assert detect_encoding([65, 66]).candidates == ("binary_offset", "sign_magnitude")


def test_absolute_knob_gives_no_guess() -> None:
    """A knob sweeping absolute values is not an encoder."""
    assert detect_encoding([40, 41, 42, 43]).encoding is None
    assert detect_encoding([]).encoding is None


@given(
    encoding=st.sampled_from(["twos_complement", "binary_offset", "sign_magnitude"]),
    steps=st.lists(st.integers(1, 3), min_size=2, max_size=8),
)
def test_detector_recovers_the_encoding_of_turns_both_ways(encoding: str, steps: list[int]) -> None:
    """Encode small turns up then down; the detector names the encoding used."""

    def encode(step: int) -> int:
        if encoding == "twos_complement":
            return step & 0x7F
        if encoding == "binary_offset":
            return 64 + step
        return step if step > 0 else 0x40 | -step

    values = [encode(s) for s in steps] + [encode(-s) for s in steps]
    assert [decode_relative(v, encoding) for v in values] == steps + [-s for s in steps]  # type: ignore[arg-type]
    detector = EncoderDetector()
    guesses = [detector.feed(ControlChange(0, "enc", 1, 10, v)) for v in values]
    assert guesses[-1].encoding == encoding
    assert guesses[-1].both_directions

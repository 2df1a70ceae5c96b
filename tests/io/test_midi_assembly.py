"""The pure 14-bit CC / NRPN / RPN assembler and the clock tempo follower."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.core.events import ControlChange, ControlChange14, MidiClock, ParamNumber
from bridge.inputs.midi_assembly import AssemblyConfig, CcAssembler, ClockTempo

value14 = st.integers(0, 16383)
channels = st.integers(1, 16)


def feed_all(cc: CcAssembler, messages: list[tuple[int, int, int]], t: float = 1.0) -> list[object]:
    out: list[object] = []
    for channel, control, value in messages:
        out.extend(cc.feed(t, channel, control, value))
    return out


@given(control=st.integers(0, 31), value=value14, channel=channels)
def test_fourteen_bit_pair_gives_one_exact_value(control: int, value: int, channel: int) -> None:
    """An MSB followed by its LSB yields exactly one 14-bit event with the combined value."""
    cc = CcAssembler("x", AssemblyConfig(fourteen_bit=frozenset({control})))
    out = feed_all(cc, [(channel, control, value >> 7), (channel, control + 32, value & 127)])
    assert out == [ControlChange14(1.0, "x", channel, control, value)]
    assert not cc.pending


@given(number=st.integers(0, 16382), value=value14, channel=channels)
def test_nrpn_sequence_gives_one_parameter(number: int, value: int, channel: int) -> None:
    """99/98 select, 6/38 data entry: one NRPN event with the full number and value."""
    cc = CcAssembler("x")
    seq = [(99, number >> 7), (98, number & 127), (6, value >> 7), (38, value & 127)]
    out = feed_all(cc, [(channel, c, v) for c, v in seq])
    assert out == [ParamNumber(1.0, "x", channel, "nrpn", number, value)]


@given(number=st.integers(0, 16382), value=value14)
def test_rpn_sequence_and_steps(number: int, value: int) -> None:
    """101/100 select an RPN; 96/97 step it up and down."""
    cc = CcAssembler("x")
    seq = [(101, number >> 7), (100, number & 127), (6, value >> 7), (38, value & 127)]
    out = feed_all(cc, [(1, c, v) for c, v in [*seq, (96, 0), (97, 0)]])
    assert out == [
        ParamNumber(1.0, "x", 1, "rpn", number, value),
        ParamNumber(1.0, "x", 1, "rpn", number, 0, delta=1),
        ParamNumber(1.0, "x", 1, "rpn", number, 0, delta=-1),
    ]


@given(
    stream=st.lists(st.tuples(channels, st.integers(0, 127), st.integers(0, 127)), max_size=200),
    pairs=st.frozensets(st.integers(0, 31), max_size=8),
    numbers=st.booleans(),
)
def test_any_stream_gives_values_in_range(
    stream: list[tuple[int, int, int]], pairs: frozenset[int], numbers: bool
) -> None:
    """Whatever arrives, nothing raises and every value stays in its wire range."""
    cc = CcAssembler("x", AssemblyConfig(pairs, numbers))
    out = [*feed_all(cc, stream), *cc.flush(2.0)]
    for event in out:
        if isinstance(event, ControlChange):
            assert 0 <= event.value <= 127
        elif isinstance(event, ControlChange14):
            assert 0 <= event.value <= 16383
            assert event.control in pairs
        else:
            assert isinstance(event, ParamNumber)
            assert 0 <= event.value <= 16383
            assert 0 <= event.number <= 16383
    assert not cc.pending


@given(stream=st.lists(st.tuples(channels, st.integers(0, 127), st.integers(0, 127)), max_size=100))
def test_plain_controls_pass_one_to_one(stream: list[tuple[int, int, int]]) -> None:
    """With no pairs and no parameter numbers every CC comes out unchanged, in order."""
    cc = CcAssembler("x", AssemblyConfig(frozenset(), parameter_numbers=False))
    assert feed_all(cc, stream) == [ControlChange(1.0, "x", *m) for m in stream]


def test_msb_without_lsb_is_released_by_the_next_message_or_flush() -> None:
    """A lone MSB waits; the next unrelated CC or a flush releases it with LSB 0."""
    cc = CcAssembler("x", AssemblyConfig(fourteen_bit=frozenset({1})))
    assert cc.feed(1.0, 1, 1, 100) == []
    assert cc.pending
    assert cc.feed(1.1, 1, 7, 5) == [
        ControlChange14(1.1, "x", 1, 1, 100 << 7),
        ControlChange(1.1, "x", 1, 7, 5),
    ]
    assert cc.feed(1.2, 1, 1, 3) == []
    assert cc.flush(1.3) == [ControlChange14(1.3, "x", 1, 1, 3 << 7)]
    assert cc.flush(1.4) == []


def test_lsb_only_update_keeps_the_last_msb() -> None:
    """An LSB alone (fine movement) combines with the MSB seen before it."""
    cc = CcAssembler("x", AssemblyConfig(fourteen_bit=frozenset({2})))
    feed_all(cc, [(1, 2, 10), (1, 34, 0)])
    assert cc.feed(2.0, 1, 34, 5) == [ControlChange14(2.0, "x", 1, 2, (10 << 7) | 5)]


def test_interleaved_channels_pair_separately() -> None:
    """Two channels' pairs do not mix."""
    cc = CcAssembler("x", AssemblyConfig(fourteen_bit=frozenset({0})))
    out = feed_all(cc, [(1, 0, 1), (1, 32, 2), (2, 0, 3), (2, 32, 4)])
    assert out == [
        ControlChange14(1.0, "x", 1, 0, (1 << 7) | 2),
        ControlChange14(1.0, "x", 2, 0, (3 << 7) | 4),
    ]


def test_data_entry_without_selection_or_after_null_is_a_plain_cc() -> None:
    """CC 6 is an ordinary control until a parameter is selected, and again after RPN null."""
    cc = CcAssembler("x")
    assert cc.feed(1.0, 1, 6, 64) == [ControlChange(1.0, "x", 1, 6, 64)]
    feed_all(cc, [(1, 101, 0), (1, 100, 0)])
    assert cc.feed(1.0, 1, 6, 2) == []
    assert cc.feed(1.0, 1, 38, 0) == [ParamNumber(1.0, "x", 1, "rpn", 0, 256)]
    feed_all(cc, [(1, 101, 127), (1, 100, 127)])
    assert cc.feed(1.0, 1, 6, 9) == [ControlChange(1.0, "x", 1, 6, 9)]


def test_seven_bit_nrpn_device_is_released_on_flush() -> None:
    """A device that sends no data LSB still produces its values (scaled to 14 bits)."""
    cc = CcAssembler("x")
    feed_all(cc, [(3, 99, 1), (3, 98, 2), (3, 6, 100)])
    assert cc.flush(5.0) == [ParamNumber(5.0, "x", 3, "nrpn", 130, 100 << 7)]


def test_bad_pair_config_is_refused() -> None:
    """14-bit controllers must be MSB numbers."""
    with pytest.raises(ValueError, match=r"0\.\.31"):
        AssemblyConfig(fourteen_bit=frozenset({40}))


def ticks(n: int, bpm: float, start: float = 10.0) -> list[MidiClock]:
    period = 60.0 / (bpm * 24)
    return [MidiClock(start + i * period, "clk", "tick") for i in range(n)]


@given(bpm=st.floats(30.0, 300.0))
def test_clock_tempo_follows_steady_ticks(bpm: float) -> None:
    """Evenly spaced ticks give their BPM."""
    tempo = ClockTempo("clk")
    for tick in ticks(48, bpm):
        tempo.feed(tick)
    assert tempo.bpm == pytest.approx(bpm, rel=1e-6)


def test_clock_tempo_beats_and_bars_from_start() -> None:
    """After Start the first tick is a downbeat; beats every 24 ticks, bars every 4 beats."""
    tempo = ClockTempo("clk", beats_per_bar=4)
    events = []
    for tick in ticks(3, 120.0, 0.0):  # running clock before Start: measures tempo
        tempo.feed(tick)
    period = 60.0 / (120.0 * 24)
    events += tempo.feed(MidiClock(2.5 * period, "clk", "start"))
    for tick in ticks(24 * 8, 120.0, 3 * period):
        events += tempo.feed(tick)
    beats = [e for e in events if e.beat]
    downbeats = [e for e in events if e.downbeat]
    assert len(beats) == 8
    assert len(downbeats) == 2
    assert events[0].downbeat
    assert all(e.bpm == pytest.approx(120.0) for e in events)
    assert events[1].beat_phase == pytest.approx(0.25)
    assert events[4].bar_phase == pytest.approx(0.25)


def test_clock_tempo_stop_songpos_continue() -> None:
    """Stop silences; song position moves the phase; Continue resumes from it."""
    tempo = ClockTempo("clk")
    for tick in ticks(30, 120.0):
        tempo.feed(tick)
    tempo.feed(MidiClock(12.0, "clk", "stop"))
    assert tempo.feed(MidiClock(12.01, "clk", "tick")) == []
    tempo.feed(MidiClock(12.02, "clk", "songpos", position=4))  # one beat in
    tempo.feed(MidiClock(12.03, "clk", "continue"))
    (event,) = tempo.feed(MidiClock(12.0408, "clk", "tick"))
    assert event.beat
    assert not event.downbeat
    assert event.bar_phase == pytest.approx(0.25)


def test_clock_tempo_forgets_after_a_gap() -> None:
    """A long pause restarts the estimate instead of averaging across it."""
    tempo = ClockTempo("clk")
    for tick in ticks(30, 60.0):
        tempo.feed(tick)
    for tick in ticks(30, 180.0, start=100.0):
        tempo.feed(tick)
    assert tempo.bpm == pytest.approx(180.0)


def test_clock_tempo_reports_the_first_downbeat_before_tempo_is_known() -> None:
    """A fresh clock's first tick after Start is a downbeat with no tempo yet (confidence 0)."""
    tempo = ClockTempo("clk")
    tempo.feed(MidiClock(0.0, "clk", "start"))
    (first,) = tempo.feed(MidiClock(0.01, "clk", "tick"))
    assert first.downbeat
    assert first.bpm == 0.0
    assert first.confidence == 0.0

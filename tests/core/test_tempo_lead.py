"""The leading tempo: the highest-ordered live source leads, and a handover never jumps the
beat (only the slew moves it, at most `SLEW` beats per beat)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.core.events import TempoBeat
from bridge.core.tempo_lead import SLEW, TempoLead, silent_after, wrap

KINDS = {"live-set": "link", "deck": "midi", "ableton": "osc", "ear": "audio"}


@dataclass(frozen=True)
class Clock:
    """One simulated source: a steady tempo with its own beat origin."""

    name: str
    bpm: float
    origin: float

    def event(self, t: float, per_beat: int = 4) -> TempoBeat:
        beats = (t - self.origin) * self.bpm / 60.0
        phase = beats % 1.0
        bar = (beats % 4.0) / 4.0
        return TempoBeat(t, self.name, self.bpm, phase, bar, beat=phase < 1e-9, downbeat=bar < 1e-9)


def ms(beats: float, bpm: float) -> float:
    return abs(beats) * 60_000.0 / bpm


clocks = st.builds(
    Clock,
    name=st.sampled_from(sorted(KINDS)),
    bpm=st.floats(60.0, 180.0),
    origin=st.floats(0.0, 2.0),
)
# (source, start, stop): each source speaks steadily from start to stop, then goes silent
spans = st.lists(
    st.tuples(clocks, st.floats(0.0, 8.0), st.floats(0.5, 12.0)), min_size=1, max_size=4
)


def schedule(plan: list[tuple[Clock, float, float]]) -> list[tuple[float, TempoBeat | None]]:
    """Every source's events (4 a beat, with jitter-free stamps) and 60 Hz ticks, in order."""
    items: list[tuple[float, TempoBeat | None]] = [(k / 60.0, None) for k in range(60 * 14)]
    seen: set[str] = set()
    for clock, start, length in plan:
        if clock.name in seen:
            continue  # one span per source keeps each source a steady clock
        seen.add(clock.name)
        step = 60.0 / clock.bpm / 4.0
        t = start
        while t < start + length:
            items.append((t, clock.event(t)))
            t += step
    return sorted(items, key=lambda item: (item[0], item[1] is None))


@settings(max_examples=150, deadline=None)
@given(spans, st.permutations(["link", "midi", "osc", "audio"]))
def test_the_leader_is_the_highest_ordered_live_source(
    plan: list[tuple[Clock, float, float]], order: list[str]
) -> None:
    lead = TempoLead(tuple(order), KINDS)
    for t, event in schedule(plan):
        out = lead.tick(t) if event is None else lead.feed(event)
        live = [n for n, h in lead.heard.items() if h.live(t)]
        if live:
            best = min(live, key=lambda n: order.index(KINDS[n]))
            assert lead.leader == best
            assert lead.leading
        else:
            assert not lead.leading
        assert all(o.source == lead.leader for o in out)


@settings(max_examples=200, deadline=None)
@given(spans)
def test_no_beat_jumps_beyond_the_slew_on_any_handover(
    plan: list[tuple[Clock, float, float]],
) -> None:
    lead = TempoLead(("link", "midi", "osc", "audio"), KINDS)
    tempo = {clock.name: clock.bpm for clock, _, _ in reversed(plan)}  # the first span wins
    last: TempoBeat | None = None
    beats_since = 0.0  # the bridge's beats since the last one passed on, leader by leader
    since: tuple[float, float] = (0.0, 0.0)  # (from, bpm) of the segment under way
    for t, event in schedule(plan):
        out = lead.tick(t) if event is None else lead.feed(event)
        for h in lead.take_handovers():
            if h.leader is not None and h.previous is None:
                last = None  # after a silence (or at the start) the leader is taken as is
            elif h.leader is not None and last is not None:
                beats_since += (h.t - since[0]) * since[1] / 60.0
                since = (h.t, tempo[h.leader])
        for o in out:
            if last is not None:
                moved = beats_since + (o.t - since[0]) * since[1] / 60.0
                jump = wrap(o.beat_phase - last.beat_phase - moved)
                assert ms(jump, o.bpm) <= ms(SLEW * moved, o.bpm) + 0.01, (jump, moved)
            last, beats_since, since = o, 0.0, (o.t, o.bpm)


def test_a_silent_leader_hands_over_without_a_jump_then_the_beat_moves_onto_the_new_one() -> None:
    lead = TempoLead(("link", "midi"), KINDS)
    link, midi = Clock("live-set", 120.0, 0.0), Clock("deck", 120.0, 0.2)  # 0.4 beat apart
    outs: list[TempoBeat] = []
    t = 0.0
    while t < 30.0:
        if t < 5.0:
            outs += lead.feed(link.event(t))
        outs += lead.feed(midi.event(t + 0.001))
        outs += lead.tick(t + 0.002)
        t += 0.125
    handovers = lead.take_handovers()
    assert [(h.previous, h.leader) for h in handovers] == [(None, "live-set"), ("live-set", "deck")]
    assert 4.9 < handovers[1].t - 0.0 < 5.0 + silent_after(120.0) + 0.1
    assert math.isclose(abs(handovers[1].offset_beats), 0.4, abs_tol=0.01)
    before = [o for o in outs if o.source == "live-set"][-1]
    after = next(o for o in outs if o.source == "deck")
    drift = before.beat_phase + (after.t - before.t) * 2.0
    assert (
        ms(wrap(after.beat_phase - drift), 120.0)
        <= ms(SLEW * (after.t - handovers[1].t) * 2, 120.0) + 0.01
    )
    final = outs[-1]
    assert ms(wrap(final.beat_phase - midi.event(final.t).beat_phase), 120.0) < 0.01


def test_beats_are_marked_where_the_bridge_beat_crosses_one() -> None:
    lead = TempoLead(("midi",), KINDS)
    deck = Clock("deck", 120.0, 0.0)
    outs = [o for k in range(40) for o in lead.feed(deck.event(k * 0.125))]
    beats = [round(o.t, 3) for o in outs if o.beat]
    assert beats == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5]
    assert [round(o.t, 3) for o in outs if o.downbeat] == [0.0, 2.0, 4.0]


def test_a_source_absent_from_the_order_never_leads() -> None:
    lead = TempoLead(("link",), KINDS)
    assert lead.feed(Clock("deck", 120.0, 0.0).event(0.0)) == []
    assert lead.leader is None


def test_a_tempo_without_beats_leads_with_no_beat_marks() -> None:
    lead = TempoLead(("osc",), {"resolume": "osc"})
    outs = [
        o for k in range(8) for o in lead.feed(TempoBeat(k * 0.25, "resolume", 128.0, 0.0, 0.0))
    ]
    assert [o.beat for o in outs] == [False] * 8
    assert outs[-1].bpm == 128.0
    assert math.isclose(outs[-1].beat_phase, (7 * 0.25 * 128.0 / 60.0) % 1.0)


def test_taps_lead_when_nothing_else_does_and_follow_the_presses() -> None:
    lead = TempoLead()
    for t in (10.0, 10.5, 11.0, 11.5):
        lead.tap(t)
    outs = [o for k in range(1, 61) for o in lead.tick(11.5 + k / 60.0)]
    assert lead.leader == "tap"
    assert [round(o.t, 3) for o in outs if o.beat] == [12.0, 12.5]
    assert all(o.bpm == 120.0 for o in outs)
    lead.rescale(2.0)
    outs = [o for k in range(61, 121) for o in lead.tick(11.5 + k / 60.0)]
    assert {o.bpm for o in outs} == {240.0}

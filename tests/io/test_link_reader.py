"""Link samples to tempo events (pure): on a grid of four a beat, each stamped with the moment
the session's beat crossed it, nothing while alone or while a started session is stopped."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bridge.inputs.link import PER_BEAT, POLL_S, LinkReader, until_next_line


def run(
    reader: LinkReader,
    samples: list[float],
    bpm: float = 120.0,
    peers: int = 1,
    playing: bool = False,
) -> list[tuple[float, float, bool, bool]]:
    out: list[tuple[float, float, bool, bool]] = []
    for t in samples:
        beat = t * bpm / 60.0  # the session's beat 0 at t = 0
        events = reader.sample(t, beat, bpm, peers, playing)
        out.extend((round(e.t, 9), e.beat_phase, e.beat, e.downbeat) for e in events)
    return out


@given(st.lists(st.floats(0.001, 0.03), min_size=50, max_size=300), st.floats(60.0, 180.0))
def test_each_event_is_stamped_where_the_grid_line_was_crossed(
    gaps: list[float], bpm: float
) -> None:
    """However late a poll runs, the event's time is the line's, never the poll's."""
    t, samples = 0.0, []
    for gap in gaps:
        t += gap
        samples.append(t)
    reader = LinkReader(quantum=4)
    for t_event, phase, beat, downbeat in run(reader, samples, bpm):
        line = round(t_event * bpm / 60.0 * PER_BEAT, 6)
        assert line == int(line)  # on the grid
        assert beat == (int(line) % PER_BEAT == 0)
        assert downbeat == (int(line) % (4 * PER_BEAT) == 0)
        assert abs(phase - (line / PER_BEAT) % 1.0) < 1e-9


def test_grid_lines_between_two_polls_give_the_latest_only() -> None:
    reader = LinkReader()
    # at 120 BPM lines fall every 0.125 s: 0.125 and 0.25 were crossed, 0.25 is given
    assert run(reader, [0.01, 0.26]) == [(0.25, 0.5, False, False)]


def test_alone_in_a_session_there_is_no_tempo_to_follow() -> None:
    assert run(LinkReader(), [k / 100 for k in range(1, 200)], peers=0) == []


def test_a_session_once_started_gives_nothing_while_stopped() -> None:
    reader = LinkReader(start_stop=True)
    assert run(reader, [k / 100 for k in range(1, 100)], playing=True)
    assert run(reader, [k / 100 for k in range(100, 200)], playing=False) == []
    follows = LinkReader(start_stop=False)
    assert run(follows, [k / 100 for k in range(1, 100)], playing=True)
    assert run(follows, [k / 100 for k in range(100, 200)], playing=False)


def test_a_session_nobody_started_gives_beats_all_along() -> None:
    # two seconds at 120 BPM: four beats, four lines each
    assert len(run(LinkReader(start_stop=True), [k / 100 for k in range(1, 201)])) == 4 * 4


def test_the_next_look_is_due_just_after_the_next_grid_line() -> None:
    assert abs(until_next_line(1.1, 120.0) - 0.075) < 1e-9  # line 1.25 is 0.15 beat away
    assert abs(until_next_line(1.25, 120.0) - 0.125) < 1e-9  # on a line: the one after it
    assert until_next_line(1.0, 0.0) == POLL_S

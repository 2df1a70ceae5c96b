"""The pure side of MIDI feedback: control keys, message bytes, echo prevention, coalescing
and the rate limit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.core.events import ControlChange, NoteOn, OscMessage, ParamNumber, PitchBend
from bridge.feedback.midi_feedback import ControlKey, FeedbackQueue, feedback_messages

FADER = ControlKey("cc", 1, 7)


def test_control_key_of_input_events() -> None:
    """Input events name the control they came from; non-MIDI events have none."""
    assert ControlKey.of_event(ControlChange(0.0, "x", 2, 7, 1)) == ControlKey("cc", 2, 7)
    assert ControlKey.of_event(NoteOn(0.0, "x", 1, 36, 9)) == ControlKey("note", 1, 36)
    nrpn = ParamNumber(0.0, "x", 1, "nrpn", 300, 5)
    assert ControlKey.of_event(nrpn) == ControlKey("nrpn", 1, 300)
    assert ControlKey.of_event(PitchBend(0.0, "x", 3, 0)) == ControlKey("pitchbend", 3)
    assert ControlKey.of_event(OscMessage(0.0, "td", "/a", ())) is None


def test_feedback_message_bytes() -> None:
    """Each kind becomes the raw messages a device expects, values clamped to range."""
    assert feedback_messages(ControlKey("cc", 16, 48), 200) == [(0xBF, 48, 127)]
    assert feedback_messages(ControlKey("note", 1, 36), 0) == [(0x90, 36, 0)]
    assert feedback_messages(ControlKey("cc14", 1, 3), 16383) == [(0xB0, 3, 127), (0xB0, 35, 127)]
    assert feedback_messages(ControlKey("nrpn", 2, 1234), 513) == [
        (0xB1, 99, 1234 >> 7),
        (0xB1, 98, 1234 & 127),
        (0xB1, 6, 4),
        (0xB1, 38, 1),
    ]
    assert feedback_messages(ControlKey("pitchbend", 1), 8192) == [(0xE0, 0, 64)]
    assert feedback_messages(ControlKey("program", 1), 5) == [(0xC0, 5)]


def test_echo_of_the_same_control_is_skipped_within_the_window() -> None:
    """A fader's own move is not sent back to it; another control's move is."""
    q = FeedbackQueue(echo_window=0.3)
    assert not q.set(FADER, 64, now=10.0, origin=FADER, origin_t=9.9)
    assert q.echoes_skipped == 1
    assert q.take(10.0) == []
    assert q.set(FADER, 65, now=10.0, origin=ControlKey("cc", 1, 8), origin_t=9.9)
    assert q.take(10.0) == [(FADER, 65)]


def test_echo_window_expires() -> None:
    """After the window the value goes out even from the same control (e.g. smoothing)."""
    q = FeedbackQueue(echo_window=0.3)
    assert q.set(FADER, 64, now=10.0, origin=FADER, origin_t=9.5)
    assert q.take(10.0) == [(FADER, 64)]


def test_coalescing_and_no_repeats() -> None:
    """Only the latest pending value goes; an unchanged value is not re-sent."""
    q = FeedbackQueue()
    for v in range(100):
        q.set(FADER, v, now=1.0)
    assert q.take(1.0) == [(FADER, 99)]
    assert not q.set(FADER, 99, now=1.1)
    assert q.take(1.1) == []


def test_skipped_echo_is_still_resent_after_reconnect() -> None:
    """The device forgot everything on reconnect: resend_all includes echoed values."""
    q = FeedbackQueue()
    q.set(FADER, 10, now=1.0, origin=FADER, origin_t=1.0)
    q.set(ControlKey("note", 1, 1), 3, now=1.0)
    q.take(1.0)
    q.resend_all()
    assert sorted(q.take(2.0)) == sorted([(FADER, 10), (ControlKey("note", 1, 1), 3)])


@given(
    rate=st.floats(50.0, 2000.0),
    count=st.integers(1, 300),
)
def test_rate_limit_never_exceeded(rate: float, count: int) -> None:
    """Over any run the messages sent never exceed burst + rate × elapsed, and all arrive."""
    q = FeedbackQueue(max_rate=rate)
    for n in range(count):
        q.set(ControlKey("note", 1 + n // 128, n % 128), 1, now=0.0)
    now, sent = 0.0, 0
    for _ in range(100_000):
        sent += len(q.take(now))
        assert sent <= q.burst + rate * now + 1e-6
        wait = q.wait_time(now)
        if wait is None:
            break
        now += max(wait, 1e-4)
    assert sent == count


def test_bad_rate_is_refused() -> None:
    """A zero rate would never send."""
    with pytest.raises(ValueError, match="max_rate"):
        FeedbackQueue(max_rate=0)

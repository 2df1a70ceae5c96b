"""tempo.*: how close the bridge's beat is to a Link session's, and what a handover does to it.

``tempo.link_phase_error_ms`` (p95, and the median beside it): the bridge, a whole runtime in
its own process, and one `aalink` peer in another, both in a loopback-only network namespace
(`scripts.harness.link_room`); each beat position the bridge's engine heard is compared with the
peer's at the same moment (one monotonic clock for both processes). Before Link there was no
such figure: a show could not follow the session at all. ``tempo.link_event_delay_ms`` (p95):
how long after its beat an event reached the engine (the poll runs every 10 ms; the beat
quantiser counts from the stamp, not from the arrival).

``tempo.handover_jump_ms`` (p95): the leading source (a MIDI clock, jittered as real clocks
are) goes silent while another (the audio tracker's beats, at a random phase against it)
runs on; the jump is the bridge's beat just after the handover against just before. Beside
it, in the same run, ``tempo.handover_jump_today_ms``: what the engine heard before one tempo
was chosen (the latest event of any source, so the beat jumps to the other source's), and
``tempo.handover_first_event_ms``: the bridge's beat at the first event after the handover
against the one before, extrapolated (the nudge onto the new source adds at most `SLEW` beats
per beat to it).

``tempo.onbeat_error_ms`` (p95): a quantised scene change, first frame at the stand-in's output
showing it against the beat it was meant for, with today's sending on the beat (and the old
fixed 375 ms lookahead) beside it in the same run: `scripts.benchmarks.tempo_onbeat`.
"""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bridge.core.events import TempoBeat
from bridge.core.tempo_lead import TempoLead, wrap
from scripts.benchmarks import tempo_onbeat
from scripts.harness.link_room import link_room

REPO = Path(__file__).resolve().parents[2]
BRIDGE_PROC = REPO / "tests" / "io" / "link_bridge_proc.py"
SHOW = """
[[prompts]]
id = "a"
text = "a field"
[scope]
url = "http://127.0.0.1:9"
[tempo]
link = true
"""


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _read(proc: subprocess.Popen[str], into: list[dict[str, Any]]) -> None:
    assert proc.stdout is not None
    into.extend(json.loads(line) for line in proc.stdout if line.startswith("{"))


def link_phase(seconds: float) -> dict[str, float]:
    peer_lines: list[dict[str, Any]] = []
    bridge_lines: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder, link_room("sb-link-bench") as room:
        show = Path(folder) / "show.toml"
        show.write_text(SHOW)
        peer = room.peer(123.0)
        bridge = room.popen([sys.executable, str(BRIDGE_PROC), str(show)])
        for proc, into in ((peer, peer_lines), (bridge, bridge_lines)):
            threading.Thread(target=_read, args=(proc, into), daemon=True).start()
        deadline = time.monotonic() + 20.0
        while not any("heard" in b for b in bridge_lines) and time.monotonic() < deadline:
            time.sleep(0.05)
        start = time.monotonic()
        time.sleep(seconds)
    lines = [b for b in list(bridge_lines) if "heard" in b and b["heard"]["t"] > start]
    heard = [b["heard"] for b in lines]
    delays = [(b["at"] - b["heard"]["t"]) * 1000.0 for b in lines]
    peers = list(peer_lines)
    errors = []
    for h in heard:
        near = min(peers, key=lambda p: abs(p["t"] - h["t"]))
        peer_beat = near["beat"] + (h["t"] - near["t"]) * near["bpm"] / 60.0
        errors.append(abs(wrap(h["beat_phase"] - peer_beat)) * 60_000.0 / near["bpm"])
    if not errors:
        raise RuntimeError("the bridge heard no Link beat in the namespace")
    return {
        "tempo.link_phase_error_ms": p95(errors),
        "tempo.link_phase_error_median_ms": statistics.median(errors),
        "tempo.link_events": float(len(errors)),
        "tempo.link_event_delay_ms": p95(delays),
    }


def _clock(name: str, bpm: float, origin: float, t: float) -> TempoBeat:
    beats = (t - origin) * bpm / 60.0
    phase = beats % 1.0
    return TempoBeat(t, name, bpm, phase, (beats % 4.0) / 4.0, beat=phase < 1e-9)


def handover_once(rng: random.Random) -> tuple[float, float, float]:
    """(jump with one tempo, the first event after it, jump as the engine heard it before)."""
    bpm = rng.uniform(90.0, 150.0)
    period = 60.0 / bpm
    audio_origin = rng.uniform(0.0, period)
    lead = TempoLead(("midi", "audio"), {"deck": "midi", "ear": "audio"})
    silent_at = rng.uniform(6.0, 10.0)
    events: list[TempoBeat] = []
    t = 0.0
    while t < silent_at:  # the deck's clock: 4 events a beat, each up to 1 ms late
        events.append(_clock("deck", bpm, 0.0, t + rng.uniform(0.0, 0.001)))
        t += period / 4
    k = 0
    while k * period + audio_origin < silent_at + 6.0:  # the ear's beats, up to 5 ms late
        at = k * period + audio_origin
        events.append(TempoBeat(at + rng.uniform(0.0, 0.005), "ear", bpm, 0.0, 0.0, beat=True))
        k += 1
    ticks = [TempoBeat(k / 60.0, "", 0.0, 0.0, 0.0) for k in range(int((silent_at + 6.0) * 60))]
    merged = sorted(events + ticks, key=lambda e: e.t)
    jump = first = None
    for e in merged:
        if e.source == "":
            before = lead.bridge_beat(e.t)
            lead.tick(e.t)
            changes = lead.take_handovers()
            if jump is None and any(c.previous == "deck" for c in changes):
                after = lead.bridge_beat(e.t)
                assert before is not None
                assert after is not None
                jump = abs(wrap(after - before)) * period * 1000.0
            continue
        last = lead.last_out
        out = lead.feed(e)
        if jump is not None and first is None and out and last is not None:
            gone = (out[0].t - last.t) * bpm / 60.0
            first = abs(wrap(out[0].beat_phase - last.beat_phase - gone)) * period * 1000.0
    # before one tempo was chosen the engine heard the latest event of any source: once the
    # deck stops, the ear's next beat against the deck's last, extrapolated
    deck = max((e for e in events if e.source == "deck"), key=lambda e: e.t)
    ear = min((e for e in events if e.source == "ear" and e.t > deck.t), key=lambda e: e.t)
    gone = (ear.t - deck.t) * bpm / 60.0
    today = abs(wrap(ear.beat_phase - deck.beat_phase - gone)) * period * 1000.0
    assert jump is not None
    assert first is not None
    return jump, first, today


def handover(trials: int) -> dict[str, float]:
    rng = random.Random(13)
    runs = [handover_once(rng) for _ in range(trials)]
    return {
        "tempo.handover_jump_ms": p95([r[0] for r in runs]),
        "tempo.handover_first_event_ms": p95([r[1] for r in runs]),
        "tempo.handover_jump_today_ms": p95([r[2] for r in runs]),
    }


def run(quick: bool) -> dict[str, float]:
    out = handover(50 if quick else 300)
    out.update(link_phase(4.0 if quick else 12.0))
    out.update(tempo_onbeat.run(quick))
    return out

"""core.*: events through engine + state + pacer on one core, with a 72-mapping show.

Baseline in the same run: ``core.floor_events_per_s`` dispatches the same events with only
a dict lookup and a store (the least any engine must do), so the ratio says what the real
mapping, takeover, state and pacing cost on this machine today.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path

from bridge.config.load import load_show
from bridge.core import events as ev
from bridge.core.mapping import Engine
from bridge.core.pacer import Pacer
from bridge.core.payload import PayloadBuilder
from bridge.core.show import Show
from bridge.core.state import ShowState

PROMPTS = 8


def realistic_show(folder: Path, osc_port: int = 9000, extra: str = "") -> Show:
    """Three controllers' worth of bindings: 48 faders/knobs, 16 pads, 8 OSC faders."""
    lines = ["schema = 1", "[transition]", "num_steps = 6"]
    for i in range(PROMPTS):
        lines += ["[[prompts]]", f'id = "p{i}"', f'text = "prompt number {i}"', "weight = 0.5"]
    for s in range(8):
        weights = ", ".join(f"p{(s + k) % PROMPTS} = {0.2 + 0.1 * k:.1f}" for k in range(3))
        lines += ["[[scenes]]", f'name = "s{s}"', f"weights = {{ {weights} }}"]
    lines += ["[devices.midi.apc]", 'port = "APC*"', 'match = "glob"']
    lines += ["[devices.midi.lcxl]", 'port = "Launch Control XL"']
    lines += ["[devices.osc.td]", f"port = {osc_port}"]
    takeovers = ["off", "pickup", "pickup_tolerant", "catchup"]
    for n in range(48):
        device = "apc" if n < 24 else "lcxl"
        lines += [
            "[[mappings]]",
            f'source = {{ midi = "{device}", channel = 1, cc = {n % 24 + 16} }}',
            f'target = "prompt.p{n % PROMPTS}.weight"',
            f'takeover = "{takeovers[n % 4]}"',
            'transforms = [{ curve = "exponential", amount = 2.0 }, { deadzone = 0.02 }]',
        ]
    for n in range(16):
        target = (
            f'target = "scene"\npad = "radio"\nvalue = "s{n % 8}"'
            if n < 8
            else ('target = "scene.next"' if n < 12 else 'target = "paused"\npad = "toggle"')
        )
        lines += ["[[mappings]]", f'source = {{ midi = "apc", channel = 1, note = {n} }}', target]
    for n in range(8):
        lines += [
            "[[mappings]]",
            f'source = {{ osc = "td", address = "/fader{n}" }}',
            f'target = "prompt.p{n}.weight"',
            'merge = "add"',
            "out = [0.0, 0.3]",
        ]
    path = folder / "bench-show.toml"
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return load_show(path)


def make_events(count: int, seed: int = 7) -> list[ev.Event]:
    rng = random.Random(seed)
    out: list[ev.Event] = []
    for i in range(count):
        r = rng.random()
        t = i * 1e-4
        if r < 0.8:
            device = "apc" if rng.random() < 0.5 else "lcxl"
            out.append(ev.ControlChange(t, device, 1, rng.randrange(16, 40), rng.randrange(128)))
        elif r < 0.9:
            out.append(ev.OscMessage(t, "td", f"/fader{rng.randrange(8)}", (rng.random(),)))
        elif r < 0.95:
            out.append(ev.NoteOn(t, "apc", 1, rng.randrange(16), 100))
        else:
            out.append(ev.NoteOff(t, "apc", 1, rng.randrange(16)))
    return out


def through_core(show: Show, events: list[ev.Event]) -> float:
    """Events/s through feed → apply → poll, time advancing with the events' stamps."""
    state = ShowState(show)
    engine = Engine(show, state)
    pacer = Pacer(state, PayloadBuilder(), chunk_rate_hz=1.3)
    feed, apply, poll = engine.feed, state.apply, pacer.poll
    start = time.perf_counter()
    for event in events:
        for change in feed(event):
            apply(change)
        poll(event.t)
    return len(events) / (time.perf_counter() - start)


def floor(show: Show, events: list[ev.Event]) -> float:
    """The least work: look the event's key up and store the raw value."""
    index = {(b.source.device, b.source.number, b.source.address): b.target for b in show.bindings}
    store: dict[str, object] = {}
    start = time.perf_counter()
    for e in events:
        if isinstance(e, ev.ControlChange):
            target = index.get((e.source, e.control, ""))
            if target:
                store[target] = e.value
        elif isinstance(e, ev.OscMessage):
            target = index.get((e.source, 0, e.address))
            if target:
                store[target] = e.args[0]
    return len(events) / (time.perf_counter() - start)


def latency_us(show: Show, samples: int) -> list[float]:
    """One CC in → payload out, the pacer idle (leading edge), in microseconds."""
    state = ShowState(show)
    engine = Engine(show, state)
    pacer = Pacer(state, PayloadBuilder(), chunk_rate_hz=1.3)
    rng = random.Random(3)
    out: list[float] = []
    t = 0.0
    for i in range(samples):
        t += 10.0  # far apart: the modelled queue is empty again each time
        event = ev.ControlChange(t, "apc", 1, 16 + i % 24, rng.randrange(128))
        start = time.perf_counter_ns()
        for change in engine.feed(event):
            state.apply(change)
        payload = pacer.poll(t)
        elapsed = time.perf_counter_ns() - start
        if payload is not None:
            out.append(elapsed / 1000.0)
    return out


def run(quick: bool = False) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        show = realistic_show(Path(tmp))
    events = make_events(20_000 if quick else 100_000)
    repeats = 3 if quick else 7
    rates = [through_core(show, events) for _ in range(repeats)]
    floors = [floor(show, events) for _ in range(repeats)]
    lat = sorted(latency_us(show, 2_000 if quick else 20_000))
    p99 = lat[int(0.99 * (len(lat) - 1))]
    return {
        "core.mappings": float(len(show.bindings)),
        "core.events_per_s": statistics.median(rates),
        "core.floor_events_per_s": statistics.median(floors),
        "core.ratio_to_floor": statistics.median(rates) / statistics.median(floors),
        "core.latency_p50_us": statistics.median(lat),
        "core.latency_p99_us": p99,
    }

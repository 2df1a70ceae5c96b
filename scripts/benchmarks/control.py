"""osc.*, control.* and midi.*: how much the bridge takes in, and how fast it answers.

- ``osc.ingest_msgs_per_s``: the highest paced rate, from a separate sender process, that the
  bridge (OSC input → 72-mapping engine → state → pacer) takes with ≤ 0.1 % loss; the
  baseline ``osc.baseline_msgs_per_s`` is a bare asyncio receiver that only parses with
  python-osc, measured the same way in the same run (the two climbs interleaved step by
  step). A climb the sender could not keep up with is flagged ``*_sender_limited``: that
  figure is then a floor. ``osc.loss_pct`` at 20,000 msg/s.
- ``control.osc_to_send_*``: an OSC packet handled by our receiver → the WebRTC data
  channel's ``send`` called, on an idle leading edge, against the stand-in (own process).
- ``midi.jack_to_event_*``: a CC sent by another JACK client → the event on our loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pythonosc.osc_message import OscMessage as PyOscMessage

from bridge.core import events as ev
from bridge.inputs.midi import MidiDeviceConfig, MidiInputs
from bridge.inputs.midi_ports import MidiApi
from bridge.inputs.osc import OscInput, OscInputConfig
from bridge.protocols import Payload
from bridge.running.bridge import Bridge
from scripts.benchmarks.core import realistic_show

T = TypeVar("T")
RATES = (
    *range(10_000, 100_001, 10_000),
    110_000,
    120_000,
    135_000,
    150_000,
    165_000,
    180_000,
    200_000,
)
SENDER_SLACK = 0.97
"""A step counts only if the sender itself kept within 3 % of the rate asked for."""
MAX_LOSS = 0.001


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Counting:
    ready = True

    def __init__(self) -> None:
        self.sent = 0

    def send(self, payload: Payload) -> None:
        self.sent += 1


class Baseline(asyncio.DatagramProtocol):
    """Receive and parse with python-osc, nothing else."""

    def __init__(self) -> None:
        self.count = 0

    def datagram_received(self, data: bytes, addr: Any) -> None:
        PyOscMessage(data)
        self.count += 1


async def _send(port: int, rate: float, seconds: float, *flags: str) -> tuple[int, float]:
    """Send from a separate process; how many went, and at what rate they really went."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "scripts.benchmarks.osc_sender",
        str(port),
        str(rate),
        str(seconds),
        *flags,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await proc.communicate()
    sent, took = out.decode().split()[-2:]
    return int(sent), int(sent) / max(float(took), 1e-9)


async def ingest(kind: str, rate: float, seconds: float, folder: Path) -> tuple[float, float]:
    """Loss fraction at ``rate`` for the bridge or the baseline receiver, and the real rate."""
    port = free_port()
    loop = asyncio.get_running_loop()
    received: Callable[[], int]
    if kind == "bridge":
        bridge = Bridge(realistic_show(folder, port), Counting())
        listener = OscInput(OscInputConfig("td", port), bridge.submit)
        await listener.start()
        received, close = (lambda: listener.stats["messages"]), listener.close
    else:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
        sock.bind(("127.0.0.1", port))
        base = Baseline()
        transport, _ = await loop.create_datagram_endpoint(lambda: base, sock=sock)
        received, close = (lambda: base.count), transport.close
    try:
        sent, achieved = await _send(port, rate, seconds)
        await asyncio.sleep(0.3)
        return 1.0 - received() / sent, achieved
    finally:
        close()


@dataclass
class Ladder:
    """One receiver's climb up RATES: the best rate taken with ≤ 0.1 % loss, and why it ended."""

    kind: str
    best: float = 0.0
    done: bool = False
    sender_limited: bool = False
    losses: dict[int, float] = field(default_factory=dict)


async def max_rates(seconds: float, folder: Path) -> tuple[Ladder, Ladder]:
    """Climb both ladders step by step, bridge then baseline at each rate, so that a noisy
    neighbour on a shared machine hits both alike. A step where the sender fell behind the
    rate ends the climb as sender-limited: the receiver took all a sender could give."""
    ours, base = Ladder("bridge"), Ladder("baseline")
    for rate in RATES:
        for ladder in (ours, base):
            if ladder.done:
                continue
            loss, achieved = await ingest(ladder.kind, rate, seconds, folder)
            ladder.losses[rate] = loss
            if achieved < SENDER_SLACK * rate:
                ladder.done = ladder.sender_limited = True
            elif loss > MAX_LOSS:
                ladder.done = True
            else:
                ladder.best = float(rate)
        if ours.done and base.done:
            break
    return ours, base


async def osc_to_send(samples: int, folder: Path) -> list[float]:
    """OSC handled → data channel send, idle leading edge, against the stand-in process."""
    from bridge.running.runtime import Runtime

    sim_port, osc_port = free_port(socket.SOCK_STREAM), free_port()
    sim = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bridge.sim",
        "--port",
        str(sim_port),
        "--fps",
        "30",
        "--chunk-frames",
        "1",
        "--load-time",
        "0.05",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    extra = f'[scope]\nurl = "http://127.0.0.1:{sim_port}"\nchunk_rate_hz = 60\n'
    try:
        await asyncio.sleep(1.0)
        runtime = Runtime(realistic_show(folder, osc_port, extra))
        link = runtime.link
        assert link is not None
        last_osc: list[float] = [0.0]
        latencies: list[float] = []
        runtime.bridge.on_event.insert(
            0, lambda e: last_osc.__setitem__(0, e.t) if isinstance(e, ev.OscMessage) else None
        )
        original = link.send

        def timed(payload: Payload) -> None:
            latencies.append(time.monotonic() - last_osc[0])
            original(payload)

        link.send = timed  # type: ignore[method-assign]
        task = asyncio.create_task(runtime.run())
        try:
            for _ in range(300):
                if link.ready:
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(0.5)
            latencies.clear()
            out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            for n in range(samples):
                value = 0.2 + 0.6 * ((n * 37) % 100) / 100
                out.sendto(_float_message(f"/fader{n % 8}", value), ("127.0.0.1", osc_port))
                await asyncio.sleep(0.04)
            out.close()
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        return latencies
    finally:
        sim.terminate()
        await asyncio.wait_for(sim.wait(), 10)


def _float_message(address: str, value: float) -> bytes:
    from pythonosc.osc_message_builder import OscMessageBuilder

    builder = OscMessageBuilder(address)
    builder.add_arg(value, "f")
    return bytes(builder.build().dgram)


async def jack_to_event(count: int) -> list[float]:
    """A CC from another JACK client → the event on our loop (needs a JACK server)."""
    client = f"sbbench{os.getpid()}"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "scripts.benchmarks.midi_sender",
        client,
        str(count),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    arrivals: list[float] = []

    def emit(event: ev.Event) -> None:
        if isinstance(event, ev.ControlChange):
            arrivals.append(time.monotonic())

    try:
        assert (await asyncio.wait_for(proc.stdout.readline(), 15)).strip() == b"ready"
        inputs = MidiInputs(
            [MidiDeviceConfig("bench", f"exact:{client}:out")],
            emit,
            api=MidiApi("jack"),
            poll_interval=0.2,
        )
        task = asyncio.create_task(inputs.run())
        for _ in range(100):
            if all(s.connected for s in inputs.statuses()):
                break
            await asyncio.sleep(0.05)
        proc.stdin.write(b"go\n")
        await proc.stdin.drain()
        sent: list[float] = []
        while (line := (await asyncio.wait_for(proc.stdout.readline(), 15)).strip()) != b"done":
            sent.append(float(line))
        await asyncio.sleep(0.1)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    finally:
        if proc.returncode is None:
            proc.terminate()
            await proc.wait()
    if len(arrivals) != len(sent):
        raise RuntimeError(f"MIDI bench: sent {len(sent)} CCs, {len(arrivals)} arrived")
    return [a - s for a, s in zip(arrivals, sent, strict=True)]


async def bounded(work: Coroutine[Any, Any, T], what: str, seconds: float = 180.0) -> T:
    """A benchmark step that fails with a sentence instead of hanging the run."""
    try:
        return await asyncio.wait_for(work, seconds)
    except TimeoutError:
        raise RuntimeError(f"the {what} benchmark did not finish within {seconds:g} s") from None


def _start_jack() -> int | None:
    out = subprocess.run(["./scripts/jack"], capture_output=True, text=True, check=True)
    return int(out.stdout) if out.stdout.strip() else None


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))]


def run(quick: bool = False) -> dict[str, float]:
    seconds = 1.5 if quick else 3.0
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ours, base = asyncio.run(max_rates(seconds, folder))
        loss_20k = ours.losses.get(20_000)
        if loss_20k is None:
            loss_20k = asyncio.run(ingest("bridge", 20_000, seconds, folder))[0]
        lat = asyncio.run(bounded(osc_to_send(60 if quick else 250, folder), "OSC→send"))
    results["osc.ingest_msgs_per_s"] = ours.best
    results["osc.baseline_msgs_per_s"] = base.best
    results["osc.ingest_to_baseline"] = ours.best / base.best if base.best else 0.0
    # 1 when a climb ended because the sender could not go faster: that side's figure is
    # then a floor, and a ratio of 1.0 means "both took all the sender could give"
    results["osc.ingest_sender_limited"] = float(ours.sender_limited)
    results["osc.baseline_sender_limited"] = float(base.sender_limited)
    results["osc.loss_pct"] = 100.0 * loss_20k
    results["control.osc_to_send_p50_us"] = statistics.median(lat) * 1e6
    results["control.osc_to_send_p99_us"] = pct(lat, 0.99) * 1e6
    jack = _start_jack()
    try:
        os.environ.setdefault("JACK_NO_START_SERVER", "1")
        midi = asyncio.run(bounded(jack_to_event(100 if quick else 500), "JACK→event"))
    finally:
        if jack:
            os.kill(jack, 15)
    results["midi.jack_to_event_p50_us"] = statistics.median(midi) * 1e6
    results["midi.jack_to_event_p99_us"] = pct(midi, 0.99) * 1e6
    return results

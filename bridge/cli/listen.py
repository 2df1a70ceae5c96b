"""`scope-bridge monitor` and `scope-bridge learn`: listen to a show's devices without Scope.

Both open the show's MIDI and OSC inputs (the same adapters the bridge runs) and nothing
else. `monitor` prints every event with the mapping source to paste; after a few turns of a
relative encoder it says which encoding the knob uses. `learn` binds the next control moved
to a target and writes it into the show file, keeping its comments and layout.

Both need the show's ports to themselves: while the show runs, an OSC port is taken, and
the error says by whom (`bridge.cli.porthold`). Every failure is one sentence, never a group of
tracebacks; a reader that goes away (``monitor | head``) ends `monitor` quietly.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from bridge.cli.porthold import taken
from bridge.config.sources import target_problem
from bridge.config.write import add_binding
from bridge.core.events import ControlChange, Event
from bridge.core.learn import Learn, describe
from bridge.core.show import OscDevice, Show
from bridge.errors import BridgeError
from bridge.inputs.midi import MidiInputs
from bridge.inputs.monitor import EncoderDetector
from bridge.inputs.monitor import describe as monitor_line
from bridge.inputs.osc import OscInput
from bridge.running.devices import midi_api, midi_configs, osc_config


def _inputs(
    show: Show, emit: Callable[[Event], None]
) -> list[Callable[[], Coroutine[Any, Any, None]]]:
    """Run factories for every MIDI and OSC input of the show (as the bridge builds them)."""
    runs: list[Callable[[], Coroutine[Any, Any, None]]] = []
    if show.midi:
        runs.append(MidiInputs(midi_configs(show), emit, api=midi_api(show)).run)
    runs.extend(_osc_run(d, emit) for d in show.osc)
    return runs


def _osc_run(
    device: OscDevice, emit: Callable[[Event], None]
) -> Callable[[], Coroutine[Any, Any, None]]:
    async def run() -> None:
        try:
            await OscInput(osc_config(device), emit).run()
        except BridgeError as exc:
            cause = exc.__cause__
            if isinstance(cause, OSError) and cause.errno == errno.EADDRINUSE:
                raise BridgeError(
                    f"OSC input {device.name} cannot listen on {device.host}:{device.port}: "
                    f"{taken(device.port, 'udp')}; stop the running show first "
                    "(learn and monitor open its devices themselves)"
                ) from exc
            raise

    return run


async def _listen(show: Show, emit: Callable[[Event], None], until: asyncio.Event) -> None:
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(run()) for run in _inputs(show, emit)]
            if not tasks:
                raise BridgeError("the show has no MIDI or OSC devices to listen to")
            await until.wait()
            for task in tasks:
                task.cancel()
    except* BridgeError as group:  # one sentence, not a group of tracebacks
        raise group.exceptions[0] from None


def monitor(show: Show, seconds: float | None = None) -> int:
    """Print what arrives, until Ctrl-C (or for ``seconds``)."""
    detector = EncoderDetector()
    guessed: dict[tuple[str, int, int], str] = {}
    stop = asyncio.Event()
    closed: list[BrokenPipeError] = []

    def emit(event: Event) -> None:
        line = monitor_line(event)
        if not line.sources or closed:
            return
        try:
            print(f"{line.text:<40} source = {line.sources[0]}", flush=True)
            if isinstance(event, ControlChange):
                guess = detector.feed(event)
                key = (event.source, event.channel, event.control)
                if guess.encoding and guessed.get(key) != guess.encoding:
                    guessed[key] = guess.encoding
                    print(
                        f'  ↳ looks like a relative encoder: encoder = "{guess.encoding}"',
                        flush=True,
                    )
        except BrokenPipeError as exc:  # the reader left (monitor | head): stop listening
            closed.append(exc)
            stop.set()

    async def main() -> None:
        if seconds is not None:
            asyncio.get_running_loop().call_later(seconds, stop.set)
        print(f"listening to {Path(show.path).name}'s devices (Ctrl-C stops)", flush=True)
        await _listen(show, emit, stop)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
    if closed:
        raise closed[0]  # the command line ends quietly, as after any closed pipe
    return 0


def learn(show: Show, target: str, timeout: float = 60.0) -> int:
    """Bind the next control moved to ``target`` and write it into the show file (the
    target is checked against the show first: nobody moves a knob for nothing)."""
    problem = target_problem(target, show)
    if not show.midi and not show.osc:
        problem = (
            "the show has no MIDI or OSC device to learn from "
            "(add one under [devices.midi.NAME] or [devices.osc.NAME])"
        )
    if problem:
        raise BridgeError(f"cannot learn {target} for {show.path}: {problem}")
    session = Learn(target)
    found = asyncio.Event()

    def emit(event: Event) -> None:
        if session.feed(event):
            found.set()

    async def main() -> None:
        print(f"move the control for {target} (waiting up to {timeout:g} s)", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.call_later(timeout, stop.set)
        watcher = loop.create_task(found.wait())
        watcher.add_done_callback(lambda _: stop.set())
        await _listen(show, emit, stop)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
    binding = session.binding()
    if binding is None:
        print(f"nothing moved within {timeout:g} s: {Path(show.path).name} is unchanged")
        return 1
    add_binding(show.path, binding, comment=f"learned for {target}")
    print(f"learned {describe(binding['source'])} → {target} in {show.path}")
    return 0

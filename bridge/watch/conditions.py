"""What is wrong right now, read from the running parts, for the Problems panel.

Devices, frame outputs and the Scope link keep their own state (a controller waiting for its
port, a frame output that failed, a link that lost Scope). `current` reads that state and
says, for each thing that is not working, where it is and why; `watch` syncs the result
into the bridge's `ProblemBook` twice a second, so an entry appears when its cause does and
goes away when the controller is plugged back in, the output sends again, or Scope is back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bridge.inputs.audio import FileAudioInput, LiveAudioInput
from bridge.running.devices import Devices
from bridge.sinks.base import SinkStatus
from bridge.watch.problems import Identity

if TYPE_CHECKING:
    from bridge.running.runtime import Runtime

SOURCE = "conditions"
"""The `ProblemBook` source these problems belong to."""
DROPS_SHOWN_S = 30.0
"""Updates dropped by Scope stay in Problems this long after the count last rose."""


@dataclass
class DropWatch:
    """Turns Scope's running count of dropped updates into "dropped lately"."""

    clock: Callable[[], float]
    last_count: int = 0
    rose_at: float | None = None
    since: int = 0

    def message(self, count: int | None) -> str | None:
        if count is None:
            return None
        now = self.clock()
        if count < self.last_count:  # Scope restarted: its count starts again
            self.last_count = 0
        if count > self.last_count:
            if self.rose_at is None or now - self.rose_at > DROPS_SHOWN_S:
                self.since = self.last_count
            self.rose_at = now
            self.last_count = count
        if self.rose_at is None or now - self.rose_at > DROPS_SHOWN_S:
            return None
        lately = count - self.since
        return (
            f"Scope dropped {lately} update{'s' if lately != 1 else ''} lately "
            f"({count} in all): its queue was full"
        )


def midi_problems(devices: Devices) -> dict[Identity, str]:
    """Controllers that are not connected (and the MIDI API, when it does not work)."""
    found: dict[Identity, str] = {}
    midi = devices.midi
    waiting: set[str] = set()
    if midi is not None:
        if midi.api_error:
            found[("MIDI", "api")] = midi.api_error
        for s in midi.statuses():
            if not s.connected and s.error and not midi.api_error:
                found[(f"midi in {s.name}", "port")] = s.error
                waiting.add(s.name)
    for name, out in devices.feedback.items():
        # an unplugged controller is one problem, not one for its input and one for its LEDs
        if not out.connected and out.error and name not in waiting:
            found[(f"midi out {name}", "port")] = out.error
    return found


def sink_problems(sinks: Iterable[SinkStatus]) -> dict[Identity, str]:
    """Frame outputs that failed or cannot run here (a disabled one is not a problem)."""
    found: dict[Identity, str] = {}
    for s in sinks:
        if s.state == "failed":
            found[(f"{s.kind} out {s.name}", "sink")] = s.last_error or "failed"
        elif s.state == "unavailable":
            found[(f"{s.kind} out {s.name}", "sink")] = (
                f"cannot run here: {s.last_error or 'unavailable'}"
            )
    return found


def audio_problems(audio: Mapping[str, LiveAudioInput | FileAudioInput]) -> dict[Identity, str]:
    """Live audio inputs that lost their device or wait for it."""
    found: dict[Identity, str] = {}
    for name, source in audio.items():
        if isinstance(source, LiveAudioInput) and source.status.trouble:
            found[(f"audio {name}", "device")] = source.status.sentence()
    return found


def scope_problem(connection: Mapping[str, object] | None) -> dict[Identity, str]:
    """Scope away: the link's last error while no session is up."""
    if not connection:
        return {}
    up = connection.get("channel_open") or connection.get("ready")
    error = connection.get("last_error")
    if up or not error:
        return {}
    return {("scope", "link"): str(error)}


async def watch(runtime: Runtime, every_s: float = 0.5) -> None:
    """Keep the runtime's Problems in step with what is wrong now, until cancelled."""
    drops = DropWatch(runtime.bridge.clock)
    while True:
        outputs = [s for unit in runtime.targets.values() for s in unit.router.status()]
        found = {
            **scope_problem(runtime.connection()),
            **midi_problems(runtime.devices),
            **sink_problems(tuple(outputs)),
            **audio_problems(runtime.audio),
        }
        for unit in list(runtime.targets.values())[1:]:  # each other target: its own entry
            for (_, key), text in scope_problem(unit.connection()).items():
                found[(unit.where, key)] = text  # "scope right: Scope stopped answering..."
        dropped = drops.message(runtime.scope_drops)
        if dropped is not None:
            found[("scope", "drops")] = dropped
        runtime.bridge.problems.sync(SOURCE, found)
        await asyncio.sleep(every_s)

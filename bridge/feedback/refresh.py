"""What the show's controllers and OSC hosts are told back, from the engine's view of now.

MIDI feedback is refreshed at `FEEDBACK_HZ` (never on the control path): LEDs follow scenes
and toggles, rings and motor faders follow values, and a control's own move is not echoed
back to it. With pages, only what acts on the page shows; a button with no meaning there
goes dark, and entering a page (or holding a layer) sends every control of the device
again. OSC feedback publishes prompt weights, the scene and paused to each host, and a
surface's targets to its hosts. The outputs themselves are built and run by `Devices`.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from bridge.core.bindings import Binding
from bridge.core.show import MidiDevice
from bridge.feedback.midi_feedback import ControlKey
from bridge.feedback.surface import surface_feedback

if TYPE_CHECKING:
    from bridge.running.devices import Devices

FEEDBACK_HZ = 30.0
_KIND = {
    "cc": "cc",
    "cc14": "cc14",
    "note": "note",
    "nrpn": "nrpn",
    "rpn": "rpn",
    "pitchbend": "pitchbend",
    "aftertouch": "pressure",
    "program": "program",
}


def feedback_key(binding: Binding, device: MidiDevice) -> ControlKey | None:
    src = binding.source
    kind = _KIND.get(src.control or "")
    if kind is None or not binding.feedback:
        return None
    channel = device.led_channel or src.channel or 1
    return ControlKey(kind, channel, src.number)  # type: ignore[arg-type]


def feedback_values(devices: Devices) -> list[tuple[str, ControlKey, int, bool]]:
    """(device, control, byte, is a button) for every binding with feedback, from now:
    those acting on this page and layer, then buttons out of play here (dark)."""
    midi = {d.name: d for d in devices.show.midi}
    values = []
    engine = devices.bridge.engine
    for live in engine.acting:
        b = live.binding
        device = midi.get(b.source.device) if b.source.kind == "midi" else None
        if device is None or device.name not in devices.feedback:
            continue
        key = feedback_key(b, device)
        if key is None:
            continue
        level = devices.bridge.engine.feedback(live)
        button = b.pad is not None or key.kind == "note" or live.spec.kind != "continuous"
        if button:
            byte = device.led_on if level >= 0.5 else device.led_off
        else:
            byte = round(level * (16383 if key.kind in ("cc14", "nrpn", "rpn") else 127))
        values.append((device.name, key, byte, button))
    if engine.pager.paged:
        values += _dark(devices, midi, {(v[0], v[1]) for v in values})
    return values


def _dark(
    devices: Devices, midi: dict[str, MidiDevice], lit: set[tuple[str, ControlKey]]
) -> list[tuple[str, ControlKey, int, bool]]:
    """Buttons whose every mapping is out of play on this page and layer: off."""
    dark = []
    for live in devices.bridge.engine.lives:
        b = live.binding
        device = midi.get(b.source.device) if b.source.kind == "midi" else None
        if device is None or device.name not in devices.feedback:
            continue
        key = feedback_key(b, device)
        button = b.pad is not None or live.spec.kind != "continuous"
        if key is None or (device.name, key) in lit or not (button or key.kind == "note"):
            continue
        lit.add((device.name, key))
        dark.append((device.name, key, device.led_off, True))
    return dark


async def refresh_midi(devices: Devices) -> None:
    """Send each MIDI device the LEDs and rings of now, at `FEEDBACK_HZ` (only changes go
    out); entering a page sends every control again."""
    seen: tuple[int, int] | None = None
    while True:
        engine = devices.bridge.engine
        view = (id(engine), engine.view.version)
        for device, key, byte, button in feedback_values(devices):
            # echo prevention is for faders and rings: a pad's LED must answer its press
            origin = None if button else devices.last_input.get(device)
            devices.feedback[device].set(
                key,
                byte,
                origin=origin[0] if origin else None,
                origin_t=origin[1] if origin else None,
            )
        if view != seen and seen is not None and engine.pager.paged:
            for out in devices.feedback.values():  # a page entered: refresh all it shows
                out.resend_all()
        seen = view
        await asyncio.sleep(1.0 / FEEDBACK_HZ)


async def publish_osc(devices: Devices) -> None:
    """Prompt weights, the scene and paused to every OSC host, bundled per tick; a
    surface device's hosts also get each target that changed, at its address."""
    last: dict[str, dict[str, Any]] = {}  # per output: what it has been sent
    last_surface: dict[str, dict[str, float | str]] = {}
    while True:
        state = devices.bridge.state
        current: dict[str, Any] = {
            f"/scope/prompt/{slot}/weight": round(w, 3) for slot, w in state.weights().items()
        }
        current["/scope/scene"] = state.scene
        current["/scope/paused"] = int(state.paused)
        opened = [name for name, out in devices.osc_out.items() if out.is_open]
        for name in opened:  # an output not open yet would count its values as sent
            sent = last.get(name, {})
            for address, value in current.items():
                if sent.get(address) != value:
                    devices.osc_out[name].send(address, [value])
            last[name] = current
        for name, values in surface_feedback(devices.show, devices.bridge, opened).items():
            sent = last_surface.setdefault(name, {})
            for address, value in values.items():
                if sent.get(address) != value:
                    devices.osc_out[name].send(address, [value])
            last_surface[name] = values
        for out in devices.osc_out.values():
            out.flush()
        await asyncio.sleep(1.0 / 10.0)

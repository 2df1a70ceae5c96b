"""The default OSC surface at run time: what each surface device's hosts are told.

The surface's inputs are ordinary bindings (`bridge.config.surface`); its feedback is the
value of each of their targets, read from the bridge's state whatever changed it (a knob on
another device, a scene, Scope's ``parameters_updated``), and sent by
`bridge.feedback.refresh` on its OSC feedback tick, only what changed since the last tick.
"""

from __future__ import annotations

from collections.abc import Collection

from bridge.core.show import Show
from bridge.core.surface import surface_values
from bridge.core.targets import TargetSpec
from bridge.running.bridge import Bridge


def surface_feedback(
    show: Show, bridge: Bridge, outputs: Collection[str]
) -> dict[str, dict[str, float | str]]:
    """Device name → address → value now, for each surface device with feedback hosts."""
    out: dict[str, dict[str, float | str]] = {}
    for device in show.osc:
        if not device.surface or device.name not in outputs:
            continue
        specs: dict[str, TargetSpec] = {
            live.binding.target: live.spec
            for live in bridge.engine.lives
            if live.binding.surface == device.name
        }
        page = bridge.engine.view.page
        out[device.name] = surface_values(bridge.state, device.surface, specs, specs, page)
    return out

"""An OSC device's default surface (``surface = "/bridge"``), as ordinary mappings.

The surface is made of plain `Binding`s generated when the show loads, one per target
(`bridge.core.surface` derives the list and the addresses), so the engine treats a value
arriving there exactly as a mapping with ``merge = "set"`` and no takeover: non-finite
numbers are refused at the same edge, pages and layers see the same objects. Each is marked
with its device (``Binding.surface``) so the console can show the surface as one line.

Values are in the target's own units: a number for a continuous target (``out`` is its
bounds, and ``in`` the same, so 0.3 sent is 0.3 set); a name or an index for a choice
(``/bridge/scene "night"`` or ``/bridge/scene 2``); 1 then 0 for an action, as a button sends.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from bridge.config.reader import Node
from bridge.core.bindings import Binding, Source
from bridge.core.show import OscDevice, Show
from bridge.core.surface import DEFAULT_PREFIX, SurfaceShow, address_of, surface_targets
from bridge.core.targets import TargetSpec, spec_in

PREFIX = re.compile(r"(?:/[A-Za-z0-9_-]+)+")


def surface_prefix(n: Node) -> str:
    """``surface = true`` (the prefix ``/bridge``), ``false``, or a prefix of its own."""
    value = n.get("surface", object)
    if isinstance(value, bool):
        return DEFAULT_PREFIX if value else ""
    if not isinstance(value, str) or not PREFIX.fullmatch(value):
        raise n.error(
            "surface",
            'write surface = true, or an OSC address prefix such as "/bridge" (parts of '
            f"letters, digits, _ and -, each after a '/', none at the end); got {value!r}",
        )
    return value


def oscquery_options(dev: OscDevice, n: Node) -> OscDevice:
    """``oscquery = true`` (the OSC port's number, over TCP), a port, or false; and
    ``oscquery_advertise``, which needs it. The namespace describes the surface, so it
    needs one."""
    value = n.get("oscquery", object) if n.has("oscquery") else False
    if isinstance(value, bool):
        port = dev.port if value else 0
    elif isinstance(value, int) and 1 <= value <= 65535:
        port = value
    else:
        raise n.error("oscquery", f"write true, false or a TCP port 1..65535; got {value!r}")
    advertise = n.get("oscquery_advertise", bool, False)
    if port and not dev.surface:
        raise n.error("oscquery", "OSCQuery describes the OSC surface: add surface = true")
    if advertise and not port:
        raise n.error("oscquery_advertise", "there is nothing to announce: add oscquery = true")
    return replace(dev, oscquery=port, oscquery_advertise=advertise)


def surface_show(show: Show, params: Mapping[str, TargetSpec]) -> SurfaceShow:
    return SurfaceShow(
        prompts=tuple(p.id for p in show.prompts),
        loras=tuple(lo.id for lo in show.loras),
        params=tuple(params),
        pages=bool(show.pages),
        denoising=bool(show.denoising_presets),
    )


def _choices(show: Show, target: str, spec: TargetSpec) -> int:
    """How many choices a number sent to a discrete target indexes (0: names only)."""
    counts = {
        "scene": len(show.scenes),
        "denoising_steps": len(show.denoising_presets),
        "transition.method": 2,
        "page": len(show.pages),
    }
    return counts.get(target, len(spec.choices))


def surface_bindings(show: Show, params: Mapping[str, TargetSpec]) -> tuple[Binding, ...]:
    """One binding per target for every OSC device with a surface, in show order."""
    targets = surface_targets(surface_show(show, params))
    out: list[Binding] = []
    for device in show.osc:
        if not device.surface:
            continue
        for target in targets:
            spec = spec_in(target, params)
            assert spec is not None  # derived from the same vocabulary
            address = address_of(device.surface, target)
            in_range: tuple[float, float] | None = None
            if spec.kind == "continuous" and spec.hi > spec.lo:
                in_range = (spec.lo, spec.hi)
            elif spec.kind == "discrete" and _choices(show, target, spec):
                # index i lands in the middle of its bin: i sent is choice i, exactly
                in_range = (-0.5, _choices(show, target, spec) - 0.5)
            out.append(
                Binding(
                    id=f"{device.name}:{address}",
                    source=Source("osc", device.name, address=address),
                    target=target,
                    in_range=in_range,
                    origin=(show.path, f"devices.osc.{device.name}.surface"),
                    surface=device.name,
                )
            )
    return tuple(out)


def surface_addresses(show: Show, device: str) -> list[str]:
    """The addresses ``device``'s surface answers, in show order (for `check`)."""
    return [b.source.address for b in show.bindings if b.surface == device]

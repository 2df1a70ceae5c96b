"""Reading the show's device and frame-output tables, and checking them against each other.

Each reader takes one merged table (`bridge.config.merge`: an include's profile plus the
show's overrides) and returns its typed device. `check_osc_ports` refuses two listeners on
one port; `check_reachable` asks this machine whether the OSC addresses can be used at all.
"""

from __future__ import annotations

import re
from dataclasses import MISSING, fields, replace
from pathlib import Path
from typing import Any

from bridge.config.addresses import (
    allow_problem,
    listen_problem,
    may_share_port,
    resolve_problem,
)
from bridge.config.mistakes import did_you_mean
from bridge.config.reader import Node
from bridge.config.sources import AUDIO_FEATURES
from bridge.config.surface import oscquery_options, surface_prefix
from bridge.core.show import AudioDevice, MidiDevice, OscDevice, OscTarget, ServerSinkSpec, SinkSpec

ID = re.compile(r"^[A-Za-z_][\w-]*$")
MIDI_APIS = ("UNIX_JACK", "LINUX_ALSA", "MACOSX_CORE", "WINDOWS_MM", "RTMIDI_DUMMY")
"""rtmidi's names; the short names the MIDI layer knows (``jack``, ``alsa``, ...) work too."""


def defaults(cls: Any) -> dict[str, Any]:
    """A typed device's field defaults, read off its dataclass: written there only."""
    return {f.name: f.default for f in fields(cls) if f.default is not MISSING}


_MIDI = defaults(MidiDevice)
_OSC = defaults(OscDevice)
_OSC_TARGET = defaults(OscTarget)
_AUDIO = defaults(AudioDevice)


def _midi_api(n: Node) -> str:
    """The device's MIDI API as rtmidi names it ('' for the platform's own)."""
    from bridge.inputs.midi_ports import API_ALIASES

    value = n.get("api", str, "")
    if not value:
        return ""
    api = API_ALIASES.get(value.lower(), value)
    if api not in MIDI_APIS:
        known = ", ".join((*MIDI_APIS, *API_ALIASES))
        hint = did_you_mean(value, (*MIDI_APIS, *API_ALIASES))
        raise n.error("api", f"must be one of {known}; got {value!r}{hint}")
    return api


def named(node: Node) -> list[tuple[str, Node]]:
    """The tables of ``[devices.KIND]``, each with its name."""
    out = []
    for name in list(node.data):
        if not ID.match(name):
            raise node.error(name, "device names are letters, digits, _ and -")
        out.append((name, node.table(name)))
    return out


def ident(n: Node, key: str) -> str:
    value = n.get(key, str)
    if not ID.match(value):
        raise n.error(key, f"must be letters, digits, _ and - (starting with a letter); {value!r}")
    return value


def relative_to(n: Node, key: str, value: str) -> str:
    """A path as written in the file that set ``key``: relative to that file."""
    if Path(value).is_absolute():
        return value
    return str(Path(n.where(key).file).parent / value)


def midi_device(name: str, n: Node) -> MidiDevice:
    virtual = n.get("virtual", bool, _MIDI["virtual"])
    port = n.get("port", str, "") if virtual else n.get("port", str)
    match = n.choice("match", ("exact", "glob", "regex"), _MIDI["match"])
    if match == "regex":
        try:
            re.compile(port)
        except re.error as exc:
            raise n.error("port", f"not a valid regular expression: {exc}") from exc
    cc14 = n.list_of("cc14", lambda v: isinstance(v, int) and 0 <= v <= 31, "an MSB CC 0..31")
    dev = MidiDevice(
        name=name,
        port=port or f"Scope Bridge {name}",
        match=match,  # type: ignore[arg-type]
        api=_midi_api(n),
        virtual=virtual,
        feedback=n.get("feedback", bool, _MIDI["feedback"]),
        output_port=n.get("output_port", str, _MIDI["output_port"]),
        cc14=tuple(cc14),
        led_on=n.integer("led_on", _MIDI["led_on"], 0, 127),
        led_off=n.integer("led_off", _MIDI["led_off"], 0, 127),
        led_channel=n.integer("led_channel", _MIDI["led_channel"], 0, 16),
        clock=n.get("clock", bool, _MIDI["clock"]),
    )
    n.done()
    return dev


def osc_device(name: str, n: Node) -> OscDevice:
    targets = []
    for t in n.tables("feedback"):
        host = t.get("host", str, "127.0.0.1")
        if not host:
            raise t.error("host", "give the host feedback goes to (e.g. 127.0.0.1)")
        targets.append(
            OscTarget(
                host, t.integer("port", 0, 1, 65535), t.get("bundles", bool, _OSC_TARGET["bundles"])
            )
        )
        t.done()
    host = n.get("host", str, _OSC["host"])
    if not host:
        raise n.error("host", 'give the address to listen on (e.g. "127.0.0.1")')
    allow = n.list_of("allow", lambda v: isinstance(v, str), "an IP address or network")
    for entry in allow:
        problem = allow_problem(entry)
        if problem:
            raise n.error("allow", problem)
    dev = OscDevice(
        name=name,
        host=host,
        port=n.integer("port", _OSC["port"], 1, 65535),
        allow=tuple(allow),
        feedback=tuple(targets),
        tempo=n.choice("tempo", ("", "ableton", "resolume"), _OSC["tempo"]),  # type: ignore[arg-type]
        surface=surface_prefix(n) if n.has("surface") else "",
    )
    dev = oscquery_options(dev, n)
    n.done()
    return dev


def check_osc_ports(devices: dict[str, OscDevice], nodes: dict[str, Node]) -> None:
    """Two OSC devices cannot listen on one port: the second would never open."""
    seen: list[OscDevice] = []
    for dev in devices.values():
        for other in seen:
            if dev.port == other.port and may_share_port(dev.host, other.host):
                raise nodes[dev.name].error(
                    "port",
                    f"port {dev.port} is OSC device {other.name!r}'s already "
                    "(each OSC device needs a port of its own)",
                )
            same_http = dev.oscquery and dev.oscquery == other.oscquery
            if same_http and may_share_port(dev.host, other.host):
                raise nodes[dev.name].error(
                    "oscquery",
                    f"TCP port {dev.oscquery} already serves the OSCQuery of OSC device "
                    f"{other.name!r} (give oscquery another port)",
                )
        seen.append(dev)


def check_reachable(devices: dict[str, OscDevice], nodes: dict[str, Node]) -> None:
    """Every OSC listen address is one of this machine's, every feedback host resolves."""
    for dev in devices.values():
        n = nodes[dev.name]
        problem = listen_problem(dev.host)
        if problem:
            raise n.error("host", problem)
        for i, target in enumerate(dev.feedback):
            problem = resolve_problem(target.host)
            if problem:
                raise n.error(f"feedback[{i}].host", problem)


def audio_device(name: str, n: Node) -> AudioDevice:
    features: tuple[tuple[str, str], ...] = ()
    if n.has("features"):
        table = n.table("features")
        features = tuple(table.items(str))
        for feature, address in features:
            if feature not in AUDIO_FEATURES:
                raise table.error(feature, f"not a feature; one of {', '.join(AUDIO_FEATURES)}")
            if not address.startswith("/"):
                raise table.error(feature, f"an OSC address starts with '/'; got {address!r}")
    dev = AudioDevice(
        name=name,
        input=n.get("input", str, _AUDIO["input"]),
        file=n.get("file", str, _AUDIO["file"]),
        realtime=n.get("realtime", bool, _AUDIO["realtime"]),
        sample_rate=n.integer("sample_rate", _AUDIO["sample_rate"], 8000, 192000),
        block_size=n.integer("block_size", _AUDIO["block_size"], 64, 8192),
        osc=n.get("osc", str, _AUDIO["osc"]),
        features=features,
    )
    given = [key for key in ("input", "file", "osc") if getattr(dev, key)]
    if len(given) > 1:
        raise n.error(given[1], f"an audio device takes one of input, file or osc, not {given}")
    if dev.osc and not dev.features:
        raise n.error("osc", "features from OSC need a `features` table (feature = address)")
    if dev.file:
        dev = replace(dev, file=relative_to(n, "file", dev.file))
    n.done()
    return dev


_SINK_OPTIONS: dict[str, dict[str, type]] = {
    "ndi": {"source_name": str, "pixel_format": str, "groups": str},
    "syphon": {"server_name": str},
    "spout": {"sender_name": str, "pixel_format": str},
    "record": {"path": str, "bit_rate": int},
    "v4l2": {"device": str},
}


def sink(n: Node) -> SinkSpec:
    kind = n.choice("kind", tuple(_SINK_OPTIONS))
    name = ident(n, "name")
    enabled = n.get("enabled", bool, True)
    options: dict[str, Any] = {}
    for key, kind_of in _SINK_OPTIONS[kind].items():
        if n.has(key):
            options[key] = n.get(key, kind_of)
    if kind == "record" and "path" in options:
        options["path"] = relative_to(n, "path", options["path"])
    target = ident(n, "target") if n.has("target") else ""
    n.done()
    return SinkSpec(kind, name, enabled, options, target)  # type: ignore[arg-type]


def server_sink(n: Node) -> ServerSinkSpec:
    spec = ServerSinkSpec(
        n.choice("kind", ("ndi", "spout", "syphon")),  # type: ignore[arg-type]
        n.get("name", str, "Scope"),
        n.get("enabled", bool, True),
    )
    n.done()
    return spec

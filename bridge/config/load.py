"""Load a show: the root TOML file and its includes, validated strictly into `model.Show`.

Includes are resolved relative to the file that names them and read depth-first; lists
(prompts, scenes, loras, mappings) concatenate in include order, tables (scope, output,
devices) merge key by key with the including file winning. A file included twice is read
once; a cycle is an error.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

from bridge.config.model import (
    AudioDevice,
    Binding,
    LoraSlot,
    MidiDevice,
    OscDevice,
    OscTarget,
    OutputConfig,
    PromptSlot,
    Scene,
    ScopeConfig,
    ServerSinkSpec,
    Show,
    SinkSpec,
)
from bridge.config.reader import Node
from bridge.config.sources import AUDIO_FEATURES, read_binding
from bridge.errors import ConfigError

SCHEMA = 1
_ID = re.compile(r"^[A-Za-z_][\w-]*$")
_INITIAL_KEYS = {
    "input_mode",
    "prompt_interpolation_method",
    "denoising_step_list",
    "manage_cache",
    "kv_cache_attention_bias",
    "noise_scale",
    "noise_controller",
    "vace_context_scale",
    "recording",
    "output_sinks",
    "lora_scales",
}


def _parse(path: Path) -> tuple[dict[str, Any], str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), "", f"cannot read the file ({exc.strerror})") from exc
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line = int(m.group(1)) if m else None
        message = re.sub(r"\s*\(at .*\)$", "", str(exc))
        raise ConfigError(str(path), "", f"not valid TOML: {message}", line) from exc


def _collect(path: Path, seen: list[Path], stack: tuple[Path, ...]) -> list[Node]:
    """Every file of the show as a Node, includes first, each file once."""
    path = path.resolve()
    if path in stack:
        chain = " → ".join(p.name for p in (*stack, path))
        raise ConfigError(str(path), "include", f"includes itself ({chain})")
    if path in seen:
        return []
    seen.append(path)
    data, text = _parse(path)
    node = Node(data, str(path), text)
    schema = node.get("schema", int, SCHEMA)
    if schema != SCHEMA:
        raise node.error("schema", f"this bridge reads schema {SCHEMA}, not {schema}")
    includes = node.list_of("include", lambda v: isinstance(v, str), "a file path")
    nodes: list[Node] = []
    for name in includes:
        child = path.parent / name
        if not child.exists():
            raise node.error("include", f"included file not found: {child}")
        nodes += _collect(child, seen, (*stack, path))
    return [*nodes, node]


def load_show(path: str | Path, *, fragment: bool = False) -> Show:
    """Read and validate a show file with its includes; raises ConfigError.

    ``fragment=True`` accepts a file meant to be included (a controller profile, a host
    preset) that declares no prompt slots of its own.
    """
    root = Path(path)
    if not root.exists():
        raise ConfigError(str(root), "", "file not found")
    files: list[Path] = []
    nodes = _collect(root, files, ())
    scope: dict[str, Any] = {}
    output: dict[str, Any] = {}
    transition: dict[str, Any] = {}
    prompts: list[PromptSlot] = []
    scenes: list[Scene] = []
    loras: list[LoraSlot] = []
    midi: dict[str, MidiDevice] = {}
    osc: dict[str, OscDevice] = {}
    audio: dict[str, AudioDevice] = {}
    audio_nodes: dict[str, Node] = {}
    raw_bindings: list[Node] = []
    sinks: dict[str, SinkSpec] = {}
    server_sinks: list[ServerSinkSpec] = []
    start_scene = ""
    presets: tuple[tuple[int, ...], ...] = ()
    for node in nodes:
        if node.has("scope"):
            scope.update(_scope_fields(node.table("scope")))
        if node.has("output"):
            output.update(_output_fields(node.table("output")))
        if node.has("transition"):
            transition.update(_transition_fields(node.table("transition")))
        start_scene = node.get("start_scene", str, start_scene)
        if node.has("denoising_presets"):
            presets = _presets(node)
        prompts += [_prompt(n) for n in node.tables("prompts")]
        scenes += [_scene(n) for n in node.tables("scenes")]
        loras += [_lora(n) for n in node.tables("loras")]
        devices = node.table("devices")
        midi.update((n, _midi(n, d)) for n, d in _named(devices.table("midi")))
        osc.update((n, _osc(n, d)) for n, d in _named(devices.table("osc")))
        for name, d in _named(devices.table("audio")):
            audio[name] = _audio(name, d)
            audio_nodes[name] = d
        devices.done()
        raw_bindings += node.tables("mappings")
        for n in node.tables("sinks"):
            sink = _sink(n)
            sinks[sink.name] = sink
        server_sinks += [_server_sink(n) for n in node.tables("server_sinks")]
        node.done()
    for name, dev in audio.items():
        if dev.osc and dev.osc not in osc:
            known = ", ".join(osc) or "none"
            raise audio_nodes[name].error(
                "osc", f"no OSC device {dev.osc!r} (OSC devices: {known})"
            )
    show = Show(
        path=str(root.resolve()),
        files=tuple(str(f) for f in files),
        scope=ScopeConfig(**scope),
        output=OutputConfig(**output),
        prompts=tuple(prompts),
        scenes=tuple(scenes),
        loras=tuple(loras),
        midi=tuple(midi.values()),
        osc=tuple(osc.values()),
        audio=tuple(audio.values()),
        bindings=(),
        sinks=tuple(sinks.values()),
        server_sinks=tuple(server_sinks),
        transition_steps=transition.get("num_steps", 8),
        transition_method=transition.get("method", "linear"),
        quantize=transition.get("quantize", "off"),
        lookahead_ms=transition.get("lookahead_ms", 375.0),
        start_scene=start_scene,
        denoising_presets=presets,
    )
    bindings = tuple(read_binding(n, i, show) for i, n in enumerate(raw_bindings))
    _check_references(show, nodes[-1], fragment)
    return _replace_bindings(show, bindings)


def _replace_bindings(show: Show, bindings: tuple[Binding, ...]) -> Show:
    from dataclasses import replace

    seen: dict[str, Binding] = {}
    for b in bindings:
        if b.id in seen:
            raise ConfigError(b.origin[0], b.origin[1], f"mapping id {b.id!r} is used twice")
        seen[b.id] = b
    return replace(show, bindings=bindings)


def _named(node: Node) -> list[tuple[str, Node]]:
    out = []
    for name, _ in list(node.data.items()):
        if not _ID.match(name):
            raise node.error(name, "device names are letters, digits, _ and -")
        out.append((name, node.table(name)))
    return out


def _scope_fields(n: Node) -> dict[str, Any]:
    f: dict[str, Any] = {}
    if n.has("url"):
        url = n.get("url", str)
        if not re.match(r"^https?://[^/\s]+", url):
            raise n.error("url", f"must start with http:// or https:// and a host; got {url!r}")
        f["url"] = url.rstrip("/")
    if n.has("pipeline"):
        f["pipeline"] = n.get("pipeline", str)
    for dim in ("width", "height"):
        if n.has(dim):
            value = n.integer(dim, 0, 64, 4096)
            if value % 64:
                raise n.error(dim, f"must be a multiple of 64 (Scope's rule); got {value}")
            f[dim] = value
    if n.has("transport"):
        f["transport"] = n.choice("transport", ("webrtc", "rest"))
    if n.has("token_env"):
        f["token_env"] = n.get("token_env", str)
    if n.has("frames_per_chunk"):
        f["frames_per_chunk"] = n.integer("frames_per_chunk", 12, 1, 240)
    if n.has("chunk_rate_hz"):
        f["chunk_rate_hz"] = n.number("chunk_rate_hz", 0.0, 0.0, 60.0)
    if n.has("idle_chunk_rate_hz"):
        f["idle_chunk_rate_hz"] = n.number("idle_chunk_rate_hz", 1.3, 0.1, 60.0)
    if n.has("watchdog_s"):
        f["watchdog_s"] = n.number("watchdog_s", 2.0, 0.2, 60.0)
    if n.has("ice_servers"):
        urls = n.list_of("ice_servers", lambda v: isinstance(v, str), "a STUN/TURN URL")
        f["ice_servers"] = tuple(urls)
    if n.has("initial"):
        initial = n.table("initial")
        for key in initial.data:
            if key not in _INITIAL_KEYS:
                raise initial.error(key, f"not a Scope parameter this bridge sends ({key!r})")
        if "noise_scale" in initial.data and initial.data.get("input_mode", "text") == "text":
            raise initial.error("noise_scale", "Scope ignores noise_scale in text mode")
        f["initial"] = dict(initial.data)
        initial.data.clear()
    n.done()
    return f


def _output_fields(n: Node) -> dict[str, Any]:
    f: dict[str, Any] = {}
    if n.has("max_rate_hz"):
        f["max_rate_hz"] = n.number("max_rate_hz", 30.0, 0.5, 30.0)
    if n.has("inflight_budget"):
        f["inflight_budget"] = n.integer("inflight_budget", 1, 1, 6)
    if n.has("weight_quantum"):
        f["weight_quantum"] = n.number("weight_quantum", 0.01, 0.0001, 0.1)
    n.done()
    return f


def _transition_fields(n: Node) -> dict[str, Any]:
    f: dict[str, Any] = {}
    if n.has("num_steps"):
        f["num_steps"] = n.integer("num_steps", 8, 0, 64)
    if n.has("method"):
        f["method"] = n.choice("method", ("linear", "slerp"))
    if n.has("quantize"):
        f["quantize"] = n.choice("quantize", ("off", "beat", "bar"))
    if n.has("lookahead_ms"):
        f["lookahead_ms"] = n.number("lookahead_ms", 375.0, 0.0, 4000.0)
    n.done()
    return f


def _presets(n: Node) -> tuple[tuple[int, ...], ...]:
    raw = n.get("denoising_presets", list)
    presets = []
    for i, steps in enumerate(raw):
        ok = isinstance(steps, list) and steps and all(isinstance(s, int) for s in steps)
        if not ok or any(not 0 <= s <= 1000 for s in steps) or steps != sorted(steps)[::-1]:
            raise n.error(
                f"denoising_presets[{i}]", "each preset is a descending list of ints in 0..1000"
            )
        if len(set(steps)) != len(steps):
            raise n.error(f"denoising_presets[{i}]", "steps must be strictly descending")
        presets.append(tuple(steps))
    return tuple(presets)


def _ident(n: Node, key: str) -> str:
    value = n.get(key, str)
    if not _ID.match(value):
        raise n.error(key, f"must be letters, digits, _ and - (starting with a letter); {value!r}")
    return value


def _prompt(n: Node) -> PromptSlot:
    slot = PromptSlot(_ident(n, "id"), n.get("text", str), n.number("weight", 1.0, 0.0, 1.0))
    n.done()
    return slot


def _scene(n: Node) -> Scene:
    name = _ident(n, "name")
    weights = n.table("weights")
    pairs = dict(weights.items(float))
    for k, v in pairs.items():
        if not 0.0 <= v <= 1.0:
            raise weights.error(k, f"a weight is between 0 and 1; got {v:g}")
    texts = dict(n.table("texts").items(str))
    steps = n.integer("num_steps", -1, -1, 64) if n.has("num_steps") else None
    method = n.choice("method", ("linear", "slerp")) if n.has("method") else None
    n.done()
    return Scene(name, pairs, texts, steps, method)  # type: ignore[arg-type]


def _lora(n: Node) -> LoraSlot:
    slot = LoraSlot(_ident(n, "id"), n.get("path", str), n.number("scale", 1.0, -10.0, 10.0))
    n.done()
    return slot


def _midi(name: str, n: Node) -> MidiDevice:
    virtual = n.get("virtual", bool, False)
    port = n.get("port", str, "") if virtual else n.get("port", str)
    match = n.choice("match", ("exact", "glob", "regex"), "exact")
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
        api=n.choice(
            "api", ("", "UNIX_JACK", "LINUX_ALSA", "MACOSX_CORE", "WINDOWS_MM", "RTMIDI_DUMMY"), ""
        ),
        virtual=virtual,
        feedback=n.get("feedback", bool, True),
        output_port=n.get("output_port", str, ""),
        cc14=tuple(cc14),
        led_on=n.integer("led_on", 127, 0, 127),
        led_off=n.integer("led_off", 0, 0, 127),
        led_channel=n.integer("led_channel", 0, 0, 16),
        clock=n.get("clock", bool, False),
    )
    n.done()
    return dev


def _osc(name: str, n: Node) -> OscDevice:
    targets = []
    for t in n.tables("feedback"):
        targets.append(
            OscTarget(
                t.get("host", str, "127.0.0.1"),
                t.integer("port", 0, 1, 65535),
                t.get("bundles", bool, False),
            )
        )
        t.done()
    dev = OscDevice(
        name=name,
        host=n.get("host", str, "127.0.0.1"),
        port=n.integer("port", 9000, 1, 65535),
        allow=tuple(n.list_of("allow", lambda v: isinstance(v, str), "an IP address")),
        feedback=tuple(targets),
        tempo=n.choice("tempo", ("", "ableton", "resolume"), ""),  # type: ignore[arg-type]
    )
    n.done()
    return dev


def _audio(name: str, n: Node) -> AudioDevice:
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
        input=n.get("input", str, ""),
        file=n.get("file", str, ""),
        realtime=n.get("realtime", bool, True),
        sample_rate=n.integer("sample_rate", 48000, 8000, 192000),
        block_size=n.integer("block_size", 512, 64, 8192),
        osc=n.get("osc", str, ""),
        features=features,
    )
    given = [key for key in ("input", "file", "osc") if getattr(dev, key)]
    if len(given) > 1:
        raise n.error(given[1], f"an audio device takes one of input, file or osc, not {given}")
    if dev.osc and not dev.features:
        raise n.error("osc", "features from OSC need a `features` table (feature = address)")
    if dev.file and not Path(dev.file).is_absolute():
        dev = replace(dev, file=str(Path(n.file).parent / dev.file))
    n.done()
    return dev


_SINK_OPTIONS: dict[str, dict[str, type]] = {
    "ndi": {"source_name": str, "pixel_format": str, "groups": str},
    "syphon": {"server_name": str},
    "spout": {"sender_name": str, "pixel_format": str},
    "record": {"path": str, "bit_rate": int},
    "v4l2": {"device": str},
}


def _sink(n: Node) -> SinkSpec:
    kind = n.choice("kind", tuple(_SINK_OPTIONS))
    name = _ident(n, "name")
    enabled = n.get("enabled", bool, True)
    options: dict[str, Any] = {}
    for key, kind_of in _SINK_OPTIONS[kind].items():
        if n.has(key):
            options[key] = n.get(key, kind_of)
    if kind == "record" and "path" in options and not Path(options["path"]).is_absolute():
        options["path"] = str(Path(n.file).parent / options["path"])
    n.done()
    return SinkSpec(kind, name, enabled, options)  # type: ignore[arg-type]


def _server_sink(n: Node) -> ServerSinkSpec:
    spec = ServerSinkSpec(
        n.choice("kind", ("ndi", "spout", "syphon")),  # type: ignore[arg-type]
        n.get("name", str, "Scope"),
        n.get("enabled", bool, True),
    )
    n.done()
    return spec


def _check_references(show: Show, root: Node, fragment: bool) -> None:
    ids = [p.id for p in show.prompts]
    for dup in {i for i in ids if ids.count(i) > 1}:
        raise root.error("prompts", f"prompt id {dup!r} is declared twice")
    names = [s.name for s in show.scenes]
    for dup in {s for s in names if names.count(s) > 1}:
        raise root.error("scenes", f"scene {dup!r} is declared twice")
    for i, scene in enumerate(show.scenes):
        for slot in (*scene.weights, *scene.texts):
            if slot not in ids:
                raise root.error(f"scenes[{i}]", f"scene {scene.name!r} names no prompt {slot!r}")
    if show.start_scene and show.start_scene not in names:
        raise root.error("start_scene", f"no scene named {show.start_scene!r}")
    if not show.prompts and not fragment:
        raise root.error("prompts", "a show needs at least one prompt slot ([[prompts]])")

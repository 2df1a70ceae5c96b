"""Load a show: the root TOML file and its includes, validated strictly into `model.Show`.

Includes are resolved relative to the file that names them and read depth-first; lists
(prompts, scenes, loras, mappings, server_sinks) concatenate in include order; tables (scope,
output, transition, every device, a frame output of the same name) merge key by key, the
including file winning (`bridge.config.merge`), and are validated once merged, so an error
names the file that set the key. A file included twice is read once; a cycle is an error.
Every file is read as `bridge.config.files` allows: a regular file of at most 1 MiB.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from bridge.config.addresses import shown_url, url_problem
from bridge.config.device_tables import (
    audio_device,
    check_osc_ports,
    check_reachable,
    ident,
    midi_device,
    named,
    osc_device,
    server_sink,
    sink,
)
from bridge.config.files import read_show_text
from bridge.config.merge import Where, merge_value
from bridge.config.model import (
    AudioDevice,
    Binding,
    LoraSlot,
    MidiDevice,
    OscDevice,
    OutputConfig,
    PromptSlot,
    Scene,
    ScopeConfig,
    ServerSinkSpec,
    Show,
)
from bridge.config.reader import Node, locate
from bridge.config.sources import read_binding
from bridge.errors import ConfigError

SCHEMA = 1
_TABLES = ("scope", "output", "transition", "devices")
"""Top-level tables that merge across files (named [[sinks]] merge too, by name)."""
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
_DEEP_KEY = re.compile(r"(?<![\w\"'-])(?:[\w\"'-]+[ \t]*\.[ \t]*){64}")
"""64 dotted key parts in a row: tomllib's time and memory grow with the square of the depth
(20,000 parts, a 40 KB line, took 14 s and 1.5 GB), so such a file is refused unparsed."""
Reading = Callable[[Path], None]
"""Told each file just before it is opened (a reader that times out says which file)."""


def _parse(path: Path, reading: Reading | None) -> tuple[dict[str, Any], str]:
    if reading is not None:
        reading(path)
    text = read_show_text(path)
    deep = _DEEP_KEY.search(text)
    if deep:
        at_line = text.count("\n", 0, deep.start()) + 1
        raise ConfigError(str(path), "", "has a key nested more than 64 levels deep", at_line)
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise ConfigError(str(path), "", "nests arrays or tables too deeply") from None
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line = int(m.group(1)) if m else None
        message = re.sub(r"\s*\(at .*\)$", "", str(exc))
        raise ConfigError(str(path), "", f"not valid TOML: {message}", line) from exc
    bad = _non_finite(data, "")
    if bad is not None:
        raise ConfigError(
            str(path), bad, "must be a finite number (not nan or inf)", locate(text, bad)
        )
    return data, text


def _non_finite(value: Any, path: str) -> str | None:
    """The key path of the first nan or inf anywhere in the parsed file (TOML allows them;
    no setting of a show means one), or None."""
    if isinstance(value, float):
        return None if math.isfinite(value) else path
    if isinstance(value, dict):
        items: Any = ((f"{path}.{k}" if path else str(k), v) for k, v in value.items())
    elif isinstance(value, list):
        items = ((f"{path}[{i}]", v) for i, v in enumerate(value))
    else:
        return None
    for key, item in items:
        found = _non_finite(item, key)
        if found is not None:
            return found
    return None


def _collect(
    path: Path, seen: list[Path], stack: tuple[Path, ...], reading: Reading | None
) -> list[Node]:
    """Every file of the show as a Node, includes first, each file once."""
    path = Path(os.path.realpath(path))  # never raises, even on a symlink loop (opening does)
    if path in stack:
        chain = " → ".join(p.name for p in (*stack, path))
        raise ConfigError(str(path), "include", f"includes itself ({chain})")
    if path in seen:
        return []
    data, text = _parse(path, reading)
    seen.append(path)
    node = Node(data, str(path), text)
    schema = node.get("schema", int, SCHEMA)
    if schema != SCHEMA:
        raise node.error("schema", f"this bridge reads schema {SCHEMA}, not {schema}")
    includes = node.list_of("include", lambda v: isinstance(v, str), "a file path")
    nodes: list[Node] = []
    for name in includes:
        child = path.parent / name
        if not os.path.lexists(child):
            raise node.error("include", f"included file not found: {child}")
        nodes += _collect(child, seen, (*stack, path), reading)
    return [*nodes, node]


def load_show(
    path: str | Path,
    *,
    fragment: bool = False,
    resolve: bool = False,
    reading: Reading | None = None,
) -> Show:
    """Read and validate a show file with its includes; raises ConfigError.

    ``fragment=True`` accepts a file meant to be included (a controller profile, a host
    preset) that declares no prompt slots of its own. ``resolve=True`` also asks this
    machine whether the OSC addresses can be used (names resolve, listen addresses are
    ours): what `check` and a reload do before anything is opened; it may wait on DNS.
    """
    files: list[Path] = []
    nodes = _collect(Path(path), files, (), reading)
    merged: dict[str, Any] = {}
    merged_at: dict[str, Where] = {}
    sink_tables: dict[str, Any] = {}
    sinks_at: dict[str, Where] = {}
    prompts: list[PromptSlot] = []
    scenes: list[Scene] = []
    loras: list[LoraSlot] = []
    raw_bindings: list[Node] = []
    server_sinks: list[ServerSinkSpec] = []
    start_scene = ""
    presets: tuple[tuple[int, ...], ...] = ()
    for node in nodes:
        for key in _TABLES:
            if node.has(key):
                at = node.where(key)
                merge_value(merged, merged_at, key, node.get(key, dict), at)
        start_scene = node.get("start_scene", str, start_scene)
        if node.has("denoising_presets"):
            presets = _presets(node)
        prompts += [_prompt(n) for n in node.tables("prompts")]
        scenes += [_scene(n) for n in node.tables("scenes")]
        loras += [_lora(n) for n in node.tables("loras")]
        raw_bindings += node.tables("mappings")
        for n in node.tables("sinks"):
            name = ident(n, "name")
            at = Where(n.file, n.text, n.path)
            merge_value(sink_tables, sinks_at, name, {"name": name, **n.data}, at)
        server_sinks += [server_sink(n) for n in node.tables("server_sinks")]
        node.done()
    top = nodes[-1]
    tables = Node(merged, top.file, top.text, "", merged_at)
    scope = _scope_fields(tables.table("scope"))
    output = _output_fields(tables.table("output"))
    transition = _transition_fields(tables.table("transition"))
    devices = tables.table("devices")
    midi: dict[str, MidiDevice] = {}
    for name, d in named(devices.table("midi")):
        midi[name] = midi_device(name, d)
    osc: dict[str, OscDevice] = {}
    osc_nodes: dict[str, Node] = {}
    for name, d in named(devices.table("osc")):
        osc[name], osc_nodes[name] = osc_device(name, d), d
    audio: dict[str, AudioDevice] = {}
    audio_nodes: dict[str, Node] = {}
    for name, d in named(devices.table("audio")):
        audio[name], audio_nodes[name] = audio_device(name, d), d
    devices.done()
    tables.done()
    check_osc_ports(osc, osc_nodes)
    for name, dev in audio.items():
        if dev.osc and dev.osc not in osc:
            known = ", ".join(osc) or "none"
            raise audio_nodes[name].error(
                "osc", f"no OSC device {dev.osc!r} (OSC devices: {known})"
            )
    sinks_node = Node(sink_tables, top.file, top.text, "", sinks_at)
    show = Show(
        path=str(Path(os.path.realpath(path))),
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
        sinks=tuple(sink(sinks_node.table(name)) for name in sink_tables),
        server_sinks=tuple(server_sinks),
        transition_steps=transition.get("num_steps", 8),
        transition_method=transition.get("method", "linear"),
        quantize=transition.get("quantize", "off"),
        lookahead_ms=transition.get("lookahead_ms", 375.0),
        start_scene=start_scene,
        denoising_presets=presets,
    )
    bindings = tuple(read_binding(n, i, show) for i, n in enumerate(raw_bindings))
    _check_references(show, top, fragment)
    show = _replace_bindings(show, bindings)
    if resolve:
        check_reachable(osc, osc_nodes)
    return show


def _replace_bindings(show: Show, bindings: tuple[Binding, ...]) -> Show:
    seen: dict[str, Binding] = {}
    for b in bindings:
        if b.id in seen:
            raise ConfigError(b.origin[0], b.origin[1], f"mapping id {b.id!r} is used twice")
        seen[b.id] = b
    return replace(show, bindings=bindings)


def _scope_fields(n: Node) -> dict[str, Any]:
    f: dict[str, Any] = {}
    if n.has("url"):
        url = n.get("url", str)
        problem = url_problem(url)
        if problem:
            raise n.error("url", f"{shown_url(url)!r} {problem}")
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


def _prompt(n: Node) -> PromptSlot:
    slot = PromptSlot(ident(n, "id"), n.get("text", str), n.number("weight", 1.0, 0.0, 1.0))
    n.done()
    return slot


def _scene(n: Node) -> Scene:
    name = ident(n, "name")
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
    slot = LoraSlot(ident(n, "id"), n.get("path", str), n.number("scale", 1.0, -10.0, 10.0))
    n.done()
    return slot


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

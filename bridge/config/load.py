"""Load a show: the root TOML file and its includes, validated strictly into `core.show.Show`.

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

from bridge.config import show_tables as tables_of
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
from bridge.config.mistakes import Mistakes, did_you_mean
from bridge.config.pages import check_layers, check_show_pages, show_pages
from bridge.config.param_targets import show_params
from bridge.config.reader import Node, locate
from bridge.config.sources import read_binding
from bridge.config.surface import surface_bindings
from bridge.config.syntax import explain
from bridge.config.targets import check_routing, read_targets
from bridge.core.bindings import Binding
from bridge.core.show import (
    LOOKAHEAD_MS,
    TEMPO_ORDER,
    TRANSITION_STEPS,
    AudioDevice,
    LoraSlot,
    MidiDevice,
    OscDevice,
    OutputConfig,
    PromptSlot,
    Scene,
    ScopeConfig,
    ServerSinkSpec,
    Show,
    TempoConfig,
)
from bridge.errors import ConfigError

SCHEMA = 1
_TABLES = ("scope", "output", "transition", "tempo", "devices")
"""Top-level tables that merge across files (named [[sinks]] merge too, by name)."""
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
        message = explain(text, re.sub(r"\s*\(at .*\)$", "", str(exc)), line)
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
    """Read and validate a show file with its includes; raises ConfigError (ConfigErrors
    when it found more than one mistake: every entry is read even after one failed).

    ``fragment=True`` accepts a file meant to be included (a controller profile, a host
    preset) that declares no prompt slots of its own. ``resolve=True`` also asks this
    machine whether the OSC addresses can be used (names resolve, listen addresses are
    ours): what `check` and a reload do before anything is opened; it may wait on DNS.
    """
    files: list[Path] = []
    nodes = _collect(Path(path), files, (), reading)  # a file that cannot be read ends it
    mistakes = Mistakes()
    attempt = mistakes.attempt
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
    denoising: tuple[tuple[int, ...], ...] = ()
    pages: list[str] = []
    for node in nodes:
        for key in _TABLES:
            if node.has(key):
                attempt(_merge_table, node, key, merged, merged_at)
        start_scene = attempt(node.get, "start_scene", str, start_scene) or start_scene
        if node.has("denoising_presets"):
            denoising = attempt(tables_of.presets, node) or denoising
        if node.has("pages"):
            pages += attempt(show_pages, node) or []
        # an entry that failed stays as a placeholder of its name: what names it is fine
        prompts.extend(
            attempt(tables_of.prompt, n) or PromptSlot(_name_of(n, "id"), "")
            for n in attempt(node.tables, "prompts") or []
        )
        scenes.extend(
            attempt(tables_of.scene, n) or Scene(_name_of(n, "name"), {})
            for n in attempt(node.tables, "scenes") or []
        )
        loras.extend(
            attempt(tables_of.lora, n) or LoraSlot(_name_of(n, "id"), "")
            for n in attempt(node.tables, "loras") or []
        )
        raw_bindings += attempt(node.tables, "mappings") or []
        for n in attempt(node.tables, "sinks") or []:
            attempt(_merge_sink, n, sink_tables, sinks_at)
        for n in attempt(node.tables, "server_sinks") or []:
            spec = attempt(server_sink, n)
            if spec is not None:
                server_sinks.append(spec)
        attempt(node.done)
    top = nodes[-1]
    tables = Node(merged, top.file, top.text, "", merged_at)
    scope_node = tables.table("scope")
    targets_node = scope_node.table("targets") if scope_node.has("targets") else None
    scope = attempt(tables_of.fields, scope_node, tables_of.SCOPE) or {}
    targets = attempt(read_targets, targets_node, scope) if targets_node is not None else None
    output = attempt(tables_of.fields, tables.table("output"), tables_of.OUTPUT) or {}
    transition = attempt(tables_of.fields, tables.table("transition"), tables_of.TRANSITION) or {}
    tempo = attempt(tables_of.fields, tables.table("tempo"), tables_of.TEMPO) or {}
    if "lookahead_ms" in transition:  # a lookahead written down is meant: fixed, unless told
        tempo = {"send_early": "fixed", **tempo}
    midi, osc, audio, osc_ok = _devices(tables.table("devices"), mistakes)
    attempt(tables.done)
    sinks_node = Node(sink_tables, top.file, top.text, "", sinks_at)
    sinks = [attempt(sink, sinks_node.table(name)) for name in sink_tables]
    show = Show(
        path=str(Path(os.path.realpath(path))),
        files=tuple(str(f) for f in files),
        scope=ScopeConfig(**scope),
        output=OutputConfig(**output),
        prompts=tuple(prompts),
        scenes=tuple(scenes),
        loras=tuple(loras),
        midi=midi,
        osc=osc,
        audio=audio,
        bindings=(),
        sinks=tuple(s for s in sinks if s is not None),
        server_sinks=tuple(server_sinks),
        transition_steps=transition.get("num_steps", TRANSITION_STEPS),
        transition_method=transition.get("method", "linear"),
        quantize=transition.get("quantize", "off"),
        lookahead_ms=transition.get("lookahead_ms", LOOKAHEAD_MS),
        start_scene=start_scene,
        denoising_presets=denoising,
        pages=tuple(dict.fromkeys(pages)),
        tempo=TempoConfig(**tempo),
        targets=targets or (),
    )
    check_show_pages(pages, top, mistakes)
    bindings = _bindings(raw_bindings, show, mistakes)
    check_layers(raw_bindings, bindings, mistakes)
    params, clashes = show_params(bindings)
    for clause in clashes:
        mistakes.add(top.error("mappings", clause))
    _check_references(show, top, fragment, mistakes)
    if show.prompts or not fragment:  # a profile routes to the including show's targets
        check_routing(replace(show, bindings=bindings), top, mistakes)
    if resolve:
        attempt(check_reachable, *osc_ok)
    mistakes.raise_any(n.file for n in nodes)  # includes first, as read
    bindings += surface_bindings(show, params)
    return replace(show, bindings=bindings, params=params)


def _name_of(n: Node, key: str) -> str:
    """An entry's name as written, read before the entry (which may fail) consumes it."""
    value = n.data.get(key)
    return value if isinstance(value, str) else ""


def _merge_table(node: Node, key: str, merged: dict[str, Any], at: dict[str, Where]) -> None:
    merge_value(merged, at, key, node.get(key, dict), node.where(key))


def _merge_sink(n: Node, tables: dict[str, Any], at: dict[str, Where]) -> None:
    name = ident(n, "name")
    merge_value(tables, at, name, {"name": name, **n.data}, Where(n.file, n.text, n.path))


OscChecked = tuple[dict[str, OscDevice], dict[str, Node]]


def _devices(
    devices: Node, mistakes: Mistakes
) -> tuple[tuple[MidiDevice, ...], tuple[OscDevice, ...], tuple[AudioDevice, ...], OscChecked]:
    """Every device; one that failed stays as a placeholder of its name (so a mapping
    naming it is not a second mistake), but only the good OSC ones are checked further."""
    attempt = mistakes.attempt
    midi: dict[str, MidiDevice] = {}
    for name, d in attempt(named, devices.table("midi")) or []:
        midi[name] = attempt(midi_device, name, d) or MidiDevice(name, "")
    osc: dict[str, OscDevice] = {}
    good: dict[str, OscDevice] = {}
    osc_nodes: dict[str, Node] = {}
    for name, d in attempt(named, devices.table("osc")) or []:
        osc_nodes[name] = d
        dev = attempt(osc_device, name, d)
        if dev is not None:
            good[name] = dev
        osc[name] = dev or OscDevice(name)
    audio: dict[str, AudioDevice] = {}
    for name, d in attempt(named, devices.table("audio")) or []:
        dev_a = attempt(audio_device, name, d)
        audio[name] = dev_a or AudioDevice(name)
        if dev_a is not None and dev_a.osc and dev_a.osc not in osc:
            known = ", ".join(osc) or "none"
            hint = did_you_mean(dev_a.osc, osc)
            mistakes.add(
                d.error("osc", f"no OSC device {dev_a.osc!r} (OSC devices: {known}){hint}")
            )
    attempt(devices.done)
    attempt(check_osc_ports, good, osc_nodes)
    return tuple(midi.values()), tuple(osc.values()), tuple(audio.values()), (good, osc_nodes)


def _bindings(raw: list[Node], show: Show, mistakes: Mistakes) -> tuple[Binding, ...]:
    """Every mapping, each named by its id in errors; an id used twice is a mistake."""
    bindings: list[Binding] = []
    first: dict[str, Node] = {}
    for i, n in enumerate(raw):
        mapping_id = _name_of(n, "id") or f"m{i + 1}"
        n.named(f"mappings[{mapping_id}]")
        if mapping_id in first:
            earlier = first[mapping_id]
            line = locate(earlier.text, earlier.path)
            where = f"line {line}" if earlier.file == n.file else f"{earlier.file}:{line}"
            mistakes.add(
                n.error("id", f"mapping id {mapping_id!r} is used twice (first at {where})")
            )
        first.setdefault(mapping_id, n)
        binding = mistakes.attempt(read_binding, n, i, show)  # its other mistakes too
        if binding is not None:
            bindings.append(binding)
    return tuple(bindings)


def _check_references(show: Show, root: Node, fragment: bool, mistakes: Mistakes) -> None:
    ids = [p.id for p in show.prompts if p.id]  # a slot that failed with no id is said already
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        mistakes.add(root.error("prompts", f"prompt id {dup!r} is declared twice"))
    names = [s.name for s in show.scenes if s.name]
    for dup in sorted({s for s in names if names.count(s) > 1}):
        mistakes.add(root.error("scenes", f"scene {dup!r} is declared twice"))
    for i, scene in enumerate(show.scenes):
        for slot in (*scene.weights, *scene.texts):
            if slot not in ids:
                hint = did_you_mean(slot, ids)
                message = f"scene {scene.name!r} names no prompt {slot!r}{hint}"
                mistakes.add(root.error(f"scenes[{i}]", message))
    sources = (
        [d.name for d in show.midi] + [d.name for d in show.osc] + [d.name for d in show.audio]
    )
    for entry in show.tempo.order:
        if entry not in TEMPO_ORDER and entry not in sources:
            hint = did_you_mean(entry, [*sorted(TEMPO_ORDER), *sources])
            message = f"order names {entry!r}, neither a kind of tempo source nor a device{hint}"
            mistakes.add(root.error("tempo", message))
    if show.start_scene and show.start_scene not in names:
        hint = did_you_mean(show.start_scene, names)
        mistakes.add(root.error("start_scene", f"no scene named {show.start_scene!r}{hint}"))
    if not show.prompts and not fragment:
        mistakes.add(root.error("prompts", "a show needs at least one prompt slot ([[prompts]])"))

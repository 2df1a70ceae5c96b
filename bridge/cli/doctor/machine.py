"""Checks of this machine, each narrowed to what the show uses when there is one."""

from __future__ import annotations

import errno
import importlib.metadata as metadata
import socket
import sys
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from bridge.cli.doctor.findings import Finding, Status, TooSlow, bounded
from bridge.core.show import AudioDevice, MidiDevice, OscDevice, Show
from bridge.errors import BridgeError, DeviceError

if TYPE_CHECKING:  # imported lazily below: loading the MIDI layer is a probe of its own
    from bridge.inputs.midi_ports import MidiApi

PROBE_S = 3.0
"""Longest wait for one native probe (a MIDI port list, PortAudio's device scan)."""

SETUP_FIX = "run ./scripts/setup in the checkout (or pip install scope-bridge again)"


def python() -> Finding:
    version = ".".join(map(str, sys.version_info[:3]))  # older ones cannot import us at all
    return Finding("python", "ok", f"Python {version} ({sys.executable})")


def packages() -> Finding:
    """Every runtime dependency installed and within the range the package asks for."""
    try:
        wanted = metadata.requires("scope-bridge") or []
    except metadata.PackageNotFoundError:
        return Finding("packages", "missing", "scope-bridge is not installed", SETUP_FIX)
    from packaging.requirements import Requirement

    found, wrong = [], []
    for line in wanted:
        req = Requirement(line)
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue  # another platform's, or a test extra
        try:
            have = metadata.version(req.name)
        except metadata.PackageNotFoundError:
            wrong.append(f"{req.name} is not installed")
            continue
        if req.specifier and not req.specifier.contains(have, prereleases=True):
            wrong.append(f"{req.name} {have} is not {req.specifier}")
        found.append(f"{req.name} {have}")
    if wrong:
        return Finding("packages", "missing", "; ".join(wrong), SETUP_FIX)
    return Finding("packages", "ok", f"{len(found)} installed: " + ", ".join(found[:6]) + ", …")


def midi(devices: tuple[MidiDevice, ...]) -> list[Finding]:
    """The MIDI API each device uses answers, and each device's port is there now."""
    from bridge.inputs.midi import no_match
    from bridge.inputs.midi_ports import MidiApi, PortPattern

    if not devices:  # nothing needs MIDI: a broken API is worth knowing, not a stop
        found = _midi_api(MidiApi())[0]
        return [replace(found, status="warning") if found.status == "missing" else found]
    findings: list[Finding] = []
    apis: dict[str, tuple[Finding, list[str] | None]] = {}
    for device in devices:
        key = device.api or ""
        if key not in apis:
            apis[key] = _midi_api(MidiApi(device.api or None))
            findings.append(apis[key][0])
        names = apis[key][1]
        area = f"midi {device.name}"
        if device.virtual:
            findings.append(Finding(area, "ok", f"virtual port {device.port or device.name!r}"))
            continue
        if names is None:
            continue  # the API line already says why
        prefix = {"exact": "exact:", "glob": "glob:", "regex": "re:"}[device.match]
        try:
            pattern = PortPattern.parse(prefix + (device.port or device.name))
        except BridgeError as exc:
            findings.append(Finding(area, "missing", str(exc), "fix the port pattern"))
            continue
        port = pattern.first_match(names)
        if port is None:
            fix = "plug the controller in, or set its port (scope-bridge ports lists them)"
            findings.append(Finding(area, "missing", no_match(pattern, names), fix))
        else:
            findings.append(Finding(area, "ok", f"port {port!r}"))
    return findings


def _midi_api(api: MidiApi) -> tuple[Finding, list[str] | None]:
    area = f"midi api {api.label}"
    try:
        names = bounded(api.input_names, PROBE_S)
    except TooSlow as exc:
        return Finding(area, "missing", f"listing ports hung ({exc})", _midi_fix(api.label)), None
    except BridgeError as exc:
        text = str(exc).removeprefix(f"MIDI API {api.label}: ")
        return Finding(area, "missing", text, _midi_fix(api.label)), None
    return Finding(area, "ok", f"{len(names)} input ports"), names


def _midi_fix(label: str) -> str:
    if label == "JACK":
        return "start the JACK server (jackd, or qjackctl), or set the device's api = 'alsa'"
    return "check the MIDI system (aconnect -l on Linux) or pick another api"


def audio(devices: tuple[AudioDevice, ...]) -> list[Finding]:
    """PortAudio loads and each live input is there; each file input is readable."""
    live = [d for d in devices if not d.file and not d.osc]
    findings = [_audio_file(d) for d in devices if d.file]
    if live or not devices:
        findings.extend(_portaudio(live, needed=bool(live)))
    return findings


def _audio_file(device: AudioDevice) -> Finding:
    area = f"audio {device.name}"
    try:
        import soundfile

        info = bounded(lambda: soundfile.info(device.file), PROBE_S)
    except (TooSlow, RuntimeError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return Finding(area, "missing", f"{device.file}: {first}", "point file at a WAV or FLAC")
    return Finding(area, "ok", f"{device.file}: {info.samplerate} Hz, {info.duration:.0f} s")


def _portaudio(live: list[AudioDevice], *, needed: bool) -> list[Finding]:
    from bridge.inputs.audio import find_input_device, portaudio

    absent: Status = "missing" if needed else "warning"

    def scan() -> tuple[list[str], list[str]]:
        sd = portaudio()  # initialised again if this process let go of it
        apis = [str(a["name"]) for a in sd.query_hostapis()]
        inputs = [str(d["name"]) for d in sd.query_devices() if d["max_input_channels"] > 0]
        return apis, inputs

    try:
        apis, inputs = bounded(scan, PROBE_S)
    except (OSError, DeviceError):
        fix = "install the PortAudio library (apt-get install libportaudio2)"
        return [Finding("audio", absent, "PortAudio is not installed", fix)]
    except TooSlow as exc:
        return [Finding("audio", absent, f"PortAudio hung ({exc})", "check the audio server")]
    text = f"PortAudio: {', '.join(apis) or 'no host APIs'}; {len(inputs)} inputs"
    findings = [Finding("audio", "ok" if inputs or not needed else absent, text)]
    if not inputs and needed:
        findings[0] = Finding("audio", "missing", text, "connect an audio interface")
        return findings
    sd = portaudio()
    for device in live:
        area = f"audio {device.name}"
        try:
            bounded(partial(find_input_device, sd, device.input or None), PROBE_S)
        except (BridgeError, TooSlow) as exc:
            findings.append(Finding(area, "missing", str(exc), "set input to one of those"))
        else:
            findings.append(Finding(area, "ok", f"input {device.input or 'default'!r}"))
    return findings


def outputs(show: Show | None) -> list[Finding]:
    """NDI, Syphon and Spout where this platform has them; a show's outputs each."""
    from bridge.sinks.factory import build_sink

    if show is not None and show.sinks:
        findings = []
        for spec in show.sinks:
            area = f"output {spec.name}"
            try:
                sink = build_sink(spec.kind, spec.name, spec.options)
            except BridgeError as exc:
                findings.append(Finding(area, "missing", str(exc), "fix the [[outputs]] entry"))
                continue
            reason = sink.unavailable_reason
            if reason is None:
                findings.append(Finding(area, "ok", f"{spec.kind} can run here"))
            else:
                status: Status = "missing" if spec.enabled else "warning"
                findings.append(
                    Finding(area, status, reason, "disable it or install what it needs")
                )
        return findings
    return [_frame_system(kind) for kind in _PLATFORM_KINDS.get(sys.platform, ("ndi",))]


_PLATFORM_KINDS = {"darwin": ("ndi", "syphon"), "win32": ("ndi", "spout")}


def _frame_system(kind: str) -> Finding:
    from bridge.sinks.factory import build_sink

    reason = build_sink(kind, kind, {}).unavailable_reason
    if reason is None:
        return Finding(f"output {kind}", "ok", f"{kind} output can run here")
    return Finding(f"output {kind}", "warning", reason, "only needed by shows that use it")


def osc_ports(show: Show) -> list[Finding]:
    """Each OSC listen port free now (bound and let go at once), and not where Scope takes
    its own OSC (`config.osc_clash`'s rule, the one `check` and `run` say)."""
    from bridge.config.osc_clash import osc_clashes

    return [
        _osc_port(dev, next(iter(osc_clashes(replace(show, osc=(dev,)))), "")) for dev in show.osc
    ]


def _osc_port(device: OscDevice, clash: str) -> Finding:
    from bridge.cli.porthold import taken

    area = f"osc {device.name}"
    where = f"{device.host}:{device.port}"
    if clash:
        return Finding(area, "missing", f"{where} is Scope's own OSC port", clash.split(": ")[-1])
    try:
        family = socket.AF_INET6 if ":" in device.host else socket.AF_INET
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.bind((device.host, device.port))
    except OSError as exc:
        held = taken(device.port, "udp") if exc.errno == errno.EADDRINUSE else exc.strerror
        return Finding(area, "missing", f"{where}: {held}", "stop what holds it or pick a port")
    return Finding(area, "ok", f"{where} is free")


def runtime_dir() -> Finding:
    from bridge.watch.rundir import private_dir

    try:
        path: Path = private_dir()
    except BridgeError as exc:
        return Finding("runtime dir", "missing", str(exc), "fix or remove that directory")
    return Finding("runtime dir", "ok", f"{path} (private)")

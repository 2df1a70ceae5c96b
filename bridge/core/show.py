"""The typed show: what a validated set of TOML mapping files means.

Everything here is immutable and already checked (bounds, references between sections), so
the core never re-validates. `bridge/config/load.py` builds it; `mappings/README.md` is the
user's reference for the same schema. The mappings themselves are `bridge.core.bindings`.
"""

from __future__ import annotations

from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from bridge.core.bindings import Binding
from bridge.core.targets import TargetSpec

Interpolation = Literal["linear", "slerp"]
INTERPOLATIONS: tuple[Interpolation, ...] = get_args(Interpolation)

# Defaults written once, here: the dataclasses below and the readers in config/ use them.
MAX_RATE_HZ = 30.0
"""The most parameter updates a second the bridge sends Scope: the pacer's ceiling and the
default of ``[output] max_rate_hz``."""
TRANSITION_STEPS = 8
"""Chunks a scene change blends over when neither the scene nor ``[transition]`` says."""
LOOKAHEAD_MS = 375.0
"""How early a quantised change leaves by default, so Scope starts it on the beat (about half
a chunk)."""
PIPELINE = "longlive"
"""The pipeline Scope loads when the show names none."""
WIDTH, HEIGHT = 576, 320
"""The frame size asked of Scope when the show gives none."""
IDLE_CHUNK_RATE_HZ = 1.3
"""Chunks a second assumed while no video flows (``[scope] idle_chunk_rate_hz``)."""
WEIGHT_QUANTUM = 0.01
"""The smallest prompt-weight change worth a message (``[output] weight_quantum``)."""


@dataclass(frozen=True, slots=True)
class ScopeConfig:
    """Where Scope is and what to load."""

    url: str = "http://127.0.0.1:8000"
    pipeline: str = PIPELINE
    width: int = WIDTH
    height: int = HEIGHT
    transport: Literal["webrtc", "rest"] = "webrtc"
    token_env: str = ""
    """Name of an environment variable holding a bearer token (the token is never logged)."""
    frames_per_chunk: int = 0
    """Frames Scope generates per pipeline call (one parameter update is applied per chunk);
    0 = the figure of the known pipeline (`bridge.scope.pipelines`)."""
    chunk_rate_hz: float = 0.0
    """Fixed chunk rate, paced by the clock alone; 0 = pace by the frames Scope sends."""
    idle_chunk_rate_hz: float = IDLE_CHUNK_RATE_HZ
    """Chunk rate assumed while no video flows."""
    watchdog_s: float = 2.0
    start_session: bool = False
    """With ``transport = "rest"``: start a headless session (``session/start``, Scope 0.1.8+)
    of ``pipeline`` whenever none is open, instead of only saying that none is."""
    ice_servers: tuple[str, ...] | None = None
    """STUN/TURN URLs; None = ask the server; empty = none at all."""
    ice_username: str = ""
    """TURN username for the TURN URLs in ``ice_servers``."""
    ice_credential_env: str = ""
    """Name of an environment variable holding the TURN credential (never in the show file)."""
    ice_relay: Literal["auto", "off", "tcp", "tls"] = "auto"
    """Relay only, through a TURN server over TCP or TLS: for a Scope no UDP reaches; ``auto``
    relays over TCP once a connection failed while such a server was on offer."""
    initial: MappingABC[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TargetConfig:
    """One Scope server a show drives (`[scope.targets.NAME]`): its own settings, each key it
    does not set taken from ``[scope]``. A show without targets tables has one, ``scope``."""

    name: str
    scope: ScopeConfig


PLAIN_TARGET = "scope"
"""The name of the one target of a show with a plain ``[scope]`` and no targets tables."""


@dataclass(frozen=True, slots=True)
class OutputConfig:
    """How the pacer talks to Scope."""

    max_rate_hz: float = MAX_RATE_HZ
    inflight_budget: int = 1
    weight_quantum: float = WEIGHT_QUANTUM


TEMPO_ORDER = ("link", "midi", "osc", "scope", "audio", "tap")
"""Who leads the tempo by default: the room's Link session first, then a DAW's MIDI clock, a
host over OSC, Scope's own clock, the bridge's ear, and last the performer's taps."""


@dataclass(frozen=True, slots=True)
class TempoConfig:
    """Where the bridge's tempo comes from (`[tempo]`): Ableton Link, and who leads."""

    link: bool = False
    """Join the Ableton Link session on this machine's network."""
    link_set: bool = False
    """Let taps and tempo actions set the Link session's tempo (everyone's), not only ours."""
    quantum: int = 4
    """Beats per bar, as Link peers agree on phase."""
    start_stop: bool = True
    """Follow Link's start/stop: while peers stop the transport, Link gives no beats."""
    order: tuple[str, ...] = TEMPO_ORDER
    """Which source leads when several are live (kinds or source names, first leads)."""
    quantize_by: Literal["bridge", "scope"] = "bridge"
    """Who holds a quantised scene change for its beat: the bridge, or Scope's own scheduler
    (``_quantized``, v0.1.8+ with its tempo sync on; otherwise the bridge does, and says so)."""
    send_early: Literal["predicted", "fixed"] = "predicted"
    """How early a quantised change leaves: by the latency the pacer predicts, or by exactly
    ``[transition] lookahead_ms`` (as before)."""
    frame_delay_ms: float = 0.0
    """From Scope taking an update to the first frame showing it leaving Scope (added to the
    predicted latency)."""


@dataclass(frozen=True, slots=True)
class PromptSlot:
    id: str
    text: str
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class Scene:
    name: str
    weights: MappingABC[str, float]
    """Prompt slot id → weight; slots not named go to 0."""
    texts: MappingABC[str, str] = field(default_factory=dict)
    """Optional new texts for slots while this scene is active."""
    num_steps: int | None = None
    method: Interpolation | None = None
    targets: tuple[str, ...] = ()
    """The Scope targets this scene goes to; empty: every target."""
    per_target: MappingABC[str, SceneLook] = field(default_factory=dict)
    """Target name → the weights and texts that target shows instead (`[scenes.per_target.X]`)."""


@dataclass(frozen=True, slots=True)
class SceneLook:
    """A scene's prompts as one target shows them: slots it names replace the scene's."""

    weights: MappingABC[str, float] = field(default_factory=dict)
    texts: MappingABC[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LoraSlot:
    id: str
    path: str
    scale: float = 1.0


@dataclass(frozen=True, slots=True)
class MidiDevice:
    name: str
    port: str
    match: Literal["exact", "glob", "regex"] = "exact"
    api: str = ""
    """rtmidi API (e.g. UNIX_JACK, LINUX_ALSA, MACOSX_CORE, WINDOWS_MM); empty = default."""
    virtual: bool = False
    feedback: bool = True
    output_port: str = ""
    """Port for LED/motor feedback when it differs from the input port's name."""
    cc14: tuple[int, ...] = ()
    """MSB controller numbers (0..31) that this device sends as 14-bit pairs."""
    led_on: int = 127
    led_off: int = 0
    led_channel: int = 0
    """MIDI channel (1..16) for LED feedback; 0 = the control's own channel."""
    clock: bool = False
    """Follow this device's MIDI clock as a tempo source."""


@dataclass(frozen=True, slots=True)
class OscTarget:
    host: str
    port: int
    bundles: bool = False


@dataclass(frozen=True, slots=True)
class OscDevice:
    name: str
    host: str = "127.0.0.1"
    port: int = 9000
    allow: tuple[str, ...] = ()
    feedback: tuple[OscTarget, ...] = ()
    tempo: Literal["", "ableton", "resolume"] = ""
    """Read this host's tempo/beat messages as a tempo source."""
    surface: str = ""
    """The prefix of the default surface (every target at PREFIX/a/b/c); empty: none."""
    oscquery: int = 0
    """The TCP port of the surface's OSCQuery namespace (`bridge.running.oscquery`); 0: none."""
    oscquery_advertise: bool = False
    """Announce the namespace over zeroconf (it is then seen on the network)."""


@dataclass(frozen=True, slots=True)
class AudioDevice:
    name: str
    input: str = ""
    """A PortAudio device name (substring), or empty for the default input."""
    file: str = ""
    """A WAV/FLAC file played instead of a live input."""
    realtime: bool = True
    sample_rate: int = 48000
    block_size: int = 512
    osc: str = ""
    """An OSC device whose messages carry features another program analysed (a DAW, TD)."""
    features: tuple[tuple[str, str], ...] = ()
    """With ``osc``: (feature, OSC address) pairs, e.g. ("level", "/audio/level")."""


@dataclass(frozen=True, slots=True)
class SinkSpec:
    """A frame output the bridge runs itself (the frames come from Scope's video track)."""

    kind: Literal["ndi", "syphon", "spout", "record", "v4l2"]
    name: str
    enabled: bool = True
    options: MappingABC[str, Any] = field(default_factory=dict)
    target: str = ""
    """The Scope target whose frames this output shows; empty: the first target."""


@dataclass(frozen=True, slots=True)
class ServerSinkSpec:
    """An output Scope should run itself (``output_sinks``), for Scope on the show machine."""

    kind: Literal["ndi", "spout", "syphon"]
    name: str
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class Show:
    """A whole validated show: the root file plus its includes."""

    path: str
    files: tuple[str, ...]
    scope: ScopeConfig
    output: OutputConfig
    prompts: tuple[PromptSlot, ...]
    scenes: tuple[Scene, ...]
    loras: tuple[LoraSlot, ...]
    midi: tuple[MidiDevice, ...]
    osc: tuple[OscDevice, ...]
    audio: tuple[AudioDevice, ...]
    bindings: tuple[Binding, ...]
    sinks: tuple[SinkSpec, ...] = ()
    server_sinks: tuple[ServerSinkSpec, ...] = ()
    transition_steps: int = TRANSITION_STEPS
    transition_method: Interpolation = "linear"
    quantize: Literal["off", "beat", "bar"] = "off"
    """Hold scene changes for the next beat or bar of the tempo source (when it is sure)."""
    lookahead_ms: float = LOOKAHEAD_MS
    """Send a quantised change this early, so Scope starts it on the beat."""
    start_scene: str = ""
    denoising_presets: tuple[tuple[int, ...], ...] = ()
    pages: tuple[str, ...] = ()
    """The show's pages in order (``pages = [...]``); the first is where it starts."""
    params: MappingABC[str, TargetSpec] = field(default_factory=dict)
    """``param.NAME`` target → its spec: typed by the mappings when loaded, by the pipeline's
    ``config_schema`` once Scope describes it (`bridge.core.param_check`)."""
    tempo: TempoConfig = TempoConfig()
    targets: tuple[TargetConfig, ...] = ()
    """The Scope servers of ``[scope.targets.NAME]`` tables; empty: the one of ``[scope]``."""


def scope_targets(show: Show) -> tuple[TargetConfig, ...]:
    """Every Scope target the show drives, in file order: the plain ``[scope]`` as the one
    target named ``scope`` when the show declares no targets tables."""
    return show.targets or (TargetConfig(PLAIN_TARGET, show.scope),)

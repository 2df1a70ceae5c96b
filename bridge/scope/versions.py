"""Which Scope server version we talk to, and what that version's API looks like.

Scope changed paths and shapes between releases (LoRA list renamed in 0.1.5; its own OSC server
and ``loading_stage`` in 0.1.6; session DELETE in 0.1.7; the REST session API and tempo sync in
0.1.8; ``produces_video``/``produces_audio`` in 0.1.9; nested hardware info and
``/api/v1/nodes/definitions`` in 0.2.4, all read from Scope's source at those tags). The
client and the stand-in ask this module instead of sprinkling version comparisons around. An
unknown version (a dev build, or a proxy that hides /health) is treated optimistically: try
the newest path, fall back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_VERSION = re.compile(r"^\s*v?(\d+)\.(\d+)(?:\.(\d+))?")


@dataclass(frozen=True, slots=True, order=True)
class ScopeVersion:
    """A released Scope version, compared numerically (0.1.10 > 0.1.9)."""

    major: int
    minor: int
    patch: int = 0

    @classmethod
    def parse(cls, text: str | None) -> ScopeVersion | None:
        """Read "0.1.4", "v0.2.4" or "0.2.4.dev3+g1234"; None when it is not a version."""
        if not text:
            return None
        match = _VERSION.match(text)
        if match is None:
            return None
        major, minor, patch = match.groups()
        return cls(int(major), int(minor), int(patch or 0))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


V0_1_5 = ScopeVersion(0, 1, 5)
V0_1_6 = ScopeVersion(0, 1, 6)
V0_1_7 = ScopeVersion(0, 1, 7)
V0_1_8 = ScopeVersion(0, 1, 8)
V0_1_9 = ScopeVersion(0, 1, 9)
V0_2_4 = ScopeVersion(0, 2, 4)

LORA_PATH_NEW = "/api/v1/loras"
LORA_PATH_OLD = "/api/v1/lora/list"


def lora_paths(version: ScopeVersion | None) -> tuple[str, ...]:
    """LoRA list paths to try, most likely first (the old one vanished in 0.1.5)."""
    if version is not None and version < V0_1_5:
        return (LORA_PATH_OLD, LORA_PATH_NEW)
    return (LORA_PATH_NEW, LORA_PATH_OLD)


def supports_session_delete(version: ScopeVersion | None) -> bool:
    """True unless the server is known to predate ``DELETE /api/v1/webrtc/offer/{id}``."""
    return version is None or version >= V0_1_7


def supports_rest_parameters(version: ScopeVersion | None) -> bool:
    """True unless the server is known to predate ``POST /api/v1/session/parameters``."""
    return version is None or version >= V0_1_8


def has_syphon_flag(version: ScopeVersion) -> bool:
    """Flat hardware info gained ``syphon_available`` in 0.1.5."""
    return version >= V0_1_5


def nested_hardware_info(version: ScopeVersion) -> bool:
    """From 0.2.4 hardware info nests each sink as ``{"available","reason","install_hint"}``."""
    return version >= V0_2_4


def has_osc_server(version: ScopeVersion) -> bool:
    """Scope's own OSC server (UDP on the HTTP port) and its ``/api/v1/osc/*`` came in 0.1.6."""
    return version >= V0_1_6


def has_loading_stage(version: ScopeVersion) -> bool:
    """``pipeline/status`` gained ``loading_stage`` in 0.1.6."""
    return version >= V0_1_6


def has_tempo(version: ScopeVersion) -> bool:
    """Tempo sync (``/api/v1/tempo/*``, ``_quantized`` updates) came in 0.1.8."""
    return version >= V0_1_8


def has_pipeline_ports(version: ScopeVersion) -> bool:
    """Pipeline schemas list their graph ``inputs``/``outputs`` from 0.1.8."""
    return version >= V0_1_8


def has_produces_flags(version: ScopeVersion) -> bool:
    """``produces_video``/``produces_audio`` in schemas and status from 0.1.9."""
    return version >= V0_1_9


def has_node_definitions(version: ScopeVersion) -> bool:
    """``GET /api/v1/nodes/definitions`` came in 0.2.4."""
    return version >= V0_2_4


def has_modulation(version: ScopeVersion) -> bool:
    """Fields a beat-synced LFO may drive carry ``modulatable`` in their ``ui`` from 0.1.8."""
    return version >= V0_1_8

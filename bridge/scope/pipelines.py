"""Frames per pipeline call, for the pipelines Scope ships: the unit the pacer counts in.

Scope takes at most one queued parameter update per pipeline call (scope-protocol.md §3), and
the bridge only sees frames; so frames ÷ frames per call is its evidence of how many updates
Scope could have taken. The figures come from each pipeline's own code in Scope (v0.1.4 to
v0.2.4): the Wan-based generators make 3 latent frames a call, 12 after the VAE's ×4;
StreamDiffusionV2 and the video preprocessors make as many frames as their ``prepare()``
asks of the input (``Requirements(input_size=N)``); RIFE turns its 12 input frames into
2·12 − 1; ``controller-viz`` draws one frame a call. A pipeline not listed (a plugin) is
assumed to be Wan-like, and the show is told so: ``[scope] frames_per_chunk`` sets it.
"""

from __future__ import annotations

FRAMES_PER_CALL: dict[str, int] = {
    "longlive": 12,
    "krea-realtime-video": 12,
    "memflow": 12,
    "reward-forcing": 12,
    "streamdiffusionv2": 4,
    "passthrough": 4,
    "video-depth-anything": 4,
    "optical-flow": 2,
    "rife": 23,
    "controller-viz": 1,
    "gray": 1,
    "scribble": 1,
}

ANY_SIZE = frozenset({"controller-viz", "passthrough", "gray", "optical-flow", "rife", "scribble"})
"""Scope's CPU pipelines: ``min_dimension`` 1 in both captured versions, any size loads (the
multiple-of-64 advice is for the others)."""

ASSUMED = 12
"""Frames per call taken for a pipeline this table does not know."""


def frames_per_call(pipeline: str, configured: int = 0) -> tuple[int, str | None]:
    """The frames one call of ``pipeline`` makes: ``configured`` when set (> 0), else the
    table's figure; with a sentence for Problems when the figure is a guess."""
    if configured > 0:
        return configured, None
    known = FRAMES_PER_CALL.get(pipeline)
    if known is not None:
        return known, None
    return ASSUMED, (
        f"pacing: frames per call of pipeline {pipeline} unknown; assumed {ASSUMED}; "
        "set [scope] frames_per_chunk"
    )

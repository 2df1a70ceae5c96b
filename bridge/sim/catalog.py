"""The pipelines the stand-in offers: what Scope says about each, and how fast each one runs.

Descriptions follow ``get_schema_with_metadata()`` of Scope's pipeline configs, shaped per
version (graph ``inputs``/``outputs`` from 0.1.8, ``produces_*`` from 0.1.9). The chunk model
is the fact that shapes pacing (scope-protocol.md §8): one queued parameter update is taken per
pipeline call, and a call makes 12 frames on the Wan-based pipelines (3 latent frames × the VAE's
4), 4 on StreamDiffusionV2 and 1 on ``controller-viz``. Frame rates are defaults, not facts:
``controller-viz`` at 56 calls/s as measured on a 2-core CPU; the GPU pipelines at a
consumer-GPU pace that keeps the demo readable. A pipeline id the stand-in does not know
(a plugin, say) loads anyway and runs like a Wan pipeline, with no schema to show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bridge.scope import versions
from bridge.scope.versions import ScopeVersion
from bridge.sim.schemas import Schema, WanFields, plain_schema, wan_schema

_DOCS = "https://github.com/daydreamlive/scope/blob/main/src/scope/core/pipelines/{}/docs/usage.md"
_WAN_PORTS = ("video", "vace_input_frames", "vace_input_masks")
_WAN_VIDEO_MODE = {
    "height": 512,
    "width": 512,
    "denoising_steps": [1000, 750],
    "noise_scale": 0.7,
    "noise_controller": True,
}


@dataclass(frozen=True, slots=True)
class ChunkModel:
    """How one pipeline produces: frames per call (one update taken per call) at ``fps``."""

    frames_per_call: int
    fps: float

    @property
    def calls_per_s(self) -> float:
        return self.fps / self.frames_per_call


@dataclass(frozen=True, slots=True)
class PipelineInfo:
    """One pipeline as Scope describes it, and how the stand-in runs it."""

    id: str
    name: str
    description: str
    chunk: ChunkModel
    modes: tuple[str, ...] = ("text",)
    default_mode: str = "text"
    supports_prompts: bool = True
    flags: dict[str, Any] = field(default_factory=dict)
    inputs: tuple[str, ...] = ("video",)
    mode_defaults: dict[str, Any] | None = None
    wan: WanFields | None = None
    schema_title: str = ""
    schema_description: str | None = None
    controller: bool = False

    def config_schema(self, version: ScopeVersion) -> Schema:
        if self.wan is not None:
            return wan_schema(self.wan, modulation=versions.has_modulation(version))
        return plain_schema(self.schema_title, self.schema_description, ctrl_input=self.controller)

    def describe(self, version: ScopeVersion) -> dict[str, Any]:
        """The entry of ``/api/v1/pipelines/schemas`` (``plugin_name`` added by the caller)."""
        flags = {
            "docs_url": None,
            "estimated_vram_gb": None,
            "requires_models": False,
            "supports_lora": False,
            "supports_vace": False,
            "supports_cache_management": False,
            "supports_kv_cache_bias": False,
            "supports_quantization": False,
            "min_dimension": 1,
            "recommended_quantization_vram_threshold": None,
            "modified": False,
            "usage": [],
            "default_temporal_interpolation_method": "slerp",
            "default_temporal_interpolation_steps": 0,
            **self.flags,
        }
        entry: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "version": "1.0.0",
            "supported_modes": list(self.modes),
            "default_mode": self.default_mode,
            "supports_prompts": self.supports_prompts,
        }
        for key in (
            "default_temporal_interpolation_method",
            "default_temporal_interpolation_steps",
        ):
            entry[key] = flags.pop(key)
        entry["default_spatial_interpolation_method"] = "linear"
        usage = flags.pop("usage")
        entry.update(flags)
        if versions.has_produces_flags(version):
            entry.update(produces_video=True, produces_audio=False)
        entry["usage"] = usage
        if versions.has_pipeline_ports(version):
            entry.update(inputs=list(self.inputs), outputs=["video"])
        entry["config_schema"] = self.config_schema(version)
        if self.mode_defaults:
            entry["mode_defaults"] = self.mode_defaults
        return entry


def _wan(
    pid: str, name: str, description: str, title: str, vram: float, **over: Any
) -> PipelineInfo:
    """A Wan2.1-based streaming pipeline: 12 frames per call, LoRA, VACE, cache, quantization."""
    flags = {
        "docs_url": _DOCS.format(pid.replace("-", "_")),
        "estimated_vram_gb": vram,
        "requires_models": True,
        "supports_lora": True,
        "supports_vace": True,
        "supports_cache_management": True,
        "supports_quantization": True,
        "min_dimension": 16,
        "modified": True,
        **over.pop("flags", {}),
    }
    return PipelineInfo(
        id=pid,
        name=name,
        description=description,
        chunk=over.pop("chunk", ChunkModel(12, 16.0)),
        modes=("text", "video"),
        flags=flags,
        inputs=_WAN_PORTS,
        mode_defaults=over.pop("mode_defaults", {"video": dict(_WAN_VIDEO_MODE)}),
        wan=over.pop("wan", WanFields(title, 576, 320, (1000, 750, 500, 250))),
        **over,
    )


PIPELINES: dict[str, PipelineInfo] = {
    p.id: p
    for p in (
        _wan(
            "longlive",
            "LongLive",
            "A streaming pipeline and autoregressive video diffusion model from Nvidia, MIT, "
            "HKUST, HKU and THU. The model is trained using Self-Forcing on Wan2.1 1.3b with "
            "modifications to support smoother prompt switching and improved quality over "
            "longer time periods while maintaining fast generation.",
            "LongLiveConfig",
            20.0,
            wan=WanFields(
                "LongLiveConfig", 576, 320, (1000, 750, 500, 250), noise_modulatable=True
            ),
        ),
        _wan(
            "krea-realtime-video",
            "Krea Realtime Video",
            "A streaming pipeline and autoregressive video diffusion model from Krea. The model "
            "is trained using Self-Forcing on Wan2.1 14b.",
            "KreaRealtimeVideoConfig",
            32.0,
            flags={
                "supports_kv_cache_bias": True,
                "recommended_quantization_vram_threshold": 40.0,
                "default_temporal_interpolation_method": "linear",
                "default_temporal_interpolation_steps": 4,
            },
            mode_defaults={
                "video": {
                    **_WAN_VIDEO_MODE,
                    "height": 256,
                    "width": 256,
                    "default_temporal_interpolation_steps": 0,
                }
            },
        ),
        _wan(
            "memflow",
            "MemFlow",
            "A streaming pipeline and autoregressive video diffusion model from Kling. The model "
            "is trained using Self-Forcing on Wan2.1 1.3b based on the LongLive training and "
            "inference pipeline with the additions of a memory bank to improve long context "
            "consistency.",
            "MemFlowConfig",
            20.0,
        ),
        _wan(
            "reward-forcing",
            "RewardForcing",
            "A streaming pipeline and autoregressive video diffusion model from ZJU, Ant Group, "
            "SIAS-ZJU, HUST and SJTU. The model is trained with Rewarded Distribution Matching "
            "Distillation using Wan2.1 1.3b as the base model.",
            "RewardForcingConfig",
            20.0,
        ),
        _wan(
            "streamdiffusionv2",
            "StreamDiffusionV2",
            "A streaming pipeline and autoregressive video diffusion model from the creators of "
            "the original StreamDiffusion project. The model is trained using Self-Forcing on "
            "Wan2.1 1.3b with modifications to support streaming.",
            "StreamDiffusionV2Config",
            20.0,
            chunk=ChunkModel(4, 20.0),
            default_mode="video",
            mode_defaults={"text": {"height": 512, "width": 512, "denoising_steps": [1000, 750]}},
            wan=WanFields("StreamDiffusionV2Config", 512, 512, (750, 250), input_size=4),
        ),
        PipelineInfo(
            id="controller-viz",
            name="Controller Visualizer",
            description="Visualizes WASD keyboard and mouse controller inputs in real-time. "
            "Useful for testing the controller input system.",
            chunk=ChunkModel(1, 56.0),
            supports_prompts=False,
            schema_title="ControllerVisualizerConfig",
            schema_description="Configuration for the Controller Visualizer pipeline.\n\nThis "
            "pipeline visualizes WASD keyboard and mouse inputs in real-time,\nuseful for "
            "testing and debugging the controller input system.",
            controller=True,
        ),
        PipelineInfo(
            id="passthrough",
            name="Passthrough",
            description="A pipeline that returns the input video without any processing that "
            "is useful for testing and debugging.",
            chunk=ChunkModel(1, 30.0),
            modes=("video",),
            default_mode="video",
            supports_prompts=False,
            schema_title="PassthroughConfig",
        ),
        PipelineInfo(
            id="gray",
            name="Grayscale",
            description="Converts video frames to grayscale. Lightweight preprocessor with no "
            "model required, optimized for realtime use.",
            chunk=ChunkModel(1, 30.0),
            modes=("video",),
            default_mode="video",
            supports_prompts=False,
            flags={"modified": True, "usage": ["preprocessor"]},
            schema_title="GrayConfig",
            schema_description="Configuration for Gray preprocessor pipeline.\n\nThis pipeline "
            "converts video frames to grayscale. It's a lightweight\npreprocessor optimized for "
            "realtime use - no model loading required.",
        ),
    )
}

UNKNOWN_CHUNK = ChunkModel(12, 16.0)
"""An id the stand-in does not know runs like a Wan pipeline."""


def chunk_model(
    pipeline_id: str, fps: float | None = None, frames_per_call: int | None = None
) -> ChunkModel:
    """The pipeline's chunk model, with the ``--fps`` / ``--chunk-frames`` overrides applied."""
    known = PIPELINES.get(pipeline_id)
    base = known.chunk if known is not None else UNKNOWN_CHUNK
    return ChunkModel(frames_per_call or base.frames_per_call, fps or base.fps)


def pipeline_schemas(version: ScopeVersion) -> dict[str, Any]:
    """``GET /api/v1/pipelines/schemas``."""
    return {
        "pipelines": {
            pid: {**info.describe(version), "plugin_name": None} for pid, info in PIPELINES.items()
        }
    }


def node_definitions(version: ScopeVersion) -> dict[str, Any]:
    """``GET /api/v1/nodes/definitions`` (0.2.4+): each pipeline as a graph node."""
    nodes = []
    for info in PIPELINES.values():
        port = {"port_type": "video", "required": True, "description": "", "default_value": None}
        nodes.append(
            {
                "node_type_id": info.id,
                "display_name": info.name,
                "category": "pipeline",
                "description": info.description,
                "inputs": [{"name": name, **port} for name in info.inputs],
                "outputs": [{"name": "video", **port}],
                "params": [],
                "continuous": False,
                "pipeline_meta": info.describe(version),
                "plugin_name": None,
            }
        )
    return {"nodes": nodes}

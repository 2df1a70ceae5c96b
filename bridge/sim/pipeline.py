"""The stand-in's pipeline slot: not_loaded → loading → loaded (or error, reported once).

Scope loads in the background after answering the load request, and reports a load error in
exactly one status answer before going back to ``not_loaded``; clients must poll for both.
The answer's ``error`` is always null: Scope only logs the reason (its ``get_status_info``
sets ``combined_error = None``), so the stand-in keeps it for ``/sim/stats`` alone.
``loaded_lora_adapters`` is null with no LoRA loaded; ``loading_stage`` (0.1.6+) names the
step while loading; ``produces_video``/``produces_audio`` come in 0.1.9.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bridge.scope import versions
from bridge.scope.versions import ScopeVersion


class PipelineSlot:
    """The one pipeline a stand-in has loaded (or is loading)."""

    def __init__(self, default_width: int, default_height: int, version: ScopeVersion) -> None:
        self._defaults = {"width": default_width, "height": default_height}
        self._version = version
        self._status: dict[str, Any] = self._idle()

    @staticmethod
    def _idle() -> dict[str, Any]:
        return {"status": "not_loaded", "pipeline_id": None, "load_params": None, "error": None}

    @property
    def loaded(self) -> bool:
        return bool(self._status["status"] == "loaded")

    @property
    def load_params(self) -> dict[str, Any]:
        return dict(self._status["load_params"] or self._defaults)

    def snapshot(self) -> dict[str, Any]:
        """The status without side effects (for ``/sim/stats``)."""
        return dict(self._status)

    @property
    def pipeline_id(self) -> str | None:
        return self._status["pipeline_id"] if self.loaded else None

    def report(self) -> dict[str, Any]:
        """``GET /api/v1/pipeline/status``; an error is reported once, then forgotten."""
        state = self._status["status"]
        status: dict[str, Any] = {
            "status": state,
            "pipeline_id": self._status["pipeline_id"],
            "load_params": self._status["load_params"],
            "loaded_lora_adapters": None,
            "error": None,
        }
        if versions.has_loading_stage(self._version):
            status["loading_stage"] = "Initializing pipeline..." if state == "loading" else None
        if versions.has_produces_flags(self._version):
            status.update(produces_video=True, produces_audio=False)
        if state == "error":
            self._status = self._idle()
        return status

    async def load(
        self, pipeline_id: str, params: dict[str, Any], load_time_s: float, error: str | None
    ) -> None:
        """Run one load: ``loading`` for ``load_time_s``, then ``loaded`` or ``error``."""
        self._status = {**self._idle(), "status": "loading", "pipeline_id": pipeline_id}
        await asyncio.sleep(load_time_s)
        if error:
            self._status = {**self._idle(), "status": "error", "error": error}
            return
        self._status = {
            "status": "loaded",
            "pipeline_id": pipeline_id,
            "load_params": {**self._defaults, **params},
            "error": None,
        }

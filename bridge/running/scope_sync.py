"""Two-way state with Scope: values changed elsewhere, and a pipeline loaded elsewhere.

Scope is not only driven by this bridge: its web UI, its own OSC server, MCP and other
clients change parameters too, and anyone may load another pipeline or size. This keeps
the show in step:

- ``parameters_updated`` (sent on the data channel after a change from elsewhere) is
  adopted by the core (`bridge.core.adopt`): the show takes Scope's values, knobs on them
  must pick them up again, and one line says what changed (logged, and counted for the
  console);
- ``pipeline/status`` is polled every ``every_s`` (2 s, off the control path): a pipeline
  or size the show did not ask for is shown where the link's own request was (the
  connection panel says what Scope runs), named in Problems, and the show is re-checked
  against that pipeline's schema; the entry clears when Scope runs the show's again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from bridge.core.adopt import adopt
from bridge.errors import ScopeError
from bridge.running.bridge import Bridge
from bridge.scope.client import ScopeClient
from bridge.scope.link import PipelineRequest
from bridge.scope.models import PipelineStatus
from bridge.scope.session import ServerMessage

log = logging.getLogger("bridge")

STATUS_EVERY_S = 2.0


class ScopeSync:
    """Adopts Scope's changes into the bridge; notices a pipeline loaded from elsewhere."""

    def __init__(
        self,
        bridge: Bridge,
        client: ScopeClient,
        wanted: Callable[[], PipelineRequest | None],
        on_pipeline: Callable[[], None],
        every_s: float = STATUS_EVERY_S,
    ) -> None:
        self.bridge = bridge
        self.client = client
        self._wanted = wanted
        self._on_pipeline = on_pipeline
        self.every_s = every_s
        self.elsewhere: PipelineStatus | None = None
        """What Scope runs while it is not what the show asked for (loaded from elsewhere)."""
        self.changes = 0
        """Changes adopted from Scope (the console says each)."""
        self.last_change = ""

    # -- parameters_updated --------------------------------------------------------------
    def message(self, message: ServerMessage) -> None:
        if message.type != "parameters_updated":
            return
        params = message.body.get("parameters")
        if not isinstance(params, dict) or self.bridge.several_targets:
            return  # one server's UI does not speak for the others: the show keeps its values
        said = adopt(self.bridge.engine, self.bridge.builder, params)
        if said:
            self.changes += 1
            self.last_change = "changed in Scope: " + "; ".join(said)
            log.info("scope: %s", self.last_change)

    # -- pipeline/status -----------------------------------------------------------------
    @property
    def pipeline_id(self) -> str | None:
        """The pipeline Scope runs when it was loaded from elsewhere, else None."""
        return self.elsewhere.pipeline_id if self.elsewhere is not None else None

    async def watch(self) -> None:
        """Poll ``pipeline/status`` every ``every_s`` until cancelled."""
        while True:
            await asyncio.sleep(self.every_s)
            wanted = self._wanted()
            if wanted is None:
                continue
            try:
                status = await self.client.pipeline_status()
            except ScopeError:
                continue  # Scope away: the link says so
            self.observe(status, wanted)

    def observe(self, status: PipelineStatus, wanted: PipelineRequest) -> None:
        """Judge one status answer against what the show asked for."""
        if status.state != "loaded" or status.pipeline_id is None:
            return  # loading (ours or someone's): judged once it has loaded
        if status.matches(wanted.pipeline_id, wanted.load_params()):
            if self.elsewhere is not None:
                self.elsewhere = None
                self.bridge.clear("scope", "pipeline")
                log.info("scope: runs %s again", _named(status))
                self._on_pipeline()
            return
        if self.elsewhere is not None and _named(self.elsewhere) == _named(status):
            return
        self.elsewhere = status
        self.bridge.report(
            "scope",
            f"Scope now runs {_named(status)}, loaded from elsewhere (the show asks for "
            f"{wanted.pipeline_id} {wanted.width}x{wanted.height})",
            key="pipeline",
        )
        self._on_pipeline()

    def connection(self, base: dict[str, Any]) -> dict[str, Any]:
        """The link's connection view with what Scope really runs in place of the request."""
        status = self.elsewhere
        if status is None:
            return base
        out = dict(base, pipeline_id=status.pipeline_id)
        for key in ("width", "height"):
            if isinstance(status.load_params.get(key), int):
                out[key] = status.load_params[key]
        return out


def _named(status: PipelineStatus) -> str:
    width, height = status.load_params.get("width"), status.load_params.get("height")
    size = f" {width}x{height}" if width is not None and height is not None else ""
    return f"{status.pipeline_id}{size}"

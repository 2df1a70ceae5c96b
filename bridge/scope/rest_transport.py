"""Control without video: parameters over ``POST /api/v1/session/parameters`` (Scope 0.1.8+).

For a show that only steers Scope (someone else watches the output). Scope answers such a
POST ``ok`` whether or not a session is open, and applies nothing without one; so this
transport watches ``GET /api/v1/session/metrics`` (a few times a second) and is ready only
while it reports a session. Without one it says so plainly and sends nothing, or, when the
show asks for it (``start_session``), loads the pipeline and starts a headless session. The
metrics also pace it: each poll's new ``frames_out`` is evidence of the pipeline calls Scope
ran (``on_evidence``), and ``pipeline_fps`` its rate. Scope re-applies two defaults on every
POST (``prompt_interpolation_method: "linear"``, ``vace_context_scale: 1.0``): whatever the
show holds that differs (``sticky``) goes with every POST. A server without the session API
(before 0.1.8, or one that serves its web page there) is said once, and the task ends.

``send`` never blocks: it merges the payload into one pending slot (later values win per key,
so a one-shot ``reset_cache`` or a ``transition`` is not lost to a later knob move) and a
background task POSTs it; while a POST is in flight, newer sends keep merging into the slot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from bridge.errors import BridgeError, ScopeError
from bridge.protocols import Payload
from bridge.scope import versions
from bridge.scope.client import ScopeClient
from bridge.scope.health import Backoff
from bridge.scope.models import SessionMetrics, SessionStats

log = logging.getLogger(__name__)

RestState = Literal[
    "connecting", "no session", "starting session", "ready", "failing", "no session API"
]
"""Where REST control stands; the console shows the words as they are."""
POLL_S = 0.25
"""How often ``session/metrics`` is read: the pace of REST evidence."""
SCOPE_DEFAULTS = {"prompt_interpolation_method": "linear", "vace_context_scale": 1.0}
"""What Scope puts into every REST update the body does not name."""


@dataclass(frozen=True, slots=True)
class HeadlessStart:
    """A headless session to start when none is open: which pipeline, loaded how, and the
    full show state to start from."""

    pipeline_id: str
    load_params: Mapping[str, Any]
    parameters: Mapping[str, Any]


def resent(told: Mapping[str, Any], initial: Mapping[str, Any]) -> dict[str, Any]:
    """The values Scope's re-applied defaults would undo: what the bridge last told Scope
    (``told``) or the show's ``[scope.initial]`` holds, where it differs from the default."""
    out: dict[str, Any] = {}
    for key, default in SCOPE_DEFAULTS.items():
        value = told.get(key, initial.get(key))
        if value is not None and value != default:
            out[key] = value
    return out


class RestParamTransport:
    """A ``ParamTransport`` over REST. Run ``run()`` in the task group; then ``send``."""

    def __init__(
        self,
        client: ScopeClient,
        *,
        start: Callable[[], HeadlessStart | None] = lambda: None,
        sticky: Callable[[], Mapping[str, Any]] = dict,
        on_evidence: Callable[[int], None] | None = None,
        poll_s: float = POLL_S,
        backoff: Backoff | None = None,
    ) -> None:
        self.client = client
        self.backoff = backoff or Backoff()
        self.poll_s = poll_s
        self.sent = 0
        """Updates POSTed while Scope had a session open."""
        self.last_error: str | None = None
        self.state: RestState = "connecting"
        self.session: SessionStats | None = None
        """Scope's session as the last metrics reported it (None: none open)."""
        self.starts = 0
        """Headless sessions started by this transport."""
        self._start = start
        self._sticky = sticky
        self._on_evidence = on_evidence
        self._pending: dict[str, Any] | None = None
        self._wake = asyncio.Event()
        self._post_failed = False

    @property
    def ready(self) -> bool:
        """True while Scope reports a session and the last POST (if any) worked."""
        return self.session is not None and not self._post_failed

    @property
    def pipeline_fps(self) -> float | None:
        return self.session.pipeline_fps if self.session is not None else None

    def send(self, payload: Payload) -> None:
        """Queue ``payload`` (merged into the pending one); raises when Scope is not ready."""
        if not self.ready:
            raise ScopeError(self.last_error or "Scope's REST parameters are not ready yet.")
        self._pending = {**(self._pending or {}), **payload}
        self._wake.set()

    async def run(self) -> None:
        """Watch Scope's session and deliver updates until cancelled; returns (for good) when
        the server has no session API."""
        deliver = asyncio.get_running_loop().create_task(self._deliver(), name="scope-rest-post")
        try:
            await self._watch()
        finally:
            deliver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await deliver

    # -- the session ---------------------------------------------------------------------
    async def _watch(self) -> None:
        failures = 0
        checked = False
        while True:
            try:
                if not checked:
                    await self.client.health()
                    checked = True
                if not versions.supports_rest_parameters(self.client.version):
                    version = self.client.version
                    self._no_api(f"Scope {version} has no session API (it came in 0.1.8)")
                    return
                metrics = await self.client.session_metrics()
                if metrics is None:
                    self._no_api(f"Scope at {self.client.endpoint.display} serves no session API")
                    return
                if not self._observe(metrics):
                    plan = self._start()
                    if plan is not None:
                        await self._start_headless(plan)
                        continue  # look again at once
                failures = 0
                await asyncio.sleep(self.poll_s)
            except BridgeError as exc:
                self.session, self.state, self.last_error = None, "failing", str(exc)
                checked = False  # it may come back as another version
                log.warning("Scope REST control: %s", exc)
                await asyncio.sleep(self.backoff.delay(failures))
                failures += 1

    def _observe(self, metrics: SessionMetrics) -> bool:
        """Take one metrics answer; False when no session is open."""
        before, self.session = self.session, metrics.sessions[0] if metrics.sessions else None
        now = self.session
        if now is None:
            if self.state != "no session":
                log.info("Scope REST control: no session is open")
            self.state = "no session"
            self.last_error = (
                "No Scope session is open: updates would apply to nothing. Start one in "
                "Scope, or set [scope] start_session = true to have the bridge start one."
            )
            return False
        if not self._post_failed:
            self.state, self.last_error = "ready", None
        if self._pending:
            self._wake.set()
        if before is not None and before.session_id == now.session_id:
            made = now.frames_out - before.frames_out
            if made > 0 and self._on_evidence is not None:
                self._on_evidence(made)
        return True

    async def _start_headless(self, plan: HeadlessStart) -> None:
        self.state = "starting session"
        self.last_error = f"No Scope session is open: starting a headless {plan.pipeline_id} one."
        await self.client.ensure_pipeline(plan.pipeline_id, plan.load_params)
        await self.client.start_session(plan.pipeline_id, plan.parameters)
        self.starts += 1
        log.info("Scope REST control: started a headless %s session", plan.pipeline_id)

    def _no_api(self, why: str) -> None:
        self.session, self.state = None, "no session API"
        self.last_error = f'{why}: REST control is off; use transport = "webrtc".'
        log.warning("%s", self.last_error)

    # -- updates ---------------------------------------------------------------------------
    async def _deliver(self) -> None:
        """POST pending updates one at a time, only while a session is open."""
        failures = 0
        while True:
            await self._wake.wait()
            self._wake.clear()
            if self._pending is None or self.session is None:
                continue  # kept: the next session takes the full state anyway
            payload, self._pending = self._pending, None
            try:
                await self.client.set_session_parameters({**self._sticky(), **payload})
            except BridgeError as exc:
                self._pending = {**payload, **(self._pending or {})}  # under anything newer
                self._post_failed, self.state, self.last_error = True, "failing", str(exc)
                log.warning("Scope REST parameters: %s", exc)
                await asyncio.sleep(self.backoff.delay(failures))
                failures += 1
                self._wake.set()
                continue
            self.sent += 1
            failures = 0
            if self._post_failed:
                self._post_failed, self.state, self.last_error = False, "ready", None

"""The show checked against the pipeline Scope runs: what it ignores, and its parameters typed.

At start (once Scope answers), after each reload, and when Scope runs a pipeline loaded from
elsewhere (`bridge.running.scope_sync`), the show is held to that pipeline's description: what it
will ignore (a KV-cache bias knob on longlive, `bridge.scope.capabilities`) and every
``param.NAME`` target typed by its ``config_schema`` (`bridge.core.param_check`), the
mismatches named in Problems. A show whose typing changed is swapped in, live values kept.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from bridge.config.param_targets import show_params
from bridge.core.param_check import typed_params, with_params
from bridge.core.show import Show
from bridge.errors import ScopeError
from bridge.scope.capabilities import mismatches

if TYPE_CHECKING:
    from bridge.running.runtime import Runtime


def check(show: Show, pipeline: str, schema: dict[str, object] | None) -> tuple[Show, list[str]]:
    """``show`` typed for ``pipeline`` and what does not fit it (one sentence each)."""
    found = mismatches(show, pipeline, schema)
    if schema is None or not show.params:
        return show, found
    # typed afresh from what the file says, not from another pipeline's typing
    offline = with_params(show, show_params(show.bindings)[0])
    params, problems = typed_params(offline, pipeline, schema.get("config_schema"))
    return with_params(show, params), found + problems


async def watch(runtime: Runtime) -> None:
    """Check at start and whenever ``runtime`` asks for it again (its ``recheck`` event)."""
    client = runtime.client
    while True:
        try:
            schemas = await client.pipeline_schemas()
            break
        except ScopeError:
            await asyncio.sleep(2.0)  # not up yet: the link says so; ask again
    if schemas is None:
        return  # a Scope that does not describe its pipelines: nothing to check against
    while True:
        pipeline = runtime.sync.pipeline_id or runtime.first.config.pipeline
        schema = schemas.get(pipeline)
        typed, found = check(runtime.show, pipeline, dict(schema) if schema else None)
        if typed is not runtime.show:
            runtime.show = typed
            runtime.bridge.swap_show(typed)
        # each one logged once, not again at every reload; gone when the show is fixed
        runtime.bridge.problems.sync("pipeline", {("pipeline", p): p for p in found})
        runtime.pipeline_notes = found
        runtime.pipeline_checks += 1
        runtime.recheck.clear()
        await runtime.recheck.wait()
        with contextlib.suppress(ScopeError):  # a pipeline loaded since may be new here
            schemas = await client.pipeline_schemas() or schemas

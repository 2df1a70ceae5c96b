"""All the checks, in the order a performer sets up: machine, devices, outputs, Scope."""

from __future__ import annotations

import asyncio
from typing import Any

from bridge.aio import within
from bridge.cli.doctor import machine
from bridge.cli.doctor.findings import Finding
from bridge.core.show import ScopeConfig, Show, scope_targets
from bridge.errors import BridgeError

SCOPE_S = 3.0
"""Longest wait for each answer from Scope."""


async def diagnose(show: Show | None) -> list[Finding]:
    """Every check; with a show, narrowed to (and strict about) what it uses."""
    findings = [machine.python(), machine.packages(), machine.runtime_dir()]
    findings += await asyncio.to_thread(machine.midi, show.midi if show else ())
    findings += await asyncio.to_thread(machine.audio, show.audio if show else ())
    findings += await asyncio.to_thread(machine.outputs, show)
    if show is not None:
        findings += machine.osc_ports(show)
        for target in scope_targets(show):  # every Scope server the show drives
            table = f"scope.targets.{target.name}" if show.targets else "scope"
            findings += await scope(target.scope, table)
    return findings


async def scope(config: ScopeConfig, table: str = "scope") -> list[Finding]:
    """Scope answers, says its version, and offers the show's pipeline at the show's size
    (``table``: the show file's table for this server, for the fixes)."""
    from bridge.config.addresses import shown_url
    from bridge.scope.client import ScopeClient
    from bridge.scope.endpoint import ScopeEndpoint, auth_headers_from_env

    headers = auth_headers_from_env(config.token_env) if config.token_env else {}
    where = shown_url(config.url)
    findings: list[Finding] = []
    if config.token_env and not headers:
        findings.append(
            Finding("scope token", "warning", f"{config.token_env} is not set", "export it")
        )
    async with ScopeClient(ScopeEndpoint(config.url, headers), timeout_s=SCOPE_S) as client:
        try:
            health = await within(client.health(), SCOPE_S)
        except (BridgeError, TimeoutError) as exc:
            fix = f"start Scope (or `scope-bridge sim` to rehearse), or fix [{table}] url"
            return [*findings, Finding("scope", "missing", _said(exc), fix)]
        findings.append(Finding("scope", "ok", f"{where}: Scope {health.version or '?'}"))
        findings.append(await _pipeline(client, config, table))
    return findings


async def _pipeline(client: Any, config: ScopeConfig, table: str) -> Finding:
    area = f"pipeline {config.pipeline}"
    try:
        schemas = await within(client.pipeline_schemas(), SCOPE_S)
        status = await within(client.pipeline_status(), SCOPE_S)
    except (BridgeError, TimeoutError) as exc:
        return Finding(area, "warning", f"Scope did not say which pipelines it has: {_said(exc)}")
    loaded = ""
    if status.pipeline_id:
        params = status.load_params
        size = f" at {params.get('width')}x{params.get('height')}" if params else ""
        loaded = f"; loaded now: {status.pipeline_id}{size} ({status.state})"
    if schemas is None:
        return Finding(area, "warning", f"Scope does not list its pipelines{loaded}")
    if config.pipeline not in schemas:
        offered = ", ".join(sorted(schemas)) or "none"
        fix = f"set [{table}] pipeline to one of them (or install the plugin)"
        return Finding(area, "missing", f"not offered by this Scope (it has: {offered})", fix)
    problem = _size_problem(schemas[config.pipeline], config.width, config.height)
    if problem:
        return Finding(area, "missing", problem + loaded, f"set [{table}] width and height")
    return Finding(area, "ok", f"offered at {config.width}x{config.height}{loaded}")


def _size_problem(schema: Any, width: int, height: int) -> str:
    """What the pipeline's schema says against the show's size ('' when it fits)."""
    if not isinstance(schema, dict):
        return ""
    least = schema.get("min_dimension")
    if isinstance(least, int) and min(width, height) < least:
        return f"{width}x{height} is smaller than the pipeline's min_dimension {least}"
    config = schema.get("config_schema")
    props = config.get("properties", {}) if isinstance(config, dict) else {}
    for name, value in (("width", width), ("height", height)):
        spec = props.get(name)
        if not isinstance(spec, dict):
            continue
        low, high = spec.get("minimum"), spec.get("maximum")
        if isinstance(low, (int, float)) and value < low:
            return f"{name} {value} is below the pipeline's minimum {low}"
        if isinstance(high, (int, float)) and value > high:
            return f"{name} {value} is above the pipeline's maximum {high}"
    return ""


def _said(exc: BaseException) -> str:
    return str(exc) or f"no answer within {SCOPE_S:g} s"

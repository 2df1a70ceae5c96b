"""Keeping the bridge's long-lived tasks alive: restart with backoff, say so, clear it after.

An input, the Scope link, the tick task, the headless log: each runs under `supervise`,
which catches whatever the task raises (or a return from a task meant to run forever),
reports it as a problem at the task's name and starts it again after a growing delay. The
problem clears once the restarted task has run a while without failing; the delay starts
small again after a long healthy run. Cancellation is never caught: stopping a task, or the
show, still works. Only an error in this code itself, or in reporting, can end the bridge.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from bridge.errors import BridgeError
from bridge.problems import ProblemBook
from bridge.scope.health import Backoff

log = logging.getLogger("bridge.supervise")

TaskFactory = Callable[[], Coroutine[Any, Any, None]]

RESTARTS = Backoff(first_s=0.5, cap_s=10.0, healthy_s=30.0)
"""0.5 s, 1, 2, 4, 8, then every 10 s; a task that ran 30 s healthy starts again at 0.5 s."""

TASK_KEY = "task"
"""The key of a task's own problem (its name is where)."""


@dataclass(frozen=True, slots=True)
class TaskSpec:
    """A long-lived task: ``forever`` ones are restarted even when they just return."""

    name: str
    factory: TaskFactory
    forever: bool = True


def one_sentence(exc: BaseException) -> str:
    """What a person reads about an error: our own sentence, or its type and first line;
    an exception group names its causes, not itself."""
    if isinstance(exc, BaseExceptionGroup):  # each distinct cause once
        return "; ".join(dict.fromkeys(one_sentence(inner) for inner in exc.exceptions))
    if isinstance(exc, BridgeError):
        return str(exc)
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


async def supervise(
    spec: TaskSpec,
    problems: ProblemBook,
    *,
    backoff: Backoff = RESTARTS,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Run ``spec`` until cancelled (or until a task that may finish returns)."""
    loop = asyncio.get_running_loop()
    failures = 0
    delay = 0.0
    tracebacks: set[str] = set()  # one traceback per distinct bug (with -v), not one a restart
    while True:
        started = clock()
        # the problem clears when the task has lasted at least as long as it was made to wait
        healthy = loop.call_later(max(1.0, delay), problems.clear, spec.name, TASK_KEY)
        try:
            await spec.factory()
        except Exception as exc:
            reason = one_sentence(exc)
            if not isinstance(exc, BridgeError) and reason not in tracebacks:
                tracebacks.add(reason)
                log.debug("task %s failed", spec.name, exc_info=exc)
        else:
            if not spec.forever:
                problems.clear(spec.name, TASK_KEY)
                return
            reason = "stopped by itself"
        finally:
            healthy.cancel()
        if clock() - started >= backoff.healthy_s:
            failures = 0
        delay = backoff.delay(failures)
        failures += 1
        problems.report(
            spec.name, f"{reason}; restarting in {delay:g} s (failure {failures})", key=TASK_KEY
        )
        await asyncio.sleep(delay)

"""Keeping the bridge's long-lived tasks alive: restart with backoff, say so, clear it after.

An input, the Scope link, the tick task, the headless log: each runs under `supervise`,
which catches whatever the task raises (or a return from a task meant to run forever),
reports it as a problem at the task's name and starts it again after a growing delay. The
problem clears once the restarted task has run a while without failing; the delay starts
small again after a long healthy run. Cancellation is never caught: stopping a task, or the
show, still works. Only an error in this code itself, or in reporting, can end the bridge.
`Supervised` holds the bridge's named tasks and runs them all this way in one TaskGroup.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import Any

from bridge.errors import BridgeError
from bridge.scope.health import Backoff
from bridge.watch.problems import ProblemBook

log = logging.getLogger("bridge.running.supervise")

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


class Supervised:
    """Named long-lived tasks, each under `supervise`, in one TaskGroup: added before the
    group runs (they start with it) or while it runs (at once), stopped by name."""

    def __init__(self, problems: ProblemBook, backoff: Backoff = RESTARTS) -> None:
        self.problems = problems
        self.backoff = backoff
        """How long a failed task waits before it is started again."""
        self._specs: list[TaskSpec] = []
        self._group: asyncio.TaskGroup | None = None
        self._running: dict[str, asyncio.Task[None]] = {}

    def add(self, spec: TaskSpec) -> None:
        self._specs.append(spec)
        if self._group is not None:
            self._start(spec)

    def _start(self, spec: TaskSpec) -> None:
        assert self._group is not None
        task = self._group.create_task(
            supervise(spec, self.problems, backoff=self.backoff), name=spec.name
        )
        self._running[spec.name] = task

    @property
    def running(self) -> bool:
        return self._group is not None

    async def stop(self, names: Iterable[str]) -> None:
        """Stop these tasks and wait until their cleanup ran (sockets closed, ports freed)."""
        gone = set(names)
        self._specs = [t for t in self._specs if t.name not in gone]
        tasks = [self._running.pop(n) for n in gone if n in self._running]
        for task in tasks:
            task.cancel()
        # a cancelled child leaves the TaskGroup running; only its own cleanup is awaited
        await asyncio.gather(*tasks, return_exceptions=True)
        for name in gone:  # a task that is gone has no problem left
            self.problems.clear_where(name)

    async def run(self, first: TaskSpec) -> None:
        """Run ``first``, then every task added, until cancelled (see `Bridge.run`)."""
        try:
            async with asyncio.TaskGroup() as group:
                self._group = group
                self._start(first)
                for spec in self._specs:
                    self._start(spec)
        finally:
            self._group = None
            self._running.clear()

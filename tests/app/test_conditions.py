"""Problems show the present: each entry appears with its cause and goes when it is gone.

A real `Runtime` against the stand-in: frame outputs that cannot run or fail and then
recover, Scope dropping updates (a stand-in with a queue of one), Scope killed and back
(the stand-in as a process), a show file broken then fixed, deleted then back.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from bridge.config.load import load_show
from bridge.core import events as ev
from bridge.running.runtime import Runtime
from bridge.watch.conditions import DropWatch
from tests.sim.simkit import FAST, SimProcess, free_port, running_sim, wait_for

BASE = """
schema = 1
[scope]
url = "{url}"
[[prompts]]
id = "p"
text = "a forest"
"""


@contextlib.asynccontextmanager
async def running(runtime: Runtime) -> AsyncIterator[None]:
    task = asyncio.create_task(runtime.run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def problems(runtime: Runtime) -> list[str]:
    return list(runtime.snapshot().problems)


def having(runtime: Runtime, text: str) -> Callable[[], bool]:
    return lambda: any(text in p for p in problems(runtime))


def lacking(runtime: Runtime, text: str) -> Callable[[], bool]:
    return lambda: not any(text in p for p in problems(runtime))


async def test_frame_outputs_that_cannot_run_or_fail_are_problems_until_they_work(
    tmp_path: Path,
) -> None:
    """Syphon cannot run on Linux: a standing entry. A recorder whose folder is missing
    fails; once the folder exists its retry records, and its entry goes."""
    async with running_sim(**FAST) as (_, url):
        show = tmp_path / "show.toml"
        show.write_text(
            BASE.format(url=url)
            + '[[sinks]]\nkind = "syphon"\nname = "mac"\n'
            + '[[sinks]]\nkind = "record"\nname = "rec"\npath = "later/take.mp4"\n'
        )
        runtime = Runtime(load_show(show))
        async with running(runtime):
            await wait_for(having(runtime, "syphon out mac: cannot run here"), 20, "syphon")
            await wait_for(having(runtime, "record out rec: "), 20, "the recorder failing")
            (tmp_path / "later").mkdir()
            await wait_for(lacking(runtime, "record out rec"), 30, "the recorder's entry to go")
            assert runtime.router.status()[1].state == "sending"
            assert any("syphon out mac" in p for p in problems(runtime))


async def test_updates_scope_dropped_are_a_problem(tmp_path: Path) -> None:
    """A stand-in whose queue holds one update, and a bridge allowed two in flight: Scope
    drops some, and Problems says how many."""
    async with running_sim(fps=20.0, chunk_frames=4, load_time_s=0.05, queue_size=1) as (_, url):
        show = tmp_path / "show.toml"
        show.write_text(
            BASE.format(url=url).replace(
                "[[prompts]]", "[output]\ninflight_budget = 2\n[[prompts]]"
            )
        )
        runtime = Runtime(load_show(show))
        async with running(runtime):
            await wait_for(lambda: bool(runtime.link and runtime.link.ready), 20, "connected")
            for i in range(300):
                if any("dropped" in p for p in problems(runtime)):
                    break
                runtime.bridge.submit(
                    ev.UiAction(
                        time.monotonic(), "ui", "set_value", "prompt.p.weight", (i % 10) / 10
                    )
                )
                await asyncio.sleep(0.03)
            await wait_for(having(runtime, "Scope dropped"), 10, "the drops entry")
            (entry,) = [p for p in problems(runtime) if "dropped" in p]
            assert entry.startswith("scope: Scope dropped ")
            assert f"({runtime.scope_drops} in all)" in entry


def test_drops_are_news_for_a_while_then_not() -> None:
    now = [0.0]
    watch = DropWatch(lambda: now[0])
    assert watch.message(None) is None
    assert watch.message(0) is None
    assert watch.message(3) == "Scope dropped 3 updates lately (3 in all): its queue was full"
    now[0] = 31.0
    assert watch.message(3) is None
    assert watch.message(4) == "Scope dropped 1 update lately (4 in all): its queue was full"
    now[0] = 40.0
    assert watch.message(1) is not None, "a restarted Scope counts from zero again"


async def test_scope_away_is_a_problem_until_it_is_back(tmp_path: Path) -> None:
    port = free_port()
    sim = SimProcess(port, "--fps", "20", "--chunk-frames", "4", "--load-time", "0.05")
    await sim.start()
    try:
        show = tmp_path / "show.toml"
        show.write_text(BASE.format(url=sim.url))
        runtime = Runtime(load_show(show))
        async with running(runtime):
            assert runtime.link is not None
            await wait_for(lambda: bool(runtime.link and runtime.link.ready), 20, "connected")
            assert lacking(runtime, "scope:")()
            await sim.kill()
            await wait_for(having(runtime, "scope: "), 20, "Scope away in Problems")
            await sim.start()
            await wait_for(lambda: bool(runtime.link and runtime.link.ready), 30, "back")
            await wait_for(lacking(runtime, "scope: "), 5, "the entry to go")
    finally:
        await sim.kill()


async def test_a_show_file_broken_or_gone_is_a_problem_until_fixed(tmp_path: Path) -> None:
    show = tmp_path / "show.toml"
    good = BASE.format(url="http://127.0.0.1:9")
    show.write_text(good)
    runtime = Runtime(load_show(show))
    show.write_text(good + "[[prompts]]\nid = 'p'\n")  # a second prompt with the same id
    assert await runtime.reload() is not None
    assert having(runtime, "reload: kept the running show")()
    show.write_text(good)
    assert await runtime.reload() is None
    assert lacking(runtime, "reload:")()

    show.unlink()
    assert await runtime.reload() is not None
    assert having(runtime, "reload: kept the running show")()
    show.write_text(good)
    assert await runtime.reload() is None
    assert lacking(runtime, "reload:")()

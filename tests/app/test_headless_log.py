"""Headless logs say each change once: a real `scope-bridge run --headless` against the
stand-in (a process), which is killed for a while and started again."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.sim.simkit import SimProcess, free_port

SHOW = """
schema = 1
[scope]
url = "{url}"
pipeline = "longlive"
[[prompts]]
id = "a"
text = "first"
[[mappings]]
id = "bias-lfo"
source = {{ lfo = "sine", period_s = 4.0 }}
target = "kv_cache_attention_bias"
"""
OUTAGE_S = 12.0


class Lines:
    """The process's log lines with the time each arrived (read on a thread)."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.seen: list[tuple[float, str]] = []
        self._thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self._thread.start()

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            self.seen.append((time.monotonic(), line.rstrip("\n")))

    def close(self, proc: subprocess.Popen[str]) -> None:
        self._thread.join(10)
        if proc.stderr is not None:
            proc.stderr.close()

    def between(self, start: float, end: float) -> list[str]:
        return [line for t, line in self.seen if start <= t <= end]

    async def wait(self, text: str, after: float, within: float = 30.0) -> float:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            for t, line in list(self.seen):
                if t >= after and text in line:
                    return t
            await asyncio.sleep(0.05)
        raise AssertionError(f"{text!r} never logged; the log:\n" + "\n".join(self.all()))

    def all(self) -> list[str]:
        return [line for _, line in self.seen]


def start_headless(show: Path, run: Path) -> subprocess.Popen[str]:
    run.mkdir(mode=0o700)
    return subprocess.Popen(
        [sys.executable, "-m", "bridge", "run", "--headless", str(show)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "XDG_RUNTIME_DIR": str(run)},
    )


async def test_an_outage_is_a_few_lines_and_each_problem_one(tmp_path: Path) -> None:
    sim = SimProcess(free_port(), "--fps", "20", "--chunk-frames", "4", "--load-time", "0.05")
    await sim.start()
    show = tmp_path / "show.toml"
    show.write_text(SHOW.format(url=sim.url))
    proc = start_headless(show, tmp_path / "run")
    lines = Lines(proc)
    try:
        start = time.monotonic()
        await lines.wait("scope: connected to", start)
        await lines.wait("pipeline longlive has no KV-cache attention bias", start)
        await sim.kill()
        killed = time.monotonic()
        await asyncio.sleep(OUTAGE_S)
        await sim.start()
        back = await lines.wait("scope: connected to", time.monotonic())
        await asyncio.sleep(1.0)
    finally:
        await sim.kill()
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
        code = proc.wait(15)
        lines.close(proc)
        assert code == 0, "SIGTERM is a clean stop"
    log = lines.all()
    assert "Traceback" not in "\n".join(log)
    ignored = [line for line in log if "has no KV-cache attention bias" in line]
    assert len(ignored) == 1, ignored  # not "pipeline: X" and then "problem: pipeline: X"

    outage = lines.between(killed, back)
    summaries = [line for line in outage if " · frames " in line]
    changes = [line for line in outage if line not in summaries]
    assert len(summaries) <= (back - killed) / 5 + 2, summaries  # one every 5 s
    assert not [line for line in changes if "reconnecting in" in line], "no countdown lines"
    # down once, each distinct reason once (a loaded machine can add a reason or two), where
    # before it was a "reconnecting in N s" line every 0.5 s: 24 in this outage
    assert len(changes) <= 10, "\n".join(changes)
    assert any("scope: not connected" in line for line in changes), changes
    assert len(set(changes)) == len(changes), "no line said twice"

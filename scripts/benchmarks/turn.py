"""turn.*: a far-away Scope reached only through TURN over TCP, next to one on loopback.

The same bridge process (``turn_bridge``: a whole ``Runtime``, a 100 Hz OSC knob storm, the
frames counted as they reach the router) runs three times in one run:

- ``loopback``: the stand-in on 127.0.0.1, host candidates, no TURN (the baseline);
- ``turn``: the lab (``turnlab``) without distance: UDP dropped between the namespaces, media
  through coturn over TCP (what TURN itself costs);
- ``far``: the lab as a rented GPU: also 40 ± 10 ms each way (80 ms round trip) and 1% of TCP
  packets lost each way. No netem here: a delaying relay makes the distance (see turnlab);
- ``far_auto``: the same lab, a short run with ``ice_relay`` left to ``auto``: ``connect_s``
  is what the failed first try (UDP) costs before the relay over TCP takes over.

Per case: messages sent / lost / dropped by Scope's queue, final state applied, delivery (a
message's send to its arrival at the stand-in: the link alone), apply latency
p50/p95 (ms, and p95 in chunk periods of the stand-in's 15 Hz calls), frames per second,
frames missing by the stand-in's stamped counter, frame gap p99 and max, freezes (gaps over
0.5 s), time to the first 10 frames. Ratios against loopback in the same run.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from typing import Any

from scripts.benchmarks import standin
from scripts.benchmarks.control import free_port
from scripts.harness.turn_bridge import SIM_ARGS
from scripts.harness.turnlab import CREDENTIAL_ENV, Lab, turn_lab

FIGURES = (
    "sent",
    "lost",
    "drops",
    "final_ok",
    "deliver_ms_p50",
    "deliver_ms_p95",
    "apply_ms_p50",
    "apply_ms_p95",
    "apply_p95_chunks",
    "fps",
    "frames_missing",
    "gap_ms_p99",
    "gap_ms_max",
    "freezes",
    "connect_s",
)


def _result(out: str, where: str) -> dict[str, Any]:
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"the bridge process ({where}) printed no result: {out[-600:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    if "error" in result:
        raise RuntimeError(f"{where}: {result['error']}")
    return result


def driver(url: str, seconds: float, *args: str) -> list[str]:
    return [sys.executable, "-m", "scripts.harness.turn_bridge", url, str(seconds), *args]


def loopback(seconds: float) -> dict[str, Any]:
    sim, url = standin.start(free_port(socket.SOCK_STREAM), *SIM_ARGS)
    try:
        standin.wait_up(sim, url)
        done = subprocess.run(
            driver(url, seconds), capture_output=True, text=True, timeout=seconds + 90, check=False
        )
        return _result(done.stdout + done.stderr, "loopback")
    finally:
        sim.terminate()
        try:
            sim.wait(10)
        except subprocess.TimeoutExpired:
            sim.kill()
            sim.wait(5)


def in_lab(seconds: float, shaped: bool) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The explicit ``ice_relay = "tcp"`` run; in the shaped lab also a short run left to
    ``auto`` (its first try fails, the second relays): its figures and time to video."""
    with turn_lab(SIM_ARGS, shaped=shaped) as lab:
        result = lab_run(lab, seconds, "tcp", "far" if shaped else "turn")
        auto = lab_run(lab, 2.0, "auto", "far_auto") if shaped else None
        result["turn_kbytes"] = lab.proxy_totals("turn").get("down_bytes", 0) / 1000
        return result, auto


def lab_run(lab: Lab, seconds: float, relay: str, where: str) -> dict[str, Any]:
    env = {**os.environ, CREDENTIAL_ENV: lab.credential}
    argv = driver(lab.scope_url, seconds, "--relay", relay, "--give-up", "90")
    proc = lab.start(lab.in_bridge_ns(argv), env=env)
    out, _ = proc.communicate(timeout=seconds + 180)
    return _result(out, where)


def run(quick: bool = False) -> dict[str, float]:
    seconds = 5.0 if quick else 10.0
    turn, _ = in_lab(seconds, shaped=False)
    far, far_auto = in_lab(seconds, shaped=True)
    assert far_auto is not None
    cases = {"loopback": loopback(seconds), "turn": turn, "far": far, "far_auto": far_auto}
    out: dict[str, float] = {}
    for case, got in cases.items():
        for name in (*FIGURES, "turn_kbytes"):
            if name in got:
                out[f"turn.{case}.{name}"] = float(got[name])
    base = cases["loopback"]
    for case in ("turn", "far"):
        got = cases[case]
        out[f"turn.{case}.apply_p95_ratio"] = got["apply_ms_p95"] / base["apply_ms_p95"]
        out[f"turn.{case}.fps_ratio"] = got["fps"] / base["fps"]
    remote = (cases["turn"], cases["far"], cases["far_auto"])
    out["turn.drops"] = float(sum(c["drops"] + c["lost"] for c in remote))
    out["turn.final_state_ok"] = float(all(c["final_ok"] for c in remote))
    out["turn.freezes"] = float(sum(c["freezes"] for c in remote))
    return out

"""A far-away Scope that no UDP reaches: the bridge streams through a real coturn over TCP.

The lab (``scripts/harness/turnlab.py``): the stand-in and coturn in one network namespace,
the bridge (a whole ``Runtime`` in its own process) in another, a veth pair between them that
drops all UDP and 1% of TCP packets, 40 ± 10 ms each way on the TCP paths (this kernel has no
netem: a delaying relay stands in). The stand-in hands out a UDP TURN URL first and a TCP one
second, as a Scope with TURN credentials does, and aioice uses only the first TURN URL it is
given: without ``ice_relay = "tcp"`` the bridge cannot connect at all.

Needs root, iproute2, nftables and coturn (``./scripts/system-packages`` installs them); it
fails, never skips, without them.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from scripts.harness.turn_bridge import SIM_ARGS
from scripts.harness.turnlab import CREDENTIAL_ENV, Lab, lab_missing, turn_lab


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    missing = lab_missing()
    if missing is not None:
        pytest.fail(f"The TURN lab cannot run here: {missing}.")
    with turn_lab(SIM_ARGS) as running:
        yield running


def bridge_run(lab: Lab, seconds: float, *args: str, give_up: float = 30.0) -> dict[str, Any]:
    """One bridge process on the bridge's side of the lab; its JSON result."""
    argv = [sys.executable, "-m", "scripts.harness.turn_bridge", lab.scope_url, str(seconds)]
    argv += ["--give-up", str(give_up), *args]
    proc = lab.start(lab.in_bridge_ns(argv), env={**os.environ, CREDENTIAL_ENV: lab.credential})
    out, _ = proc.communicate(timeout=give_up + seconds + 60)
    lines = [line for line in out.splitlines() if line.startswith("{")]
    assert lines, f"the bridge process printed no result: {out[-800:]}"
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def test_without_relay_over_tcp_nothing_connects(lab: Lab) -> None:
    """The control: the firewall really drops UDP, so ICE as aiortc does it cannot get through."""
    result = bridge_run(lab, 1.0, "--relay", "off", give_up=8.0)
    assert "error" in result, result
    assert lab.udp_dropped() > 0


def assert_clean(result: dict[str, Any]) -> None:
    assert "error" not in result, result
    assert result["sent"] > 0
    assert result["lost"] == 0, result  # every message sent reached the stand-in
    assert result["drops"] == 0, result  # and none overflowed its queue
    assert result["final_ok"], result


def test_scope_s_turn_server_over_tcp_carries_control_and_video(lab: Lab) -> None:
    result = bridge_run(lab, 4.0, "--relay", "tcp")
    assert_clean(result)
    assert result["fps"] > 15, result  # the stand-in makes 30
    assert result["gap_ms_max"] < 1000, result  # no freeze (loose: a shared machine)
    assert result["frames_missing"] <= result["frames"] * 0.05, result


def test_the_show_s_own_turn_server_with_its_credential_from_the_environment(lab: Lab) -> None:
    result = bridge_run(lab, 2.0, "--relay", "tcp", *(f"--own-ice={url}" for url in lab.turn_urls))
    assert_clean(result)
    assert result["frames"] > 0, result


def test_by_default_a_failed_connection_is_retried_through_turn_over_tcp(lab: Lab) -> None:
    """``ice_relay = "auto"`` (the default): the first try times out, the next one relays."""
    result = bridge_run(lab, 2.0, "--relay", "auto", give_up=60.0)
    assert_clean(result)
    assert result["connect_s"] > 10, result  # it did not connect before the first try failed


def test_the_video_went_through_the_turn_server(lab: Lab) -> None:
    """Runs last in this module: stopping the TURN proxy tells the bytes it carried."""
    totals = lab.proxy_totals("turn")
    assert totals.get("down_bytes", 0) > 100_000, totals

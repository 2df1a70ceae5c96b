"""The stand-in's own OSC server: UDP on its HTTP port, as Scope 0.1.6+ has it."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest
from pythonosc.osc_message_builder import OscMessageBuilder

from tests.sim.simkit import running_sim, streaming, wait_for


def _message(address: str, value: float) -> bytes:
    builder = OscMessageBuilder(address)
    builder.add_arg(value)
    return bytes(builder.build().dgram)


async def test_osc_on_the_http_port_reaches_the_session_unpaced() -> None:
    """Known keys within range go to the session; others are counted and dropped."""
    async with streaming("longlive", fps=16.0) as (sim, _, _, _):
        assert sim.port is not None
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            for address, value in (
                ("/scope/noise_scale", 0.25),
                ("/scope/noise_scale", 2.0),  # above its maximum
                ("/scope/no_such_key", 1),
                ("/other/noise_scale", 0.5),  # not Scope's address space
            ):
                sender.sendto(_message(address, value), ("127.0.0.1", sim.port))
        await wait_for(lambda: sim.osc.counts["applied"] == 1, 3.0, "the OSC value")
        engine = next(iter(sim.sessions.values())).engine
        await wait_for(lambda: engine.params.get("noise_scale") == 0.25, 3.0, "it to apply")
        await asyncio.sleep(0.1)
        async with httpx.AsyncClient() as http:
            status = (await http.get(f"http://127.0.0.1:{sim.port}/api/v1/osc/status")).json()
    assert sim.osc.counts == {"applied": 1, "unknown": 1, "invalid": 1}
    assert (status["listening"], status["port"], status["host"]) == (True, sim.port, "127.0.0.1")


async def test_a_show_cannot_take_osc_on_the_port_the_stand_in_serves() -> None:
    """The port is really taken, as it is on a host running Scope 0.2.x."""
    async with running_sim() as (sim, _):
        assert sim.port is not None
        with (
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock,
            pytest.raises(OSError, match="in use"),
        ):
            sock.bind(("127.0.0.1", sim.port))
    async with running_sim(version="0.1.4") as (sim, _):
        assert sim.port is not None
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind(("127.0.0.1", sim.port))  # 0.1.4 had no OSC server

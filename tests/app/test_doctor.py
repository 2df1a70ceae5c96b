"""`scope-bridge doctor` as a person runs it (a real process), against real peers: the JACK
server up and absent, a JACK MIDI port from another process, the stand-in up and down, a
Scope that accepts and never answers, OSC ports held by another socket."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bridge.cli.doctor.run import _size_problem
from tests.io.jackkit import StartSender
from tests.sim.simkit import free_port, running_sim

MIDI_SHOW = """schema = 1
[scope]
url = "{url}"
pipeline = "{pipeline}"
width = {width}
height = 64
[[prompts]]
id = "a"
text = "a"
[devices.midi.pad]
port = "{port}"
match = "glob"
api = "UNIX_JACK"
"""

OSC_SHOW = """schema = 1
[scope]
url = "{url}"
pipeline = "controller-viz"
width = 128
height = 64
[[prompts]]
id = "a"
text = "a"
[devices.osc.td]
port = {port}
"""


async def doctor(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, float]:
    """Run the command; its exit status, stdout (stderr must be clean) and seconds taken."""
    start = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bridge",
        "doctor",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert "Traceback" not in err.decode(), err.decode()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), time.monotonic() - start


def checks(out: str) -> dict[str, dict[str, Any]]:
    report = json.loads(out)
    return {c["area"]: c for c in report["checks"]}


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "show.toml"
    path.write_text(text)
    return str(path)


JACK_ENV = {"MIDO_BACKEND": "mido.backends.rtmidi/UNIX_JACK"}


async def test_machine_only_with_the_jack_server_up(jack_server: str) -> None:
    code, out, _ = await doctor("--json", env=JACK_ENV)
    found = checks(out)
    assert found["midi api JACK"]["status"] == "ok"
    assert found["python"]["status"] == "ok"
    assert found["packages"]["status"] == "ok", found["packages"]
    assert found["runtime dir"]["status"] == "ok"
    assert code == 0, out


async def test_a_controller_on_jack_and_the_stand_in_up(
    jack_server: str, start_sender: StartSender, tmp_path: Path
) -> None:
    """Everything there: the controller's port (another process's JACK MIDI port) matches,
    Scope answers with its version, the pipeline is offered at the show's size."""
    await start_sender("doctor-pad", "out")
    async with running_sim() as (_, url):
        show = write(
            tmp_path,
            MIDI_SHOW.format(url=url, pipeline="controller-viz", width=128, port="doctor-pad:*"),
        )
        code, out, _ = await doctor(show, "--json", env=JACK_ENV)
    found = checks(out)
    assert found["midi pad"]["status"] == "ok"
    assert "doctor-pad:out" in found["midi pad"]["text"]
    assert found["scope"]["status"] == "ok"
    assert "0.2.4" in found["scope"]["text"]
    assert found["pipeline controller-viz"]["status"] == "ok"
    assert code == 0, out


async def test_without_the_jack_server_the_controller_is_missing(
    jack_server: str, tmp_path: Path
) -> None:
    """A server name nobody runs is a machine without JACK: missing, with how to start it."""
    absent = {**JACK_ENV, "JACK_DEFAULT_SERVER": f"doctor-absent-{os.getpid()}"}
    show = write(
        tmp_path,
        MIDI_SHOW.format(url="http://127.0.0.1:1", pipeline="longlive", width=576, port="x*"),
    )
    code, out, seconds = await doctor(show, "--json", env=absent)
    found = checks(out)
    assert found["midi api JACK"]["status"] == "missing"
    assert "JACK server" in found["midi api JACK"]["fix"]
    assert "midi pad" not in found, "the API line already says why"
    assert code == 1
    assert seconds < 30


async def test_the_stand_in_down_and_a_pipeline_it_lacks(tmp_path: Path) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    show = write(tmp_path, OSC_SHOW.format(url=down, port=free_port()))
    code, out, _ = await doctor(show, "--json")
    found = checks(out)
    assert found["scope"]["status"] == "missing"
    assert "scope-bridge sim" in found["scope"]["fix"]
    assert code == 1
    async with running_sim() as (_, url):
        text = MIDI_SHOW.format(url=url, pipeline="nope", width=128, port="x").split("[devices")[0]
        code, out, _ = await doctor(write(tmp_path, text), "--json")
        found = checks(out)
        assert found["pipeline nope"]["status"] == "missing"
        assert "controller-viz" in found["pipeline nope"]["text"], "it names what is offered"
        assert code == 1


def test_the_size_is_held_to_the_schema() -> None:
    """min_dimension and the config schema's bounds, as Scope's pipelines declare them."""
    schema = {
        "min_dimension": 64,
        "config_schema": {"properties": {"width": {"minimum": 1, "maximum": 1024}}},
    }
    assert _size_problem(schema, 512, 288) == ""
    assert "min_dimension 64" in _size_problem(schema, 512, 32)
    assert "maximum 1024" in _size_problem(schema, 2048, 288)
    assert _size_problem("not a schema", 512, 288) == ""


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A TCP port that accepts connections and never says a word."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


async def test_a_scope_that_never_answers_costs_seconds(tmp_path: Path, silent_server: str) -> None:
    show = write(tmp_path, OSC_SHOW.format(url=silent_server, port=free_port()))
    code, out, seconds = await doctor(show, "--json")
    assert checks(out)["scope"]["status"] == "missing"
    assert code == 1
    assert seconds < 20, "every probe is bounded"


async def test_osc_ports_held_or_shared_with_scope(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as held:
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
        code, out, _ = await doctor(
            write(tmp_path, OSC_SHOW.format(url="http://127.0.0.1:1", port=port)), "--json"
        )
    found = checks(out)["osc td"]
    assert found["status"] == "missing"
    assert f"pid {os.getpid()}" in found["text"], "it names who holds the port"
    assert code == 1
    scope_port = free_port()
    text = OSC_SHOW.format(url=f"http://127.0.0.1:{scope_port}", port=scope_port)
    code, out, _ = await doctor(write(tmp_path, text), "--json")
    assert "Scope's own OSC port" in checks(out)["osc td"]["text"]


async def test_the_screen_reads_one_line_per_check_and_a_broken_show_is_named(
    tmp_path: Path,
) -> None:
    show = write(tmp_path, OSC_SHOW.format(url="http://127.0.0.1:1", port=free_port()))
    code, out, _ = await doctor(show)
    lines = out.strip().splitlines()
    assert lines[0].startswith("ok")
    assert "python" in lines[0]
    assert any(line.startswith("MISSING  scope") and " — " in line for line in lines)
    assert lines[-1].endswith("the show cannot run as it is.")
    assert code == 1
    broken = tmp_path / "broken.toml"
    broken.write_text("schema = 1\n[scope]\nwidht = 3\n")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bridge",
        "doctor",
        str(broken),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 1
    assert "broken.toml" in err.decode()
    assert "Traceback" not in err.decode()


def test_the_audio_check_takes_portaudio_again_after_the_input_let_go_of_it() -> None:
    """An audio input lets go of PortAudio before a JACK server stops; a doctor run in the same
    process then starts it again instead of failing with "PortAudio not initialized"."""
    from bridge.cli.doctor.machine import audio
    from bridge.inputs.audio import portaudio, release_portaudio

    portaudio()
    release_portaudio()
    try:
        (finding,) = audio(())
    finally:  # a JACK client held idle until the session ends can abort the interpreter then
        release_portaudio()
    assert finding.area == "audio"
    assert finding.text.startswith("PortAudio: "), finding

"""Real capture: jack_metro plays a click into PortAudio's JACK input; the tempo comes back."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Callable

import pytest

from bridge.core.events import AudioFeatures, AudioOnset, Event, TempoBeat
from bridge.inputs.audio import LiveAudioInput, release_portaudio
from bridge.inputs.audio.status import AudioState
from tests.io.jackkit import stop_process

pytestmark = pytest.mark.jack

BPM = 120
METRO = "scopebridge_metro"


async def _lsp(*args: str) -> list[str]:
    process = await asyncio.create_subprocess_exec(
        "jack_lsp", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
    )
    out, _ = await process.communicate()
    return out.decode().splitlines()


async def _wait_for_port(fragment: str) -> str:
    while True:
        for port in await _lsp():
            if fragment in port:
                return port
        await asyncio.sleep(0.1)


async def test_metronome_tempo_through_jack(jack_server: str) -> None:
    """A 120 BPM jack_metro, captured live through sounddevice, reads 120 ± 1 within 20 s."""
    if shutil.which("jack_metro") is None or shutil.which("jack_connect") is None:
        pytest.fail("jack_metro / jack_connect missing: install jackd2")
    metro = await asyncio.create_subprocess_exec(
        *("jack_metro", "-n", METRO, "-b", str(BPM), "-f", "1000", "-D", "30"),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    events: list[Event] = []
    source = LiveAudioInput("system", hostapi="JACK", sample_rate=48000, block_size=512)
    task = asyncio.create_task(source.run(events.append), name="audio-input")
    try:
        async with asyncio.timeout(10.0):
            click = await _wait_for_port(f"{METRO}:")
        capture = [p for p in await _lsp() if "PortAudio" in p and ":in" in p]
        while not capture and not task.done():
            await asyncio.sleep(0.1)
            capture = [p for p in await _lsp() if "PortAudio" in p and ":in" in p]
        if task.done():
            task.result()  # surfaces a DeviceError with its message
        assert capture, "PortAudio's JACK input port never appeared"
        connect = await asyncio.create_subprocess_exec("jack_connect", click, capture[0])
        assert await asyncio.wait_for(connect.wait(), 5.0) == 0, "jack_connect failed"
        bpm = 0.0
        async with asyncio.timeout(40.0):
            while True:
                await asyncio.sleep(0.25)
                features = [e for e in events if isinstance(e, AudioFeatures)]
                bpm = features[-1].values["bpm"] if features else 0.0
                beats = [e for e in events if isinstance(e, TempoBeat)]
                if abs(bpm - BPM) < 1.0 and len(beats) >= 4:
                    break
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await stop_process(metro)  # SIGINT: a client that just dies stalls a sync server
        release_portaudio()  # whoever owns the server may stop it before we exit
    onsets = [e for e in events if isinstance(e, AudioOnset)]
    assert len(onsets) >= 4
    assert abs(bpm - BPM) < 1.0
    assert source.blocks > 100
    times = [e.t for e in events]
    assert times == sorted(times)


async def _until(check: Callable[[], bool], what: str, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, f"{what}: not within {within:g} s"
        await asyncio.sleep(0.01)


async def test_a_stream_that_ends_is_lost_then_back_and_says_so(jack_server: str) -> None:
    """The stream ended under it: the input says it is lost, reopens by name, counts the
    return, and says stopped once cancelled."""
    source = LiveAudioInput("system", hostapi="JACK", retry_s=0.3)
    assert source.status.sentence() == "stopped"
    task = asyncio.create_task(source.run(lambda event: None), name="audio-input")
    seen: list[str] = []

    def now(state: AudioState) -> bool:
        if task.done():
            task.result()  # surfaces a DeviceError with its message
        if not seen or seen[-1] != source.status.sentence():
            seen.append(source.status.sentence())
        return source.status.state is state

    try:
        await _until(lambda: now(AudioState.CAPTURING), "capturing")
        capturing = source.status.sentence()
        assert capturing.startswith("capturing from ")
        await asyncio.to_thread(source._stream.stop)  # as if the server dropped the stream
        await _until(lambda: now(AudioState.LOST), "lost")
        await _until(lambda: now(AudioState.CAPTURING), "back")
        assert source.reconnects == 1
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        release_portaudio()
    assert seen == ["stopped", capturing, "lost (the stream ended); retrying", capturing]
    assert source.status.sentence() == "stopped"

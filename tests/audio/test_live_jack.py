"""Real capture: jack_metro plays a click into PortAudio's JACK input; the tempo comes back."""

from __future__ import annotations

import asyncio
import shutil

import pytest

from bridge.core.events import AudioFeatures, AudioOnset, Event, TempoBeat
from bridge.inputs.audio import LiveAudioInput, release_portaudio
from tests.io.jackkit import poll

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
        async with asyncio.timeout(20.0):
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
        metro.terminate()
        await asyncio.wait_for(metro.wait(), 5.0)
        release_portaudio()  # whoever owns the server may stop it before we exit
    onsets = [e for e in events if isinstance(e, AudioOnset)]
    assert len(onsets) >= 4
    assert abs(bpm - BPM) < 1.0
    assert source.blocks > 100
    times = [e.t for e in events]
    assert times == sorted(times)


WATCHED = "scopebridge_watchdog"


async def _start_metro(name: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *("jack_metro", "-n", name, "-b", str(BPM), "-f", "1000", "-D", "30"),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        await asyncio.wait_for(process.wait(), 5.0)


def _bpm(events: list[Event]) -> float:
    features = [e for e in events if isinstance(e, AudioFeatures)]
    return features[-1].values["bpm"] if features else 0.0


async def test_lost_device_is_reported_and_reopened_by_name(
    jack_server: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A JACK client used as the input device vanishes and its stream ends: one warning line,
    retries by name while it is gone, capture resumes when it returns, tempo state kept."""
    if shutil.which("jack_metro") is None:
        pytest.fail("jack_metro missing: install jackd2")
    caplog.set_level("WARNING", logger="bridge.inputs.audio")
    # PortAudio lists every JACK client with output ports as an input device, and connects to
    # its ports when the stream starts: the metronome's client *is* the device here.
    metros = [await _start_metro(WATCHED)]
    events: list[Event] = []
    source = LiveAudioInput(WATCHED, hostapi="JACK", stall_s=2.0, retry_s=0.5)
    task = asyncio.create_task(source.run(events.append), name="audio-input")
    try:
        async with asyncio.timeout(10.0):
            await _wait_for_port(f"{WATCHED}:")
            while abs(_bpm(events) - BPM) >= 1.0:
                if task.done():
                    task.result()  # surfaces a DeviceError with its message
                await asyncio.sleep(0.1)
        # The device goes away. Over JACK, PortAudio keeps its own client running (silence),
        # so the loss that ends a stream (the server dropping our client) is played by
        # ending the real stream ourselves, at the same moment.
        await _stop(metros[0])
        stream = source._stream
        assert stream is not None
        await asyncio.to_thread(stream.abort)
        waiting = await poll(lambda: source.status.startswith("waiting for"), 10.0)
        assert waiting, f"the lost device was not retried: {source.status}"
        assert "no audio input matches" in source.status
        lost = [r.getMessage() for r in caplog.records if "lost" in r.getMessage()]
        assert lost == [
            f"audio input {WATCHED!r} lost (the stream ended): closed, retrying every 0.5 s"
        ]
        before = len(events)
        await asyncio.sleep(1.2)  # a few failed retries: still one line, nothing emitted
        assert len(events) == before
        assert len([r for r in caplog.records if "lost" in r.getMessage()]) == 1

        metros.append(await _start_metro(WATCHED))
        async with asyncio.timeout(10.0):
            while source.reconnects == 0 or len(events) == before:
                if task.done():
                    task.result()
                await asyncio.sleep(0.05)
        assert source.status.startswith("capturing")
        # The analyser kept its state: the tempo is there at once, with no new lock-in.
        first = next(e for e in events[before:] if isinstance(e, AudioFeatures))
        assert abs(first.values["bpm"] - BPM) < 1.0
        blocks = source.blocks
        await asyncio.sleep(0.5)
        assert source.blocks > blocks + 20
        assert any("is back" in r.getMessage() for r in caplog.records)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        for metro in metros:
            await _stop(metro)
        release_portaudio()
    times = [e.t for e in events]
    assert times == sorted(times)

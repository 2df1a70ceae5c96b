"""File input end to end (a real WAV through soundfile), the sample ring, and clear errors."""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile

from bridge.core.events import AudioFeatures, AudioOnset, Event, TempoBeat
from bridge.errors import DeviceError
from bridge.inputs.audio import BlockRing, FileAudioInput, LiveAudioInput
from bridge.inputs.audio import opening as audio_opening

from .signals import BLOCK, SR, click_track


def write_clicks(path: Path, bpm: float, seconds: float) -> list[float]:
    audio, beats = click_track(bpm, seconds, offset=0.1)
    soundfile.write(path, np.stack([audio, audio], axis=1), SR, subtype="PCM_16")
    return beats


async def test_file_as_fast_as_possible(tmp_path: Path) -> None:
    """A 10 s stereo WAV plays in well under real time; onsets, tempo and beats come out."""
    path = tmp_path / "clicks.wav"
    truth = write_clicks(path, 126.0, 10.0)
    events: list[Event] = []
    source = FileAudioInput(path, realtime=False, start_time=100.0)
    started = time.monotonic()
    await source.run(events.append)
    assert time.monotonic() - started < 5.0
    onsets = [e.t - 100.0 for e in events if isinstance(e, AudioOnset)]
    assert len(onsets) == len(truth)
    assert max(abs(a - b) for a, b in zip(onsets, truth, strict=True)) < 0.03
    features = [e for e in events if isinstance(e, AudioFeatures)]
    assert abs(features[-1].values["bpm"] - 126.0) < 1.0
    assert len([e for e in events if isinstance(e, TempoBeat)]) > 10
    assert source.blocks == -(-10 * SR // BLOCK)


async def test_file_in_real_time_is_paced(tmp_path: Path) -> None:
    """Real-time playback of a 1 s file takes about a second, stamped on the loop clock."""
    path = tmp_path / "short.flac"
    audio, _ = click_track(120.0, 1.0)
    soundfile.write(path, audio, SR)
    events: list[Event] = []
    loop = asyncio.get_running_loop()
    started = loop.time()
    await FileAudioInput(path, realtime=True).run(events.append)
    elapsed = loop.time() - started
    assert 0.9 < elapsed < 3.0
    stamps = [e.t for e in events if isinstance(e, AudioFeatures)]
    assert stamps == sorted(stamps)
    assert started < stamps[0]
    assert stamps[-1] <= loop.time()


async def test_repeat_runs_until_cancelled(tmp_path: Path) -> None:
    """With repeat the file loops; cancelling stops it cleanly."""
    path = tmp_path / "loop.wav"
    soundfile.write(path, np.zeros(BLOCK * 4), SR)
    source = FileAudioInput(path, realtime=False, repeat=True)
    enough = asyncio.Event()

    def count(event: Event) -> None:
        if source.blocks >= 40:
            enough.set()

    task = asyncio.create_task(source.run(count))
    await asyncio.wait_for(enough.wait(), 5.0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_missing_file_is_one_clear_error(tmp_path: Path) -> None:
    """A file that is not there becomes a DeviceError naming it."""
    with pytest.raises(DeviceError, match=r"nothere\.wav cannot be read"):
        await FileAudioInput(tmp_path / "nothere.wav").run(lambda _e: None)


async def test_missing_portaudio_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without sounddevice importable, live input says what is missing."""
    monkeypatch.setitem(sys.modules, "sounddevice", None)
    with pytest.raises(DeviceError, match="sounddevice"):
        await LiveAudioInput().run(lambda _e: None)


def test_ring_reassembles_odd_writes_into_blocks() -> None:
    """Writes of any size come back as whole blocks, in order, each with its end time."""
    ring = BlockRing(4096, 1)
    signal = np.arange(3000, dtype=np.float32)[:, None]
    written = 0
    for size in (100, 700, 1, 1199, 1000):
        written += size
        ring.write(signal[written - size : written], written / 1000.0)
    blocks = list(ring.blocks(512, 1000.0))
    assert len(blocks) == 3000 // 512
    joined = np.concatenate([b for b, _ in blocks])
    assert np.array_equal(joined, signal[: len(joined)])
    assert [round(t, 3) for _, t in blocks] == [0.512 * (i + 1) for i in range(len(blocks))]
    assert ring.dropped == 0


def test_ring_drops_oldest_when_reader_falls_behind() -> None:
    """If the reader is a whole ring behind, the oldest samples go and are counted."""
    ring = BlockRing(1024, 2)
    for i in range(10):
        ring.write(np.full((512, 2), i, dtype=np.float32), float(i))
    blocks = list(ring.blocks(512, 48000.0))
    assert ring.dropped == 10 * 512 - 512
    assert [int(b[0, 0]) for b, _ in blocks] == [9]


class _Stream:
    """Stands in for a PortAudio stream whose start hangs (a stuck audio server)."""

    def __init__(self) -> None:
        self.closed = threading.Event()

    def stop(self) -> None:
        pass

    def close(self) -> None:
        self.closed.set()


async def test_a_stream_that_never_starts_fails_in_a_sentence_and_is_closed_later(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(audio_opening, "OPEN_TIMEOUT_S", 0.2)
    release = threading.Event()
    stream = _Stream()

    def stuck_open() -> _Stream:
        release.wait(10.0)
        return stream

    loop = asyncio.get_running_loop()
    with pytest.raises(DeviceError, match=r"audio input mic did not start within 0.2 s"):
        await audio_opening.open_with_deadline(loop, stuck_open, "mic")
    release.set()  # the server answers at last: the abandoned thread closes what it got
    assert await asyncio.to_thread(stream.closed.wait, 5.0)


async def test_cancelling_a_stuck_open_returns_at_once() -> None:
    release = threading.Event()
    stream = _Stream()

    def stuck_open() -> _Stream:
        release.wait(10.0)
        return stream

    opening = asyncio.create_task(
        audio_opening.open_with_deadline(asyncio.get_running_loop(), stuck_open, "mic")
    )
    await asyncio.sleep(0.05)
    opening.cancel()
    async with asyncio.timeout(1.0):  # quitting must not wait for the audio server
        with pytest.raises(asyncio.CancelledError):
            await opening
    release.set()
    assert await asyncio.to_thread(stream.closed.wait, 5.0)

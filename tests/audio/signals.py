"""Test signals with known content: sine bursts, clicks, band-limited noise, silence."""

from __future__ import annotations

import numpy as np

from bridge.core.events import Event
from bridge.features.analyser import AudioAnalyser
from bridge.features.config import Floats

SR = 48000
BLOCK = 512


def sine(freq: float, seconds: float, amp: float = 0.5) -> Floats:
    """A steady sine."""
    t = np.arange(round(seconds * SR)) / SR
    out: Floats = amp * np.sin(2 * np.pi * freq * t)
    return out


def clicks(times: list[float], seconds: float, amp: float = 0.8) -> Floats:
    """Short decaying 2 kHz blips starting exactly at ``times``."""
    out = np.zeros(round(seconds * SR))
    n = round(0.02 * SR)
    blip = amp * np.sin(2 * np.pi * 2000.0 * np.arange(n) / SR) * np.exp(-np.arange(n) / 150.0)
    for t in times:
        start = round(t * SR)
        end = min(start + n, out.size)
        out[start:end] += blip[: end - start]
    return out


def click_track(bpm: float, seconds: float, offset: float = 0.0) -> tuple[Floats, list[float]]:
    """Clicks on every beat; returns the audio and the beat times."""
    beats = list(np.arange(offset, seconds - 0.05, 60.0 / bpm))
    return clicks(beats, seconds), beats


def band_noise(lo: float, hi: float, seconds: float, seed: int = 1, rms: float = 0.2) -> Floats:
    """White noise with everything outside lo..hi Hz removed."""
    n = round(seconds * SR)
    spectrum = np.fft.rfft(np.random.default_rng(seed).standard_normal(n))
    f = np.fft.rfftfreq(n, 1.0 / SR)
    spectrum[(f < lo) | (f > hi)] = 0.0
    out = np.fft.irfft(spectrum, n)
    scaled: Floats = out * (rms / float(np.sqrt(np.mean(out**2))))
    return scaled


def feed(analyser: AudioAnalyser, audio: Floats, start: float = 0.0) -> list[Event]:
    """Run ``audio`` through the analyser block by block; ``t`` is each block's end."""
    events: list[Event] = []
    for i in range(audio.size // BLOCK):
        t = start + (i + 1) * BLOCK / SR
        events.extend(analyser.process(audio[i * BLOCK : (i + 1) * BLOCK], t))
    return events

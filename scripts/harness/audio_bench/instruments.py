"""Numpy drum kit and synths for the benchmark tracks: each returns one hit as float samples."""

from __future__ import annotations

import numpy as np

from bridge.features.config import Floats

SR = 48000


def _time(seconds: float) -> Floats:
    return np.arange(round(seconds * SR)) / SR


def kick(rng: np.random.Generator) -> Floats:
    """A pitch-swept sine with a short click."""
    t = _time(0.35)
    freq = 48.0 + 110.0 * np.exp(-t / 0.03)
    body = np.sin(2 * np.pi * np.cumsum(freq) / SR) * np.exp(-t / 0.13)
    click = np.zeros_like(t)
    n = round(0.003 * SR)
    click[:n] = rng.standard_normal(n) * np.linspace(1.0, 0.0, n) * 0.3
    return 0.9 * body + click


def snare(rng: np.random.Generator, gain: float = 1.0) -> Floats:
    """Bright noise with a 190 Hz body."""
    t = _time(0.25)
    noise = np.diff(rng.standard_normal(t.size + 1)) * 0.35 * np.exp(-t / 0.06)
    body = np.sin(2 * np.pi * 190.0 * t) * 0.4 * np.exp(-t / 0.05)
    return gain * (noise + body)


def hat(rng: np.random.Generator, gain: float = 1.0, decay: float = 0.02) -> Floats:
    """High-passed noise (second difference), short decay."""
    t = _time(max(0.08, 5 * decay))
    noise = np.diff(rng.standard_normal(t.size + 2), n=2) * 0.12
    return gain * noise * np.exp(-t / decay)


def bass(freq: float, length: float) -> Floats:
    """A plucked bass note with a 3 ms attack."""
    t = _time(length)
    tone = np.sin(2 * np.pi * freq * t) + 0.4 * np.sin(4 * np.pi * freq * t)
    env = np.minimum(t / 0.003, 1.0) * np.exp(-t / 0.18)
    out: Floats = 0.3 * tone * env
    return out


def pluck(freq: float, gain: float = 1.0) -> Floats:
    """A bell-like pluck (inharmonic partial), 1 ms attack."""
    t = _time(0.6)
    tone = np.sin(2 * np.pi * freq * t) + 0.35 * np.sin(2 * np.pi * 2.76 * freq * t)
    env = np.minimum(t / 0.001, 1.0) * np.exp(-t / 0.25)
    out: Floats = 0.25 * gain * tone * env
    return out


def pad(freqs: tuple[float, ...], length: float, rng: np.random.Generator, attack: float) -> Floats:
    """A detuned chord with an ``attack``-second rise and a 0.3 s release."""
    t = _time(length + 0.3)
    tone = np.zeros_like(t)
    # Three unequal voices per note: the beating of a real detuned pad, never a full-depth
    # tremolo (two equal sines cancel to silence twice per beat cycle).
    for f in freqs:
        for detune, amp in ((1.0, 1.0), (1.0 + rng.uniform(0.001, 0.003), 0.5), (0.998, 0.3)):
            tone += amp * np.sin(2 * np.pi * f * detune * t + rng.uniform(0, 2 * np.pi))
    env = np.minimum(t / attack, 1.0) * np.clip((length + 0.3 - t) / 0.3, 0.0, 1.0)
    out: Floats = 0.06 * tone * env
    return out


def pink_noise(n: int, rng: np.random.Generator) -> Floats:
    """Noise with a 1/f power spectrum, unit RMS."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1.0 / SR)
    spectrum[1:] /= np.sqrt(f[1:] / 20.0).clip(1.0, None)
    spectrum[0] = 0.0
    noise = np.fft.irfft(spectrum, n)
    return noise / float(np.sqrt(np.mean(noise**2)))


def low_pass(audio: Floats, cutoff_hz: float) -> Floats:
    """Remove everything above ``cutoff_hz`` (a brick wall in the frequency domain)."""
    spectrum = np.fft.rfft(audio)
    spectrum[np.fft.rfftfreq(audio.size, 1.0 / SR) > cutoff_hz] = 0.0
    out: Floats = np.fft.irfft(spectrum, audio.size)
    return out

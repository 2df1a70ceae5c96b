"""Analyser features on generated signals: bands, brightness, level, silence, onsets."""

from __future__ import annotations

import numpy as np
import pytest

from bridge.core.events import AudioFeatures, AudioOnset, Event, TempoBeat
from bridge.features import AnalyserConfig, AudioAnalyser

from .signals import BLOCK, SR, band_noise, clicks, feed, sine


def last_features(events: list[Event]) -> dict[str, float]:
    features = [e for e in events if isinstance(e, AudioFeatures)]
    assert features, "the analyser produced no AudioFeatures"
    return dict(features[-1].values)


@pytest.mark.parametrize(("freq", "band"), [(60.0, "bass"), (800.0, "mid"), (6000.0, "high")])
def test_sine_lands_in_its_band(freq: float, band: str) -> None:
    """A steady sine drives its own band to full scale and leaves the others near zero."""
    values = last_features(feed(AudioAnalyser(SR, BLOCK), sine(freq, 1.0)))
    assert values[band] > 0.9
    for other in {"bass", "mid", "high"} - {band}:
        assert values[other] < 0.1, (other, values)


def test_crossovers_are_configurable() -> None:
    """Moving the bass crossover below a tone moves the tone into ``mid``."""
    config = AnalyserConfig(bass_hz=100.0, high_hz=2500.0)
    values = last_features(feed(AudioAnalyser(SR, BLOCK, config), sine(300.0, 1.0)))
    assert values["mid"] > 0.9
    assert values["bass"] < 0.1


def test_brightness_follows_the_spectrum() -> None:
    """High-passed noise reads bright, low-passed noise reads dark."""
    dark = last_features(feed(AudioAnalyser(SR, BLOCK), band_noise(40.0, 300.0, 1.0)))
    bright = last_features(feed(AudioAnalyser(SR, BLOCK), band_noise(4000.0, 12000.0, 1.0)))
    assert dark["brightness"] < 0.35
    assert bright["brightness"] > 0.8
    assert dark["bass"] > 0.5
    assert bright["high"] > 0.5


def test_silence_gives_zero_and_no_events() -> None:
    """Pure silence: every feature is 0, and there is no onset and no beat."""
    events = feed(AudioAnalyser(SR, BLOCK), np.zeros(SR * 2))
    assert not [e for e in events if isinstance(e, AudioOnset | TempoBeat)]
    values = last_features(events)
    for name in ("level", "bass", "mid", "high", "brightness", "intensity", "onset", "bpm"):
        assert values[name] == 0.0, name


def test_features_fall_to_zero_after_sound_stops() -> None:
    """After a click track, silence: values decay to ~0, beats stop, confidence drops."""
    analyser = AudioAnalyser(SR, BLOCK)
    beats = list(np.arange(0.0, 8.0, 0.5))
    loud = feed(analyser, clicks(beats, 8.0))
    confident = last_features(loud)["tempo_confidence"]
    quiet = feed(analyser, np.zeros(SR * 4), start=8.0)
    late = [e for e in quiet if e.t > 8.0 + analyser.config.silence_hold_s]
    assert not [e for e in late if isinstance(e, TempoBeat | AudioOnset)]
    values = last_features(quiet)
    assert values["level"] < 0.01
    assert values["onset"] < 0.01
    assert values["tempo_confidence"] < 0.5 * confident


def test_breakdown_reads_calm() -> None:
    """A passage 20 dB under the loud part reads as a low level (slow auto-gain)."""
    analyser = AudioAnalyser(SR, BLOCK)
    feed(analyser, band_noise(50.0, 8000.0, 4.0, rms=0.3))
    values = last_features(feed(analyser, band_noise(50.0, 8000.0, 3.0, rms=0.03), start=4.0))
    assert 0.02 < values["level"] < 0.25


def test_clicks_become_onsets_within_a_block_or_two() -> None:
    """Each click is one onset, reported 0..2 blocks after it starts."""
    times = [0.3 + 0.37 * i for i in range(10)]
    events = feed(AudioAnalyser(SR, BLOCK), clicks(times, 4.2))
    onsets = [e for e in events if isinstance(e, AudioOnset)]
    assert len(onsets) == len(times)
    for onset, truth in zip(onsets, times, strict=True):
        assert 0.0 <= onset.t - truth <= 2.5 * BLOCK / SR
        assert 0.0 < onset.strength <= 1.0


def test_quiet_clicks_are_found_after_loud_ones() -> None:
    """Clicks 20 dB down, a few seconds after loud ones, are still detected."""
    loud = [0.2, 0.6, 1.0]
    soft = [4.0, 4.4, 4.8, 5.2]
    audio = clicks(loud, 6.0) + clicks(soft, 6.0, amp=0.08)
    onsets = [e.t for e in feed(AudioAnalyser(SR, BLOCK), audio) if isinstance(e, AudioOnset)]
    assert len(onsets) == len(loud) + len(soft)


def test_steady_tone_fires_only_at_its_start() -> None:
    """A steady sine gives one onset where it starts and none after."""
    onsets = [
        e for e in feed(AudioAnalyser(SR, BLOCK), sine(440.0, 3.0)) if isinstance(e, AudioOnset)
    ]
    assert [round(e.t, 3) for e in onsets] == [round(BLOCK / SR, 3)]


def test_noise_bed_rarely_fires() -> None:
    """A steady broadband noise bed: at most one false onset per second (known limit)."""
    audio = band_noise(100.0, 10000.0, 4.0, rms=0.05)
    onsets = [e for e in feed(AudioAnalyser(SR, BLOCK), audio) if isinstance(e, AudioOnset)]
    assert len([e for e in onsets if e.t > 0.1]) <= 4


def test_stereo_blocks_are_downmixed() -> None:
    """Frames × channels input works like mono."""
    mono = sine(800.0, 0.5)
    analyser = AudioAnalyser(SR, BLOCK)
    events: list[Event] = []
    for i in range(mono.size // BLOCK):
        block = mono[i * BLOCK : (i + 1) * BLOCK]
        events.extend(analyser.process(np.stack([block, block], axis=1), (i + 1) * BLOCK / SR))
    assert last_features(events)["mid"] > 0.9


def test_wrong_block_size_is_refused() -> None:
    """A block of the wrong length is a programming error, said plainly."""
    with pytest.raises(ValueError, match="expected 512 frames"):
        AudioAnalyser(SR, BLOCK).process(np.zeros(100), 0.0)


def test_feature_rate_thins_features_but_keeps_every_onset() -> None:
    """With a slow feature rate, onsets between two feature events are all still reported."""
    times = [0.1 + 0.12 * i for i in range(8)]
    config = AnalyserConfig(feature_interval_s=0.5)
    events = feed(AudioAnalyser(SR, BLOCK, config), clicks(times, 1.2))
    assert len([e for e in events if isinstance(e, AudioFeatures)]) <= 3
    assert len([e for e in events if isinstance(e, AudioOnset)]) == len(times)

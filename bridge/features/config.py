"""Tuning of the audio analyser: one frozen value with a docstring per field."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
"""The float arrays every analysis stage passes along."""


@dataclass(frozen=True, slots=True)
class AnalyserConfig:
    """How the analyser listens. Defaults suit club music at 48 kHz in 512-sample blocks."""

    source: str = "audio"
    """Device name stamped on every event."""
    bass_hz: float = 200.0
    """Crossover between ``bass`` and ``mid``."""
    high_hz: float = 2500.0
    """Crossover between ``mid`` and ``high``."""
    attack_s: float = 0.01
    """Time constant of the band and level followers when the value rises."""
    release_s: float = 0.25
    """Time constant when it falls (slower, so a hit reads as a pulse, not a flicker)."""
    intensity_s: float = 2.0
    """Time constant of ``intensity``, the slow envelope of overall energy."""
    autogain_release_s: float = 20.0
    """How fast the auto-gain reference forgets a loud passage: long, so a breakdown reads calm."""
    gate_db: float = -80.0
    """Blocks quieter than this (RMS, dBFS) are treated as empty: features fall toward 0. Low,
    because everything downstream follows the level: a line 30 dB down reads like a loud one,
    and only hiss near the converter's floor is cut."""
    silence_hold_s: float = 1.5
    """After this long below the gate it is silence: no beats, tempo confidence drops."""
    onset_threshold: float = 1.5
    """An onset fires when its strength exceeds this multiple of the recent median plus the
    recent mean (and the median plus 7 median deviations, and a floor that follows the
    loudest recent onsets)."""
    onset_refractory_s: float = 0.05
    """Minimum spacing of two onsets."""
    bpm_min: float = 60.0
    """Slowest tempo the tracker reports."""
    bpm_max: float = 180.0
    """Fastest tempo the tracker reports (music faster still reads at half speed)."""
    tempo_window_s: float = 6.0
    """Length of onset history the tempo estimator looks at."""
    tempo_update_s: float = 0.125
    """How often tempo and beat phase are re-estimated."""
    beats_per_bar: int = 4
    """Beats in a bar, for ``bar_phase`` and downbeats."""
    external_timeout_s: float = 2.0
    """An external tempo overrides the tracker for this long after its last update."""
    feature_interval_s: float = 0.0
    """Minimum spacing of AudioFeatures events (0: one per block). Onsets and beats are never
    thinned."""
    beat_offset_s: float = 0.0
    """Added to every predicted beat time (positive: later), to line visuals up by hand."""

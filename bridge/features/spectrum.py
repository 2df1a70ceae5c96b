"""One spectral frame per block: band amplitudes, centroid, log-filterbank flux, onset strength.

The window spans the previous block and the current one (hop = one block), so a block costs
one real FFT. Magnitudes are scaled so a full-scale sine reads about 1.0 in its bin.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from bridge.features.config import Floats
from bridge.features.envelope import smoothing_coefficient
from bridge.features.onset_flux import OnsetFlux

FLUX_BANDS = 32
"""Log-spaced bands for the onset flux: averaging bins within a band calms noise."""
FLUX_LOW_HZ = 40.0
FLUX_HIGH_HZ = 16000.0
FLUX_FLOOR = 0.02
"""Band level, as a share of the recent loudest band, where the log compression sets in:
quiet hits still change the log spectrum, loud ones do not dominate, and the same mix gives
the same flux at any input level."""
LEVEL_RELEASE_S = 8.0
"""How fast the loudest-band reference forgets a loud passage."""
SILENT_LEVEL = 1e-7
BASS_FLUX_BANDS = 6
"""The lowest flux bands, summed separately to find kicks (for the downbeat)."""
LOW_FLUX_HZ = 1000.0
"""Bands below this carry kicks, snares and bass: where the beat is, not the subdivision."""


@dataclass(frozen=True, slots=True)
class SpectralFrame:
    """What one block looks like in the frequency domain."""

    bass: float
    mid: float
    high: float
    centroid_hz: float
    flux: float
    low_flux: float
    bass_flux: float
    onset_flux: float
    """Whitened full-range flux for onset picking (see onset_flux); ``flux`` feeds the tempo."""


class Spectrum:
    """Turns consecutive mono blocks into SpectralFrames; keeps the previous block and frame."""

    def __init__(self, sample_rate: int, block_size: int, bass_hz: float, high_hz: float) -> None:
        if not 0.0 < bass_hz < high_hz < sample_rate / 2:
            raise ValueError("crossovers must satisfy 0 < bass_hz < high_hz < Nyquist")
        size = 2 * block_size
        self._block = block_size
        self._buffer = np.zeros(size)
        window = np.hanning(size)
        self._window = window * (2.0 / window.sum())
        freqs: Floats = np.fft.rfftfreq(size, 1.0 / sample_rate).astype(np.float64)
        self._freqs = freqs
        # Power → band power, one row per band (bass, mid, high); DC is left out.
        edges = [freqs[1] - 1.0, bass_hz, high_hz, sample_rate / 2 + 1.0]
        self._bands = np.stack(
            [
                ((freqs >= lo) & (freqs < hi)).astype(np.float64)
                for lo, hi in itertools.pairwise(edges)
            ]
        )
        self._flux_bank = _log_filterbank(freqs, FLUX_BANDS, FLUX_LOW_HZ, FLUX_HIGH_HZ)
        centres = np.geomspace(FLUX_LOW_HZ, FLUX_HIGH_HZ, FLUX_BANDS + 2)[1:-1]
        self._low_bands = max(1, int((centres < LOW_FLUX_HZ).sum()))
        self._previous = np.zeros(FLUX_BANDS)
        self._older = np.zeros(FLUX_BANDS)
        self._onset_flux = OnsetFlux(freqs, sample_rate / block_size)
        self._level = SILENT_LEVEL
        self._level_decay = smoothing_coefficient(LEVEL_RELEASE_S, block_size / sample_rate)

    def process(self, block: Floats, learn: bool = True) -> SpectralFrame:
        """Analyse one mono block of ``block_size`` samples (``learn``: see OnsetFlux)."""
        buf = self._buffer
        buf[: self._block] = buf[self._block :]
        buf[self._block :] = block
        mag = np.abs(np.fft.rfft(buf * self._window))
        power = mag * mag
        # Sine amplitude A spreads over ~1.5 bins of power A²/… : sqrt of the sum restores A.
        bass, mid, high = np.sqrt(self._bands @ power * (2.0 / 3.0))
        total = float(mag.sum())
        centroid = float(self._freqs @ mag) / total if total > 1e-12 else 0.0
        bands = self._flux_bank @ mag
        self._level = max(float(bands.max()), self._level * self._level_decay, SILENT_LEVEL)
        logbands = np.log1p(bands / (FLUX_FLOOR * self._level))
        # Rise against the louder of the two previous frames: a hit that straddles a block
        # edge, or a tremolo, does not rise twice.
        rise = logbands - np.maximum(self._previous, self._older)
        self._older = self._previous
        self._previous = logbands
        np.maximum(rise, 0.0, out=rise)
        return SpectralFrame(
            bass=float(bass),
            mid=float(mid),
            high=float(high),
            centroid_hz=centroid,
            flux=float(rise.sum()) / FLUX_BANDS,
            low_flux=float(rise[: self._low_bands].sum()) / self._low_bands,
            bass_flux=float(rise[:BASS_FLUX_BANDS].sum()) / BASS_FLUX_BANDS,
            onset_flux=self._onset_flux.process(mag, learn),
        )


def _log_filterbank(freqs: Floats, bands: int, low: float, high: float) -> Floats:
    """Triangular filters on a log frequency axis, each normalised to unit sum."""
    centres = np.geomspace(low, high, bands + 2)
    bank = np.zeros((bands, freqs.size))
    for i in range(bands):
        lo, mid, hi = centres[i], centres[i + 1], centres[i + 2]
        up = (freqs - lo) / (mid - lo)
        down = (hi - freqs) / (hi - mid)
        tri = np.clip(np.minimum(up, down), 0.0, None)
        if tri.sum() == 0.0:  # narrower than a bin: take the nearest bin
            tri[int(np.argmin(np.abs(freqs - mid)))] = 1.0
        bank[i] = tri / tri.sum()
    return bank

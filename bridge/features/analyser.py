"""The audio analyser: one call per block in, typed events out (features, onsets, beats).

Rules: pure computation on numpy blocks; time arrives as data (``t`` is the monotonic time of
the block's last sample), so the same code runs live, from a file, and in the benchmark.
Every onset and beat found in a block is returned, whatever the feature rate; in silence the
features fall to 0 and no onset or beat is reported.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np
import numpy.typing as npt

from bridge.core.events import AudioFeatures, AudioOnset, Event, TempoBeat
from bridge.features.bar import BAR_HOP_S, BarSpectrum
from bridge.features.beat import BeatClock
from bridge.features.config import AnalyserConfig
from bridge.features.envelope import AutoGain, Follower
from bridge.features.onset import OnsetDetector
from bridge.features.spectrum import Spectrum
from bridge.features.taps import TapTempo
from bridge.features.tempo import PREPARED as TEMPO_STAGES
from bridge.features.tempo import TempoEstimator

DETECTION_DELAY_BLOCKS = 0.6
"""How far (in blocks) the onset envelope lags the sound; beats are predicted this much earlier.
Measured with the benchmark's synthetic tracks."""
SILENT_CONFIDENCE_DECAY = 0.97
BAND_FLOOR = 0.2
ACCENT_FULL_BAND = 0.3
"""The beat is placed on low-band flux plus this share of the full flux: kicks and snares
lead, and music with nothing low (a click, a hi-hat loop) still has a phase."""
MIN_ONSETS_FOR_TEMPO = 4
"""Onsets needed within the tempo window before the tracker may set or move the tempo."""
CUT_TAIL = 64
"""Samples before the last non-zero one that tell a hard cut from a sound that died away."""
CUT_SHARE = 0.1
"""A sound that stops at this share of the recent peak level or more was cut (a dropout)."""
CUT_TYPICAL_S = 0.5
"""How far back the music's usual level (the median block level) is taken for a cut."""
CUT_TYPICAL_SHARE = 0.5
"""A sound that stops at this share of the music's usual level or more was cut, however
quiet that moment was against the loudest hits (only a pad or a bass sounding). A sample
that ends on its own, even without a fade (a drum machine's kick), has decayed well under
its usual level first."""
CUT_AFTER_BLOCKS = 24
"""Blocks (a tenth of a second) a sound must have lasted for its hard end to count as a
cut: a metronome's beep (30 ms) stops as hard, and is no dropout."""
RESUME_BLOCKS = 3
"""Blocks after a cut ends in which nothing fires: the window spans two blocks and still
straddles the gap, and the music coming back is not a new sound. Three, because the first
block back may hold only a sliver of the music: the third is the first judged against a
frame whose second half had no gap in it. Through the gap and these blocks the onset
detector holds what it knew of the music (see OnsetDetector.hold), so nothing needs to be
relearnt afterwards."""
CENTROID_LOW_HZ = 100.0
CENTROID_HIGH_HZ = 10000.0
LOW_RISE_BLOCKS = 3
"""The low cue is the bass level's rise over this many blocks (a kick's attack spans two)."""


class AudioAnalyser:
    """Feature extractor and beat tracker for one mono (or downmixed) audio stream."""

    def __init__(
        self, sample_rate: int, block_size: int, config: AnalyserConfig | None = None
    ) -> None:
        cfg = config or AnalyserConfig()
        self.config = cfg
        self.sample_rate = sample_rate
        self.block_size = block_size
        self.frame_rate = sample_rate / block_size
        step = 1.0 / self.frame_rate
        self._gate = 10.0 ** (cfg.gate_db / 20.0)
        self._spectrum = Spectrum(sample_rate, block_size, cfg.bass_hz, cfg.high_hz)
        self._onsets = OnsetDetector(self.frame_rate, cfg.onset_threshold, cfg.onset_refractory_s)
        self._tempo = TempoEstimator(self.frame_rate, cfg.bpm_min, cfg.tempo_window_s, cfg.bpm_max)
        self._clock = BeatClock(cfg.beats_per_bar)
        self._taps = TapTempo()
        self._update_every = max(1, round(cfg.tempo_update_s * self.frame_rate))
        self._bar_spectrum = BarSpectrum(sample_rate)
        # Bar frames sit between the parts of a tempo update (at the default rates, blocks
        # 0..4 of every 12 hold those and 5 and 11 the bar frames), so no block does two.
        self._bar_every = max(1, round(BAR_HOP_S * self.frame_rate))
        self._bar_offset = self._bar_every - 1
        self._bass_history: deque[float] = deque([0.0] * LOW_RISE_BLOCKS, maxlen=LOW_RISE_BLOCKS)
        self._blocks = 0
        floor = self._gate
        self._gains = [AutoGain(cfg.autogain_release_s, step, floor) for _ in range(4)]
        self._followers = [Follower(cfg.attack_s, cfg.release_s, step) for _ in range(4)]
        self._brightness = Follower(0.05, 0.3, step)
        self._intensity = Follower(cfg.intensity_s / 2.0, cfg.intensity_s, step)
        self._onset_level = Follower(0.0, 0.1, step)
        self._external: tuple[float, float, float] | None = None
        self._manual = False
        self._last_features = -math.inf
        self._open_at = -math.inf
        self._recent_onsets: deque[float] = deque()
        self._block_before = np.zeros(block_size)
        self._last_block = np.zeros(block_size)
        self._levels: deque[float] = deque(maxlen=max(1, round(CUT_TYPICAL_S * self.frame_rate)))
        self._sounding = 0
        self._cut = False
        self._resume = 0

    # -- controls ---------------------------------------------------------------------------

    def set_external_tempo(
        self, bpm: float, beat_phase: float, t: float, bar_phase: float | None = None
    ) -> None:
        """A tempo from MIDI clock or an OSC host: overrides the tracker while it stays fresh.

        ``beat_phase`` (0..1) is the phase at time ``t``; call again whenever the source
        updates. ``bar_phase`` (0..1), when known, places the downbeat.
        """
        if bpm <= 0.0:
            return
        self._external = (bpm, beat_phase % 1.0, t)
        if bar_phase is not None:
            self._clock.align_bar(bar_phase % 1.0)

    def double(self) -> None:
        """Report twice the tracked tempo (×2)."""
        self._clock.scale(2.0)

    def halve(self) -> None:
        """Report half the tracked tempo (÷2)."""
        self._clock.scale(0.5)

    def tap(self, t: float) -> None:
        """A tap-tempo press at time ``t``; two or more taps set tempo and phase."""
        tapped = self._taps.tap(t)
        if tapped is None:
            return
        lo, hi = self.config.bpm_min, self.config.bpm_max
        multiplier = 1.0
        while tapped / multiplier > hi and multiplier < 4.0:
            multiplier *= 2.0
        while tapped / multiplier < lo and multiplier > 0.25:
            multiplier /= 2.0
        tracked = tapped / multiplier
        self._tempo.seed(tracked)
        self._clock.set_multiplier(multiplier)
        since = self._clock.time - t if self._clock.time is not None else 0.0
        self._clock.steer(tracked, since * tracked / 60.0, hard=True)
        self._manual = True

    def skip(self, t: float) -> None:
        """The input had a gap (a lost device) until ``t``: keep all state, emit no beat for it."""
        self._clock.skip(t)

    # -- analysis ---------------------------------------------------------------------------

    def process(self, block: npt.NDArray[np.floating], t: float) -> list[Event]:
        """Analyse one block (``block_size`` frames, mono or frames × channels) ending at ``t``."""
        mono = np.asarray(block, dtype=np.float64)
        if mono.ndim == 2:
            mono = mono.mean(axis=1)
        if mono.shape != (self.block_size,):
            raise ValueError(f"expected {self.block_size} frames, got {mono.shape}")
        cfg = self.config
        events: list[Event] = []
        rms = math.sqrt(float(mono @ mono) / mono.size)
        gated = rms < self._gate
        if not gated:
            self._open_at = t
        # Silence is the gate closed for a while, not one empty block between two clicks.
        silent = gated and t - self._open_at >= cfg.silence_hold_s
        self._watch_cut(mono, rms, gated, silent)
        frame = self._spectrum.process(mono, learn=not self._in_dropout)
        self._blocks += 1
        external = self._fresh_external(t)

        quiet = gated or self._resume > 0
        if quiet:
            if self._in_dropout:
                self._onsets.hold()
            else:
                self._onsets.quiet()
            self._tempo.push(0.0, 0.0)
            if silent:
                self._tempo.fade(SILENT_CONFIDENCE_DECAY)
        else:
            strength = self._onsets.update(frame.onset_flux)
            self._tempo.push(frame.flux, frame.low_flux + ACCENT_FULL_BAND * frame.flux)
            if strength is not None:
                events.append(AudioOnset(t, cfg.source, strength))
                self._recent_onsets.append(t)
        if gated:
            raw = (0.0, 0.0, 0.0, 0.0)
        else:
            self._resume -= 1
            shared = BAND_FLOOR * max(g.reference for g in self._gains[1:])
            raw = (
                self._gains[0].update(rms),
                self._gains[1].update(frame.bass, shared),
                self._gains[2].update(frame.mid, shared),
                self._gains[3].update(frame.high, shared),
            )
        level, bass, mid, high = (f.update(x) for f, x in zip(self._followers, raw, strict=True))

        if external is not None:
            bpm, phase, since = external
            self._clock.steer(bpm, phase + since * bpm / 60.0, hard=True)
        elif not silent:
            # An estimate is spread over consecutive blocks (the bar frame sits half way
            # between two), so no block carries a whole one.
            stage = self._blocks % self._update_every
            if stage < TEMPO_STAGES:
                self._tempo.prepare(stage)
            elif stage == TEMPO_STAGES and self._tempo.prepared and not self._in_dropout:
                # A dropout is no evidence that the pulse has gone: the clock turns on
                # through it. (Quiet between two clicks is not a dropout.)
                self._follow_tracker(t)
        beats = self._clock.advance(t)
        self._feed_bar(mono, frame.bass, gated)
        if not silent and (external is not None or self._tempo.locked or self._manual):
            confidence = 1.0 if external is not None else self._tempo.confidence
            events.extend(
                TempoBeat(
                    b.t,
                    cfg.source,
                    self._clock.bpm,
                    0.0,
                    b.bar_phase,
                    beat=True,
                    downbeat=b.downbeat,
                    confidence=confidence,
                )
                for b in beats
            )

        if t - self._last_features >= cfg.feature_interval_s:
            self._last_features = t
            events.append(
                AudioFeatures(
                    t,
                    cfg.source,
                    self._values(
                        frame.centroid_hz, gated, level, bass, mid, high, external is not None
                    ),
                )
            )
        events.sort(key=_time_of)  # beats fall inside the block, before its onset/features
        return events

    @property
    def _in_dropout(self) -> bool:
        return self._cut or self._resume > 0

    def _watch_cut(
        self, mono: npt.NDArray[np.float64], rms: float, gated: bool, silent: bool
    ) -> None:
        """Tell a dropout (sound cut off mid-note) from a sound that ended: the cut itself
        and the music coming back after it must not fire an onset. A cut ends in digital
        zero (music that fades under the gate has not stopped), and a short sound with a hard
        edge (a metronome's beep) is not a dropout: only what had sounded a while is. Once
        the gate has been closed long enough to call it silence, what comes next is new
        music, not the old coming back. Judged only where sound meets zeros, so an ordinary
        block costs a copy."""
        if gated:
            if not self._cut and self._sounding >= CUT_AFTER_BLOCKS and not mono[:CUT_TAIL].any():
                self._cut = self._ends_loud(self._block_before, self._last_block)
            self._cut = self._cut and not silent
            self._resume = RESUME_BLOCKS if self._cut else 0
            self._sounding = 0
            return
        self._cut = False
        self._sounding += 1
        self._block_before, self._last_block = self._last_block, mono.copy()
        self._levels.append(rms)
        if mono[-1] == 0.0 and self._sounding > CUT_AFTER_BLOCKS:
            last = int(np.flatnonzero(mono)[-1])  # over the gate: not all zero
            if last < mono.size - CUT_TAIL and self._ends_loud(self._block_before, mono):
                # Cut inside this block: the splatter of the cut is not a new sound either.
                self._resume = max(self._resume, 1)

    def _ends_loud(self, before: npt.NDArray[np.float64], block: npt.NDArray[np.float64]) -> bool:
        """Whether the sound in ``block`` (``before`` came just ahead of it) ends loud where
        its zeros begin: loud against the loudest recent level, or against the usual one."""
        last = int(np.flatnonzero(block)[-1])
        span = np.concatenate((before, block[: last + 1]))[-CUT_TAIL:]
        level = math.sqrt(float(span @ span) / span.size)
        usual = float(np.median(self._levels)) if self._levels else 0.0
        return level >= min(CUT_SHARE * self._gains[0].reference, CUT_TYPICAL_SHARE * usual)

    def _feed_bar(self, mono: npt.NDArray[np.float64], bass: float, gated: bool) -> None:
        self._bar_spectrum.push(mono)
        # The rise of the linear bass level: a kick or a bass note, not a snare's faint low
        # end (which a log flux inflates when it follows quiet). Measured over a few blocks,
        # so a hit counts the same wherever it falls in the block grid.
        history = self._bass_history
        rise = max(0.0, bass - min(history))
        history.append(bass)
        if gated:
            return
        self._clock.low_onset(rise, DETECTION_DELAY_BLOCKS / self.frame_rate)
        if self._blocks % self._bar_every == self._bar_offset:
            self._clock.harmony(self._bar_spectrum.profile(), self._bar_spectrum.lag_s)

    def _fresh_external(self, t: float) -> tuple[float, float, float] | None:
        if self._external is None:
            return None
        bpm, phase, at = self._external
        if t - at > self.config.external_timeout_s:
            self._external = None
            return None
        return bpm, phase, t - at

    def _follow_tracker(self, t: float) -> None:
        recent = self._recent_onsets
        while recent and recent[0] < t - self.config.tempo_window_s:
            recent.popleft()
        # Estimated even when few onsets fire (noise, a drone), so that the tempo lets go
        # once nothing periodic is left; only followed while there is a pulse to follow.
        reading = self._tempo.estimate()
        if reading is None or len(recent) < MIN_ONSETS_FOR_TEMPO:
            return
        period_s = 60.0 / reading.bpm
        delay_s = DETECTION_DELAY_BLOCKS / self.frame_rate - self.config.beat_offset_s
        self._clock.steer(reading.bpm, reading.phase + delay_s / period_s)

    def _values(
        self,
        centroid: float,
        silent: bool,
        level: float,
        bass: float,
        mid: float,
        high: float,
        external: bool,
    ) -> dict[str, float]:
        if silent:
            bright = self._brightness.update(0.0)
        else:
            span = math.log(CENTROID_HIGH_HZ / CENTROID_LOW_HZ)
            norm = math.log(max(centroid, CENTROID_LOW_HZ) / CENTROID_LOW_HZ) / span
            bright = self._brightness.update(min(norm, 1.0))
        has_tempo = external or self._tempo.locked or self._manual
        return {
            "level": level,
            "bass": bass,
            "mid": mid,
            "high": high,
            "brightness": bright,
            "intensity": self._intensity.update(level),
            "onset": self._onset_level.update(self._onsets.strength),
            "bpm": self._clock.bpm if has_tempo else 0.0,
            "tempo_confidence": 1.0 if external else self._tempo.confidence,
            "beat_phase": self._clock.beat_phase if has_tempo else 0.0,
            "bar_phase": self._clock.bar_phase if has_tempo else 0.0,
            "downbeat_confidence": self._downbeat_confidence(has_tempo, external),
        }

    def _downbeat_confidence(self, has_tempo: bool, external: bool) -> float:
        if not has_tempo:
            return 0.0
        if external and self._clock.bars.external:
            return 1.0
        return self._clock.bars.confidence


def _time_of(event: Event) -> float:
    return event.t

"""Tempo and beat phase from the onset-strength history (autocorrelation and comb templates).

Rules: tempi from ``bpm_min`` to ``bpm_max`` (60..180 by default) are searched, so music
played at 70 or at 174 reads as itself. When a tempo and its double are both in range, the
music decides, not a preferred tempo: the faster one is the beat when something happens
half way between its beats (it has a subdivision, like hats on the eighths) and either its
beats are even, or the slower one has next to nothing half way between its own beats (a
half-time backbone over a full-time grid). A kick with one hat between two kicks is the
slower tempo; the same kick with hats on every eighth of the faster one is the faster.
Recent frames weigh more than old ones, so a new tempo wins within a couple of seconds; a
candidate must still repeat before it replaces a held tempo, so a fill cannot drag it away.
A tempo is only claimed when the autocorrelation has a clear peak (noise has none). All
times are in frames (one per block).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bridge.features.config import Floats

GRID_STEP_BPM = 0.25
MULTIPLES = 8
"""Lags k·period (k = 1..8) scored per candidate: far multiples sharpen the estimate."""
MIN_HISTORY_S = 1.8
RECENT_S = 1.0
"""Time constant of the weight on the history: a frame this old counts 1/e of a new one."""
FILLED = 0.45
"""A level is filled between its beats when the autocorrelation half way between beats
reaches this share of the one on the beats (hats between kicks)."""
EVEN = 0.6
"""Beats are even when the weaker half (every other beat) carries this share of the stronger."""
EVEN_BARE = 0.75
"""Evenness that makes beats with nothing between them the beat rather than half of it."""
NOISE_PROMINENCE = 0.1
PROMINENT = 0.3
"""The comb score's lead over the median of all candidates maps to confidence 0 at
NOISE_PROMINENCE (white or pink noise stays under it) and to 1 at PROMINENT."""
CONFIDENT = 0.45
"""Readings below this confidence neither lock nor move the tempo."""
RELEASE = 0.2
"""Smoothed confidence under this drops the tempo (no beats are claimed)."""
AGREE = 0.025
"""Relative distance within which two tempo readings are the same tempo."""
SWITCH_AFTER = 4
"""Consecutive agreeing readings a new tempo needs to replace a held one."""
SQRT2 = 2.0**0.5
PREPARED = 4
"""Parts of an estimate ``prepare()`` can do ahead (see there)."""
STEP = 0.2
"""A new tempo within this share of the held one is a tempo step; further is a far change."""
FAR_AFTER = 48
"""Readings (6 s) a far change (twice, half, 3:2) looks back over: one ghost kick, a fill or
a half-time bridge does not flip the tempo; a track that really changed does."""
FAR_SHARE = 0.7
"""Share of those readings that must agree on the far tempo."""
CLEARLY = 0.85
"""A new tempo (not an octave) replaces the held one only while the held one scores under
this share of the best: confidence in the new period is clearly higher."""
OUTSCORED = 0.5
"""A held tempo that scores under this share of the best in the recent frames no longer
explains the music at all (the band changed tempo; a fill leaning on a cousin leaves it most
of its score): a nearby challenger then needs only QUICK_AFTER agreeing readings."""
QUICK_AFTER = 2
PHASE_BEATS = 16
"""Beats of history the phase comb looks back over, newest weighted most."""
PHASE_DECAY = 0.9


@dataclass(frozen=True, slots=True)
class TempoReading:
    """The tracker's view after one update: tempo, phase and how sure it is."""

    bpm: float
    phase: float
    """Beats since the last beat at the newest frame, 0..1 (before latency correction)."""
    confidence: float


class TempoEstimator:
    """Keeps the onset history; ``estimate()`` returns a held tempo and the current phase.

    The work of one estimate is split in two calls, ``prepare()`` (the autocorrelation) and
    ``estimate()`` (the search and the phase), so that the caller can run them in different
    blocks and no block costs much more than the others.
    """

    def __init__(
        self, frame_rate: float, bpm_min: float, window_s: float, bpm_max: float | None = None
    ) -> None:
        self._rate = frame_rate
        self._size = round(window_s * frame_rate)
        # Doubled rings, so the newest window is always one slice. ``_accents`` holds the
        # low-band flux: it places the beat, while the full flux (with hats) finds the tempo.
        self._history = np.zeros(2 * self._size)
        self._accents = np.zeros(2 * self._size)
        self._count = 0
        self._min_frames = round(MIN_HISTORY_S * frame_rate)
        self._bpm_min = bpm_min
        self._bpm_max = 2.0 * bpm_min if bpm_max is None else bpm_max
        self._grid = np.arange(bpm_min, self._bpm_max + GRID_STEP_BPM / 2, GRID_STEP_BPM)
        self._lags = self._lags_of(self._grid)
        self._recent_weights = np.exp(-np.arange(self._size)[::-1] / (RECENT_S * frame_rate))
        self._flat_weights = np.ones(self._size)
        self._norms: dict[tuple[int, bool], Floats] = {}
        self._plan: tuple[int, npt.NDArray[np.intp], Floats, Floats] = (
            0,
            np.zeros(0, dtype=np.intp),
            np.zeros(0),
            np.zeros(0),
        )
        """Lag indices and interpolation weights of the grid, for the current history length."""
        self._work: list[Floats] = []
        """The estimate in progress: whole and recent autocorrelation, then the reading."""
        self.bpm = 0.0
        self.confidence = 0.0
        self._challenger = 0.0
        self._challenges = 0
        self._held_since = 0
        self._votes: deque[float] = deque(maxlen=FAR_AFTER)
        self._held_score = 0.0
        """The comb score of the held tempo in the latest reading, against the best one."""

    @property
    def locked(self) -> bool:
        """True while a tempo is held: one was accepted and periodicity has not gone."""
        return self.bpm > 0.0

    def push(self, flux: float, accent: float) -> None:
        """Append one frame: full-band flux and low-band flux."""
        i = self._count % self._size
        self._history[i] = self._history[i + self._size] = flux
        self._accents[i] = self._accents[i + self._size] = accent
        self._count += 1

    def recent(self, ring: Floats | None = None) -> Floats:
        """The newest frames of a ring (default: the flux), oldest first."""
        n = min(self._count, self._size)
        end = self._count % self._size + self._size
        return (self._history if ring is None else ring)[end - n : end]

    def seed(self, bpm: float) -> None:
        """Take a tempo from outside (tap tempo) as the held tempo."""
        self.bpm = bpm
        self.confidence = max(self.confidence, CONFIDENT)
        self._challenges = 0

    def fade(self, factor: float) -> None:
        """Lower the confidence (silence)."""
        self.confidence *= factor

    def prepare(self, stage: int) -> None:
        """Part ``stage`` (0..3) of the next estimate: the whole window's autocorrelation, the
        recent one, the whole window's best tempo, then its octave. Each is a block's worth
        of work; ``estimate()`` does the rest."""
        if self._count < self._min_frames:
            self._work.clear()
            return
        if stage == 0:
            self._work.clear()
        if len(self._work) == stage < PREPARED:
            self._advance()

    @property
    def prepared(self) -> bool:
        """True when ``prepare()`` has done every part ahead of the next ``estimate()``."""
        return len(self._work) == PREPARED

    def estimate(self) -> TempoReading | None:
        """Re-estimate tempo (with hysteresis) and phase; None until enough history or while
        no tempo is held. Finishes whatever ``prepare()`` left undone."""
        if self._count < self._min_frames:
            return None
        while len(self._work) < PREPARED:
            self._advance()
        _, recent, _, reading = self._work
        self._work = []
        bpm, confidence = self._step(recent, float(reading[0]), float(reading[1]))
        self._hold(bpm, confidence)
        if not self.locked:
            return None
        phase, _ = self._phase(self.recent(self._accents), 60.0 * self._rate / self.bpm)
        return TempoReading(self.bpm, phase, self.confidence)

    def _lags_of(self, bpms: Floats) -> Floats:
        periods = 60.0 * self._rate / bpms
        lags: Floats = periods[:, None] * np.arange(1, MULTIPLES + 1)[None, :]
        return lags

    def _autocorrelation(self, env: Floats, recent: bool) -> Floats:
        n = env.size
        weights = (self._recent_weights if recent else self._flat_weights)[self._size - n :]
        x = (env - env.mean()) * weights
        size = 1 << (2 * n - 1).bit_length()  # a power of two: an FFT of 2·n can be slow
        spectrum = np.fft.rfft(x, size)
        acf: Floats = np.fft.irfft(spectrum.real**2 + spectrum.imag**2, size)[:n]
        norm = self._norms.get((n, recent))
        if norm is None:
            # The weights' own autocorrelation: long lags and old frames are not penalised
            # for having fewer (and lighter) pairs.
            w = np.fft.rfft(weights, size)
            norm = np.fft.irfft(w.real**2 + w.imag**2, size)[:n] / float(weights @ weights)
            self._norms[n, recent] = norm
        if acf[0] <= 1e-12:
            return np.zeros(n)
        out: Floats = acf / (acf[0] * np.maximum(norm, 1e-3))
        return out

    def _score(self, acf: Floats, lags: Floats) -> Floats:
        """Mean autocorrelation over each row of lags (the usable ones: under 0.7 of it)."""
        n = acf.size
        plan = self._plan if lags is self._lags and self._plan[0] == n else None
        if plan is None:
            usable = lags < 0.7 * n
            idx = np.minimum(lags.astype(np.intp), n - 2)
            frac = np.where(usable, lags - idx, 0.0)
            share = usable / np.maximum(usable.sum(axis=1), 1)[:, None]
            plan = (n, idx, frac * share, (1.0 - frac) * share)
            if lags is self._lags:
                self._plan = plan
        _, idx, upper, lower = plan
        score: Floats = (acf[idx] * lower + acf[idx + 1] * upper).sum(axis=1)
        return score

    def _advance(self) -> None:
        work = self._work
        if len(work) < 2:
            work.append(self._autocorrelation(self.recent(), recent=bool(work)))
            return
        whole = work[0]
        if len(work) == 2:
            best = self._best(self._score(whole, self._lags)) if whole.any() else (0.0, 0.0)
            work.append(np.array(best))
            return
        bpm, confidence = work[2]
        octave = self._octave(whole, float(bpm)) if bpm > 0.0 else 0.0
        work.append(np.array([octave, confidence]))

    def _step(self, recent: Floats, bpm: float, confidence: float) -> tuple[float, float]:
        """The whole window's reading, or a step to a nearby tempo the recent frames show."""
        self._held_score = 0.0
        if not self.locked or not recent.any():
            return bpm, confidence
        # The whole window would still be split between the old tempo and the new one.
        score = self._score(recent, self._lags)
        step, step_confidence = self._best(score)
        held = self.bpm
        while held > self._grid[-1]:
            held /= 2.0
        while held < self._grid[0]:
            held *= 2.0
        self._held_score = float(np.interp(held, self._grid, score)) / max(float(score.max()), 1e-9)
        while step > self.bpm * SQRT2:
            step /= 2.0
        while step < self.bpm / SQRT2:
            step *= 2.0
        # Periodic lately counts as periodic: just after a step the whole window, split
        # between two tempi, stands out less than either half.
        if AGREE < abs(step - self.bpm) / self.bpm <= STEP:
            return step, max(confidence, step_confidence)
        if abs(step - self.bpm) <= AGREE * self.bpm < abs(bpm - self.bpm) <= STEP * self.bpm:
            # The recent frames confirm the held tempo while the whole window still
            # remembers the one before a step: the recent reading refines the held one.
            return step, max(confidence, step_confidence)
        return bpm, max(confidence, step_confidence)

    def _best(self, score: Floats) -> tuple[float, float]:
        """The best candidate (refined between grid points) and how far it stands out."""
        best = int(np.argmax(score))
        bpm = float(self._grid[best])
        if 0 < best < self._grid.size - 1:  # parabolic refinement between grid points
            a, b, c = score[best - 1], score[best], score[best + 1]
            denom = a - 2.0 * b + c
            if denom < 0.0:
                bpm += GRID_STEP_BPM * 0.5 * float(a - c) / float(denom)
        lead = float(score[best]) - float(np.median(score))
        confidence = (lead - NOISE_PROMINENCE) / (PROMINENT - NOISE_PROMINENCE)
        return bpm, float(np.clip(confidence, 0.0, 1.0))

    def _octave(self, acf: Floats, bpm: float) -> float:
        """Between a tempo and its double (when both are in range), the beat (module doc)."""
        slow = bpm
        while slow / 2.0 >= self._bpm_min:
            slow /= 2.0
        fast = 2.0 * slow
        if fast > self._bpm_max:
            return slow
        if self._filled(acf, fast) >= FILLED:
            # The faster beats have a subdivision: they are the beat if they are even, or
            # if the slower beats have next to nothing between them (a half-time backbone).
            if self._evenness(fast) >= EVEN or self._filled(acf, slow) < FILLED:
                return fast
            return slow
        # Nothing between the faster beats: they are the beat only if they are as strong as
        # each other (a click) or the slower ones are not even either (a kick once a bar).
        if self._evenness(fast) >= EVEN_BARE or self._evenness(slow) < EVEN:
            return fast
        return slow

    def _evenness(self, bpm: float) -> float:
        """Accent on every other beat against the beats between: 1 when all are alike."""
        env = self.recent(self._accents)
        period = 60.0 * self._rate / bpm
        phase, _ = self._phase(env, period)
        n = env.size
        beats = 2 * max(1, min(PHASE_BEATS, int((n - 2) / period)) // 2)  # as many odd as even
        pos = np.rint((n - 1) - phase * period - period * np.arange(beats)).astype(np.intp)
        pos = np.clip(pos, 1, n - 2)
        # Three frames summed: a hit split over two frames counts whole, wherever it falls.
        values = env[pos - 1] + env[pos] + env[pos + 1]
        even, odd = float(values[0::2].sum()), float(values[1::2].sum())
        return min(even, odd) / max(even, odd) if max(even, odd) > 0.0 else 1.0

    def _filled(self, acf: Floats, bpm: float) -> float:
        """How much happens half way between beats at this tempo, against on the beats."""
        lags = self._lags_of(np.array([bpm]))
        on = float(self._score(acf, lags)[0])
        half = float(self._score(acf, lags - lags[:, :1] / 2.0)[0])
        return half / on if on > 1e-9 else 0.0

    def _hold(self, bpm: float, confidence: float) -> None:
        self.confidence = 0.8 * self.confidence + 0.2 * confidence
        if self.confidence < RELEASE:
            self.bpm = 0.0  # no pulse left: claim none
        if confidence < CONFIDENT:
            self._challenges = 0
            return
        self._votes.append(bpm)
        if self.locked and abs(bpm - self.bpm) <= AGREE * self.bpm:
            self.bpm += 0.3 * (bpm - self.bpm)
            self._challenges = 0
            return
        if self._challenges and abs(bpm - self._challenger) <= AGREE * bpm:
            self._challenges += 1
            self._challenger = 0.5 * (self._challenger + bpm)
        else:
            self._challenger, self._challenges = bpm, 1
        # A step is what a DJ or a band does to a tempo; anything further (an octave, a 3:2
        # cousin from a syncopated kick) must persist for a whole window to win.
        far = self.locked and abs(bpm - self.bpm) > STEP * self.bpm
        if self.locked and not far and self._held_score >= CLEARLY:
            # The held tempo still explains the music almost as well: a 3:2 cousin or a
            # fill, not a new tempo.
            self._challenges = 0
            return
        # Until the window has filled once, the first tempo was chosen on little evidence.
        settled = self._count - self._held_since >= self._size
        if far and settled:
            # Most of the last FAR_AFTER readings, not all in a row: the octave of a groove
            # read through heavy noise wavers, and must not stay wrong for that.
            agree = sum(abs(v - bpm) <= AGREE * bpm for v in self._votes)
            self._challenges = FAR_AFTER if agree >= FAR_SHARE * FAR_AFTER else 0
        need = 2 if not self.locked else FAR_AFTER if far and settled else SWITCH_AFTER
        if self.locked and not far and self._held_score < OUTSCORED:
            need = QUICK_AFTER
        if self._challenges >= need and self.confidence >= CONFIDENT * 0.75:
            if not self.locked:
                self._held_since = self._count
            # The newest reading, not the challengers' mean: the first of them came while
            # the window still held the old tempo too.
            self.bpm = bpm
            self._challenges = 0

    def _phase(self, env: Floats, period: float) -> tuple[float, Floats]:
        """Frames since the last beat as a fraction of the period (from a decaying comb), and
        the envelope at each beat back from the newest at that phase."""
        n = env.size
        beats = max(1, min(PHASE_BEATS, int((n - 1) / period)))
        offsets = np.arange(0.0, period, 0.5)
        back = offsets[:, None] + period * np.arange(beats)[None, :]
        pos = (n - 1) - back
        idx = pos.astype(np.intp)
        frac = pos - idx
        nxt = np.minimum(idx + 1, n - 1)
        values = env[idx] * (1.0 - frac) + env[nxt] * frac
        weights = PHASE_DECAY ** np.arange(beats)
        score = values @ weights
        best = int(np.argmax(score))
        return float(offsets[best] / period), values[best]

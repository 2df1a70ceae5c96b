"""Where the bar starts: the downbeat found from what the audio does on each beat of the bar.

Two cues, each scored against its own running mean (so a cue that is the same on every beat
adds nothing): the rise of the bass near a beat (a kick or a bass note on the one), and how
much the harmony changed since the beat before, once each beat's usual sound (the drum
pattern) is taken away. Scores add up per beat of the bar with a memory of a few bars; the
downbeat moves only when another beat leads clearly bar after bar, so one ghost accent
cannot move it. `BarSpectrum` supplies the harmony frames (one long FFT every few blocks).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from bridge.features.config import Floats

BAR_WINDOW_S = 0.17
"""Window of the spectral frames that find bar starts: long enough (~6 Hz bins) to tell
one bass note from the next."""
BAR_HOP_S = 0.0625
BAR_LOW_HZ = 40.0
BAR_HIGH_HZ = 1500.0
"""Bass notes and chords live here; what changes at a bar start is mostly harmony."""
LOW_WINDOW = 0.2
"""A low onset within this many beats of a beat counts for that beat (off-beat kicks do not)."""
CUE_RATE = 0.05
"""Per beat, how fast the running mean of each cue follows: cues are scored against it."""
CUE_CLIP = 4.0
"""A beat's cue counts at most this many times its running mean: one crash cannot move a bar."""
WARM_UP_BEATS = 2
"""A cue scores nothing until its mean has seen this many beats."""
PATTERN_RATE = 0.25
"""How fast the usual sound of each beat of the bar follows: about the last four bars."""
LOW_WEIGHT = 1.0
CHANGE_WEIGHT = 1.0
BAR_MEMORY = 0.6
"""Share of the bar evidence kept from one bar to the next."""
SWITCH_MARGIN = 0.5
CONFIDENT_LEAD = 2.0
"""A downbeat leading every other beat of the bar by this much evidence is certain."""
CONFIRM_VISITS = 2
"""The downbeat moves only when another beat of the bar leads by SWITCH_MARGIN on this many
of its own beats in a row (bars in a row): a single ghost accent leads on one at most."""


class _Cues:
    """What one beat sounded like: its strongest low onset and its spectral frames."""

    __slots__ = ("frames", "low")

    def __init__(self) -> None:
        self.low = 0.0
        self.frames: list[Floats] = []


class _Relative:
    """A cue against its own running mean, so each cue counts the same whatever its scale."""

    __slots__ = ("count", "mean")

    def __init__(self) -> None:
        self.mean = 0.0
        self.count = 0

    def __call__(self, value: float) -> float:
        # A plain average until there are enough beats for the running one to mean something.
        self.count += 1
        self.mean += max(CUE_RATE, 1.0 / self.count) * (value - self.mean)
        if self.count < WARM_UP_BEATS or self.mean <= 0.0:
            return 0.0
        # Centred on the mean: a cue that is the same on every beat adds nothing anywhere.
        return min(value / self.mean, CUE_CLIP) - 1.0


class BarFinder:
    """Finds which beat of the bar is the downbeat, from cues gathered beat by beat.

    Rules: positions are beat-clock positions of the sound; beat ``i`` spans ``i..i+1`` and
    is scored once the clock is past it. Two cues score a beat: its low onset (kick, bass
    note), and how much its harmony changed from the beat before. Harmony is the beat's
    low-frequency spectrum less the usual spectrum of that beat of the bar (its drums), so
    a drum pattern that repeats every bar moves nothing while a new chord or bass note
    does. Each cue counts against its own running mean, so a cue that is the same on every
    beat adds nothing anywhere. Scores add into a decaying evidence per beat of the bar;
    a settled downbeat moves only when another beat leads clearly bar after bar.
    """

    def __init__(self, beats_per_bar: int) -> None:
        self.slot = 0
        """Which beat (clock index modulo the bar length) starts a bar."""
        self.external = False
        """An external clock has placed the bar (``align``)."""
        self._bpb = beats_per_bar
        self._evidence = [0.0] * beats_per_bar
        self._cues: dict[int, _Cues] = {}
        self._scored = -(2**62)
        """The last beat scored: later cues for it (the clock stepped back) are dropped."""
        self._usual: list[Floats | None] = [None] * beats_per_bar
        self._rest: tuple[int, Floats] | None = None
        self._low = _Relative()
        self._change = _Relative()
        self._challenger = -1
        self._visits = 0
        self._leads = 0
        self._sure = False
        self._start: float | None = None

    @property
    def confidence(self) -> float:
        """How clearly the downbeat leads the other beats of the bar, 0..1.

        0 when nothing tells the beats of a bar apart (a plain click track): the downbeat
        is then a guess and says so. Half of it until the lead has held bar after bar.
        """
        evidence = self._evidence
        lead = evidence[self.slot] - max(e for i, e in enumerate(evidence) if i != self.slot)
        share = min(max(lead / CONFIDENT_LEAD, 0.0), 1.0)
        return share if self._sure else 0.5 * share

    def align(self, slot: int) -> None:
        """An external clock says where the bar starts: take it and forget the evidence."""
        self.slot = slot % self._bpb
        self.external = True
        self._evidence = [0.0] * self._bpb
        self._challenger, self._visits = -1, 0
        self._leads, self._sure = CONFIRM_VISITS, True

    def doubt(self) -> None:
        """The clock jumped: its beat count may have slipped, so the next clear leader wins."""
        self._sure, self._leads = False, 0

    def low_onset(self, position: float, strength: float) -> None:
        """Low-band onset strength of the sound at ``position``."""
        if self._start is None:
            self._start = position
        nearest = round(position)
        if abs(position - nearest) <= LOW_WINDOW and nearest > self._scored:
            cues = self._cues.setdefault(nearest, _Cues())
            cues.low = max(cues.low, strength)
        # Without spectral frames (silence) beats still settle, a few beats late.
        self._settle_before(math.floor(position) - 2)

    def harmony(self, position: float, profile: Floats) -> None:
        """A spectral frame centred at ``position``: it belongs to the beat it falls in."""
        index = math.floor(position)
        self._settle_before(index)
        if index <= self._scored:
            return
        self._cues.setdefault(index, _Cues()).frames.append(profile)

    def _settle_before(self, index: int) -> None:
        for done in sorted(i for i in self._cues if i < index):
            self._score(done, self._cues.pop(done))
            self._scored = done

    def _score(self, index: int, cues: _Cues) -> None:
        if self._start is None or index - LOW_WINDOW < self._start:
            return  # heard only in part (the sound started inside it): no fair score
        bpb = self._bpb
        evidence = self._evidence
        # A beat's evidence decays on its own turn, once a bar, so every beat of the bar is
        # compared after the same number of bars, whichever was credited last.
        evidence[index % bpb] = BAR_MEMORY * evidence[index % bpb] + LOW_WEIGHT * self._low(
            cues.low
        )
        if cues.frames:
            # What this beat holds beyond what this beat of the bar usually holds (its drum
            # pattern): that rest is the harmony, which changes between bars, not within.
            shape = _shape(np.median(np.stack(cues.frames), axis=0))
            usual = self._usual[index % bpb]
            self._usual[index % bpb] = (
                shape if usual is None else usual + PATTERN_RATE * (shape - usual)
            )
            rest = None if usual is None else shape - usual
            last = self._rest
            if rest is not None and last is not None and last[0] == index - 1:
                change = float(np.sum((rest - last[1]) ** 2))
                evidence[index % bpb] += CHANGE_WEIGHT * self._change(change)
            self._rest = None if rest is None else (index, rest)
        else:
            self._rest = None
        self._decide(index % bpb)

    def _decide(self, slot: int) -> None:
        evidence = self._evidence
        lead = evidence[slot] - max(e for i, e in enumerate(evidence) if i != slot)
        if slot == self.slot:
            # The downbeat is settled once it has led clearly bar after bar; until then it is
            # a guess (the first one is arbitrary) that the first clear leader replaces.
            self._leads = self._leads + 1 if lead > SWITCH_MARGIN else 0
            self._sure = self._sure or self._leads >= CONFIRM_VISITS
            return
        if evidence[slot] - evidence[self.slot] <= SWITCH_MARGIN or lead < 0.0:
            if slot == self._challenger:
                self._challenger, self._visits = -1, 0
            return
        if slot != self._challenger:
            self._challenger, self._visits = slot, 0
        self._visits += 1
        if self._visits >= (CONFIRM_VISITS if self._sure else 1):
            self.slot, self._leads = slot, self._visits
            self._sure = self._visits >= CONFIRM_VISITS
            self._challenger, self._visits = -1, 0


def _shape(profile: Floats) -> Floats:
    norm = float(np.linalg.norm(profile))
    return profile / norm if norm > 0.0 else profile


class BarSpectrum:
    """Keeps the last ``BAR_WINDOW_S`` of audio and turns it into a low-frequency profile."""

    def __init__(self, sample_rate: int) -> None:
        size = 2 ** round(math.log2(BAR_WINDOW_S * sample_rate))
        self.lag_s = size / 2 / sample_rate
        """How long ago the centre of the window was."""
        self._ring = np.zeros(size)
        self._at = 0
        self._window = np.hanning(size)
        freqs = np.fft.rfftfreq(size, 1.0 / sample_rate)
        self._bins = slice(
            int(np.searchsorted(freqs, BAR_LOW_HZ)), int(np.searchsorted(freqs, BAR_HIGH_HZ))
        )

    def push(self, mono: npt.NDArray[np.float64]) -> None:
        """Append one block."""
        n, size = mono.size, self._ring.size
        if n >= size:
            self._ring[:] = mono[n - size :]
            self._at = 0
            return
        end = self._at + n
        if end <= size:
            self._ring[self._at : end] = mono
        else:
            split = size - self._at
            self._ring[self._at :] = mono[:split]
            self._ring[: n - split] = mono[split:]
        self._at = end % size

    def profile(self) -> npt.NDArray[np.float64]:
        """Compressed magnitudes of the low bins over the window (oldest sample first)."""
        ordered = np.concatenate((self._ring[self._at :], self._ring[: self._at]))
        mag = np.abs(np.fft.rfft(ordered * self._window)[self._bins])
        out: npt.NDArray[np.float64] = np.sqrt(mag)
        return out

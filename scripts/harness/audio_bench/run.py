"""Run the analyser over the benchmark corpus and score it with mir_eval.

``run_audio_bench()`` returns flat ``audio.*`` metrics: first the clean rows (studio tracks
from 64 to 174 BPM), then the degraded rows (noise, a quiet line, a riding gain, dropouts,
tempo steps, pure noise, silence), then the same figures for the analyser as it was before
issue #14 (``audio.before.*``, read from git history by ``bench.before``) measured in this run,
then per-track rows. mir_eval is a test/bench dependency only, imported here and nowhere in
the bridge.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

from bridge.core.events import AudioFeatures, AudioOnset, Event, TempoBeat
from bridge.features.analyser import AudioAnalyser
from bridge.features.config import Floats
from scripts.harness.audio_bench import corpus
from scripts.harness.audio_bench.before import analyser_before
from scripts.harness.audio_bench.tracks import ALL, SR, Track

BLOCK = 512
SEED = 20240611
TRACK_SECONDS = 30.0
QUICK_SECONDS = 16.0
ONSET_WINDOW_S = 0.05
DOWNBEAT_WINDOW_S = 0.07
HOLD_S = 3.0
"""Tempo counts as locked from the first moment it stays within 1 BPM for this long."""
AFTER_STEP_S = 5.0
"""Beats are scored separately over this long after a tempo step."""
RESUME_S = 0.1
"""An onset this soon after a dropout ends, matching no real onset, fired on the resumption."""
REARM_S = 0.5
"""An onset this soon after a dropout ends, matching no real onset, is counted in
``resume_false_onsets``: it fired while the detector found its feet after the gap."""


class Analyser(Protocol):
    """What the benchmark needs of an analyser (today's and the frozen one alike)."""

    def process(self, block: npt.NDArray[np.floating], t: float) -> list[Event]: ...


@dataclass(slots=True)
class TrackRun:
    """What the analyser reported on one track."""

    onsets: list[float] = field(default_factory=list)
    beats: list[float] = field(default_factory=list)
    downbeats: list[float] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    bpm: list[float] = field(default_factory=list)
    downbeat_confidence: list[float] = field(default_factory=list)
    cost_ns: list[int] = field(default_factory=list)


def analyse(track: Track, make: Callable[[int, int], Analyser] = AudioAnalyser) -> TrackRun:
    """Feed a track block by block, as the live input would, timing every block."""
    analyser = make(SR, BLOCK)
    run = TrackRun()
    audio = track.audio
    clock = time.perf_counter_ns
    for i in range(audio.size // BLOCK):
        block = audio[i * BLOCK : (i + 1) * BLOCK]
        t = (i + 1) * BLOCK / SR
        start = clock()
        events = analyser.process(block, t)
        run.cost_ns.append(clock() - start)
        for event in events:
            if isinstance(event, AudioOnset):
                run.onsets.append(event.t)
            elif isinstance(event, TempoBeat):
                run.beats.append(event.t)
                if event.downbeat:
                    run.downbeats.append(event.t)
            elif isinstance(event, AudioFeatures):
                run.times.append(t)
                run.bpm.append(event.values["bpm"])
                run.downbeat_confidence.append(event.values.get("downbeat_confidence", 1.0))
    return run


def lock_time(times: Floats, ok: npt.NDArray[np.bool_]) -> float | None:
    """First time from which the tempo stays right for HOLD_S (None if it never does)."""
    step = float(times[1] - times[0])
    need = round(HOLD_S / step)
    run = 0
    for i, good in enumerate(ok):
        run = run + 1 if good else 0
        if run >= need:
            return float(times[i - need + 1])
    return None


class Scores:
    """Lists of per-track figures by metric name, averaged (or otherwise reduced) at the end."""

    def __init__(self) -> None:
        self.lists: dict[str, list[float]] = {}
        self.per_track: dict[str, float] = {}

    def add(self, name: str, value: float) -> None:
        self.lists.setdefault(name, []).append(value)

    def mean(self, name: str) -> float:
        return float(np.mean(self.lists[name])) if self.lists.get(name) else float("nan")

    def low(self, name: str) -> float:
        return float(np.min(self.lists[name])) if self.lists.get(name) else float("nan")

    def high(self, name: str) -> float:
        return float(np.max(self.lists[name])) if self.lists.get(name) else float("nan")


def onset_scores(track: Track, run: TrackRun) -> tuple[float, float, float]:
    """F-measure, precision, recall of the onsets (a track with no onsets scores its silence)."""
    import mir_eval

    est = np.array(run.onsets)
    if track.onsets.size == 0:
        return (1.0, 1.0, 1.0) if est.size == 0 else (0.0, 0.0, 1.0)
    f, p, r = mir_eval.onset.f_measure(track.onsets, est, window=ONSET_WINDOW_S)
    return float(f), float(p), float(r)


def beat_f(ref: Floats, est: Floats, trim: bool = True) -> float:
    import mir_eval

    if trim:
        ref, est = mir_eval.beat.trim_beats(ref), mir_eval.beat.trim_beats(est)
    if ref.size == 0:
        return 1.0 if est.size == 0 else 0.0
    return float(mir_eval.beat.f_measure(ref, est))


def score_clean(track: Track, run: TrackRun, s: Scores, seconds: float) -> None:
    import mir_eval

    f, p, r = onset_scores(track, run)
    s.add("onset_f", f)
    s.add("onset_precision", p)
    s.add("onset_recall", r)
    s.per_track[f"onset_f.{track.name}"] = f
    est = np.array(run.onsets)
    for ref_i, est_i in mir_eval.util.match_events(track.onsets, est, ONSET_WINDOW_S):
        s.add("latency", est[est_i] - track.onsets[ref_i])
    bf = beat_f(track.beats, np.array(run.beats))
    s.add("beat_f", bf)
    s.per_track[f"beat_f.{track.name}"] = bf
    if track.downbeats.size:
        ref_bars = mir_eval.beat.trim_beats(track.downbeats)
        est_bars = mir_eval.beat.trim_beats(np.array(run.downbeats))
        df = mir_eval.beat.f_measure(ref_bars, est_bars, f_measure_threshold=DOWNBEAT_WINDOW_S)
        s.add("downbeat_f", df)
        s.per_track[f"downbeat_f.{track.name}"] = df
    times = np.array(run.times)
    error = np.abs(np.array(run.bpm) - track.bpm_at(times))
    ok = error <= 1.0
    if track.steady:
        lock = lock_time(times, ok)
        s.add("lock", lock if lock is not None else seconds)
        s.add("within", float(ok[times >= lock].mean()) if lock is not None else 0.0)
        s.add("track_within", float(np.median(error[times >= seconds / 2]) <= 1.0))
    else:
        change = track.tempo_changes[-1][0]
        after = times >= change
        relock = lock_time(times[after], ok[after])
        s.add("clean_relock", (relock - change) if relock is not None else seconds - change)


def score_step(track: Track, run: TrackRun, s: Scores, seconds: float) -> None:
    import mir_eval

    times = np.array(run.times)
    ok = np.abs(np.array(run.bpm) - track.bpm_at(times)) <= 1.0
    change = track.tempo_changes[-1][0]
    after = times >= change
    relock = lock_time(times[after], ok[after])
    value = (relock - change) if relock is not None else seconds - change
    s.add("relock", value)
    s.per_track[f"relock_s.{track.name}"] = value
    window = (change, change + AFTER_STEP_S)
    ref = np.array([b for b in track.beats if window[0] <= b < window[1]])
    est = np.array([b for b in run.beats if window[0] <= b < window[1]])
    s.add("step_beat_f", float(mir_eval.beat.f_measure(ref, est)) if est.size else 0.0)


@dataclass(frozen=True, slots=True)
class Case:
    """One track and how to score it."""

    track: Track
    kind: str
    gaps: tuple[tuple[float, float], ...] = ()


def build(quick: bool, seed: int) -> list[Case]:
    """Render the corpus once; both analysers hear the same audio."""
    seconds = QUICK_SECONDS if quick else TRACK_SECONDS
    clean_makers = (ALL[:3] + corpus.WIDE[:2]) if quick else (ALL + corpus.WIDE)
    cases = [Case(m(seconds, seed + i), "clean") for i, m in enumerate(clean_makers)]
    base = [
        m(seconds, seed + 100 + i) for i, m in enumerate(ALL[:4])
    ]  # floor, break, half, ambient
    noisy = base[:2] if quick else base
    for i, track in enumerate(noisy):
        for snr in (20.0, 10.0):
            for pink in (False, True):
                degraded = corpus.with_noise(track, snr, pink, seed + 200 + i)
                cases.append(Case(degraded, f"snr{snr:g}"))
    quiet = base[:2] if quick else [*base, ALL[4](seconds, seed + 104)]
    for track in quiet:
        cases.append(Case(track, "full"))
        cases.append(Case(corpus.with_gain(track, corpus.QUIET_DB), "quiet"))
    rides = base[:1] if quick else base[:2]
    cases.extend(Case(corpus.with_gain_ride(track), "ride") for track in rides)
    for i, track in enumerate(base[:1] if quick else [base[0], base[1], base[3]]):
        cut, gaps = corpus.dropouts(track, seed + 300 + i)
        cases.append(Case(cut, "dropout", tuple(gaps)))
    steps = corpus.STEPS[:1] if quick else corpus.STEPS
    cases.extend(Case(m(seconds, seed + 400 + i), "step") for i, m in enumerate(steps))
    if not quick:
        cases.append(Case(corpus.ramp(seconds, seed + 410), "ramp"))
    noise_seconds = seconds
    cases.append(Case(corpus.pure_noise(noise_seconds, seed + 500, pink=False), "noise"))
    cases.append(Case(corpus.pure_noise(noise_seconds, seed + 501, pink=True), "noise"))
    cases.append(Case(corpus.silence(seconds / 2, seed + 502), "silence"))
    cases.append(Case(corpus.click_track(seconds, 120.0), "click"))
    return cases


def score(
    cases: Iterable[tuple[Case, TrackRun]], seconds: float, intrinsic: Floats | None = None
) -> dict[str, float]:
    s = Scores()
    full: dict[str, tuple[float, float]] = {}
    costs: list[int] = []
    for case, run in cases:
        track, kind = case.track, case.kind
        costs.extend(run.cost_ns)
        if kind == "clean":
            score_clean(track, run, s, seconds)
        elif kind.startswith("snr"):
            f, p, _ = onset_scores(track, run)
            s.add(f"onset_f_{kind}", f)
            s.add(f"onset_precision_{kind}", p)
            s.add(f"beat_f_{kind}", beat_f(track.beats, np.array(run.beats)))
        elif kind == "full":
            full[track.name] = (
                onset_scores(track, run)[0],
                beat_f(track.beats, np.array(run.beats)),
            )
        elif kind == "quiet":
            f_full, b_full = full[track.name.removesuffix(f"{corpus.QUIET_DB:+g}dB")]
            s.add("quiet_onset_f_delta", onset_scores(track, run)[0] - f_full)
            s.add("quiet_beat_f_delta", beat_f(track.beats, np.array(run.beats)) - b_full)
        elif kind == "ride":
            s.add("ride_onset_f", onset_scores(track, run)[0])
            s.add("ride_beat_f", beat_f(track.beats, np.array(run.beats)))
        elif kind == "dropout":
            f, p, _ = onset_scores(track, run)
            s.add("dropout_onset_precision", p)
            gaps = list(case.gaps)
            est_beats = corpus.inside(np.array(run.beats), gaps)
            s.add("dropout_beat_f", beat_f(track.beats, est_beats))
            for _, end in gaps:
                fired = [
                    o
                    for o in run.onsets
                    if end <= o < end + RESUME_S
                    and not np.any(np.abs(track.onsets - o) <= ONSET_WINDOW_S)
                ]
                s.add("dropout_resume_onsets", float(len(fired)))
                false = [
                    o
                    for o in run.onsets
                    if end <= o < end + REARM_S
                    and not np.any(np.abs(track.onsets - o) <= ONSET_WINDOW_S)
                ]
                s.add("resume_false_onsets", float(len(false)))
        elif kind == "step":
            score_step(track, run, s, seconds)
        elif kind == "ramp":
            s.add("ramp_beat_f", beat_f(track.beats, np.array(run.beats)))
        elif kind == "noise":
            minutes = track.audio.size / SR / 60.0
            s.add("noise_beats_per_min", len(run.beats) / minutes)
            s.add("noise_onsets_per_min", len(run.onsets) / minutes)
            s.add("noise_tempo_pct", 100.0 * float(np.mean(np.array(run.bpm) > 0.0)))
        elif kind == "silence":
            s.add("silence_events", float(len(run.onsets) + len(run.beats)))
        elif kind == "click":
            late = run.downbeat_confidence[len(run.downbeat_confidence) // 2 :]
            s.add("downbeat_confidence_click", float(np.median(late)))
        if kind == "clean" and run.downbeat_confidence:
            late = run.downbeat_confidence[len(run.downbeat_confidence) // 2 :]
            s.add("downbeat_confidence_music", float(np.median(late)))
    cost = intrinsic if intrinsic is not None else np.array(costs, dtype=np.float64) / 1000.0
    m = s.mean
    metrics = {
        # clean
        "onset_f": m("onset_f"),
        "onset_f_min": s.low("onset_f"),
        "onset_precision": m("onset_precision"),
        "onset_recall": m("onset_recall"),
        "beat_f": m("beat_f"),
        "beat_f_min": s.low("beat_f"),
        "downbeat_f": m("downbeat_f"),
        "tempo_within_1bpm_pct": 100.0 * m("within"),
        "tempo_tracks_within_1bpm_pct": 100.0 * m("track_within"),
        "tempo_lock_s": m("lock"),
        "tempo_lock_s_max": s.high("lock"),
        "tempo_relock_s": m("clean_relock"),
        "onset_latency_ms_p50": 1000.0 * float(np.median(s.lists.get("latency", [np.nan]))),
        "block_cost_us_mean": float(cost.mean()),
        "block_cost_us_p99": float(np.percentile(cost, 99)),
        "block_cost_us_max": float(cost.max()),
        # degraded
        "onset_f_snr20": m("onset_f_snr20"),
        "onset_precision_snr20": m("onset_precision_snr20"),
        "onset_f_snr10": m("onset_f_snr10"),
        "onset_precision_snr10": m("onset_precision_snr10"),
        "beat_f_snr20": m("beat_f_snr20"),
        "beat_f_snr10": m("beat_f_snr10"),
        "quiet_onset_f_delta": m("quiet_onset_f_delta"),
        "quiet_beat_f_delta": m("quiet_beat_f_delta"),
        "ride_onset_f": m("ride_onset_f"),
        "ride_beat_f": m("ride_beat_f"),
        "dropout_onset_precision": m("dropout_onset_precision"),
        "dropout_beat_f": m("dropout_beat_f"),
        "dropout_resume_onsets": float(np.sum(s.lists.get("dropout_resume_onsets", [0.0]))),
        "resume_false_onsets": float(np.sum(s.lists.get("resume_false_onsets", [0.0]))),
        "relock_s": m("relock"),
        "relock_s_max": s.high("relock"),
        "step_beat_f_5s": m("step_beat_f"),
        "ramp_beat_f": m("ramp_beat_f"),
        "noise_beats_per_min": m("noise_beats_per_min"),
        "noise_tempo_pct": m("noise_tempo_pct"),
        "noise_onsets_per_min": m("noise_onsets_per_min"),
        "silence_events": m("silence_events"),
        "downbeat_confidence_music": m("downbeat_confidence_music"),
        "downbeat_confidence_click": m("downbeat_confidence_click"),
    }
    metrics.update(s.per_track)
    return metrics


CLEAN_ROWS = 16
"""The first this many metrics of ``score`` are the clean rows; the rest are degraded."""


COST_RUNS = 5
"""The block cost is the fastest of this many runs of each block: what the analysis itself
costs, without the moments the shared machine gave the core to someone else."""


def block_costs(track: Track, runs: int) -> tuple[Floats, Floats]:
    """Per-block cost in microseconds of today's analyser and the frozen one, block by block
    in turn (so both see the same load), each block's fastest of ``runs`` runs."""
    clock = time.perf_counter_ns
    audio = track.audio
    count = audio.size // BLOCK
    best = np.full((2, count), np.inf)
    for _ in range(runs):
        analysers: list[Analyser] = [AudioAnalyser(SR, BLOCK), analyser_before()(SR, BLOCK)]
        for i in range(count):
            block = audio[i * BLOCK : (i + 1) * BLOCK]
            t = (i + 1) * BLOCK / SR
            for k, analyser in enumerate(analysers):
                start = clock()
                analyser.process(block, t)
                best[k, i] = min(best[k, i], (clock() - start) / 1000.0)
    return best[0], best[1]


def run_audio_bench(quick: bool = False, seed: int = SEED) -> dict[str, float]:
    """Score today's analyser and the one before #14 on the same corpus in the same run."""
    seconds = QUICK_SECONDS if quick else TRACK_SECONDS
    cases = build(quick, seed)
    now: list[tuple[Case, TrackRun]] = []
    before: list[tuple[Case, TrackRun]] = []
    for case in cases:  # one after the other per track, so both see the same machine load
        now.append((case, analyse(case.track)))
        before.append((case, analyse(case.track, analyser_before())))
    costs = block_costs(cases[0].track, COST_RUNS)
    after_m = score(now, seconds, costs[0])
    before_m = score(before, seconds, costs[1])
    out = {f"audio.{k}": v for k, v in after_m.items() if "." not in k}
    out.update({f"audio.before.{k}": v for k, v in before_m.items() if "." not in k})
    out.update({f"audio.{k}": v for k, v in after_m.items() if "." in k})
    return out


def main() -> None:
    """Print clean and degraded rows apart, today's analyser beside the frozen one.

    ``python -m scripts.harness.audio_bench [--quick] [--seed N]`` (another seed: a held-out
    corpus).
    """
    import sys

    args = sys.argv[1:]
    seed = int(args[args.index("--seed") + 1]) if "--seed" in args else SEED
    metrics = run_audio_bench(quick="--quick" in args, seed=seed)
    names = [k.removeprefix("audio.before.") for k in metrics if k.startswith("audio.before.")]
    print(f"{'metric':<34} {'before':>10} {'after':>10}")
    for i, name in enumerate(names):
        if i in (0, CLEAN_ROWS):
            print("-- clean --" if i == 0 else "-- degraded --")
        after, before = metrics[f"audio.{name}"], metrics[f"audio.before.{name}"]
        print(f"audio.{name:<28} {before:>10.3f} {after:>10.3f}")

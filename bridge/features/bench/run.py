"""Run the analyser over the benchmark tracks and score it with mir_eval.

``run_audio_bench()`` returns flat ``audio.*`` metrics (see README of ``scripts/bench``):
onset and beat F-measures, tempo accuracy and lock time, onset latency, cost per block, and
the downbeat (bar start) F-measure as a reported figure without a target.
mir_eval is a test/bench dependency only, imported here and nowhere in the bridge.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from bridge.core.events import AudioFeatures, AudioOnset, TempoBeat
from bridge.features.analyser import AudioAnalyser
from bridge.features.bench.tracks import ALL, QUICK, SR, Track
from bridge.features.config import Floats

BLOCK = 512
SEED = 20240611
TRACK_SECONDS = 30.0
QUICK_SECONDS = 16.0
ONSET_WINDOW_S = 0.05
DOWNBEAT_WINDOW_S = 0.07
HOLD_S = 3.0
"""Tempo counts as locked from the first moment it stays within 1 BPM for this long."""


@dataclass(slots=True)
class TrackRun:
    """What the analyser reported on one track."""

    onsets: list[float] = field(default_factory=list)
    beats: list[float] = field(default_factory=list)
    downbeats: list[float] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    bpm: list[float] = field(default_factory=list)
    cost_ns: list[int] = field(default_factory=list)


def analyse(track: Track) -> TrackRun:
    """Feed a track block by block, as the live input would, timing every block."""
    analyser = AudioAnalyser(SR, BLOCK)
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


def run_audio_bench(quick: bool = False) -> dict[str, float]:
    """Score the analyser on the benchmark tracks; ``quick`` uses 3 short tracks."""
    import mir_eval  # bench-only dependency: never imported by the bridge itself

    seconds = QUICK_SECONDS if quick else TRACK_SECONDS
    makers = QUICK if quick else ALL
    onset_f: list[float] = []
    beat_f: list[float] = []
    downbeat_f: list[float] = []
    latencies: list[float] = []
    within: list[float] = []
    locks: list[float] = []
    relocks: list[float] = []
    costs: list[int] = []
    per_track: dict[str, float] = {}
    for index, make in enumerate(makers):
        track = make(seconds, SEED + index)
        run = analyse(track)
        costs.extend(run.cost_ns)
        est = np.array(run.onsets)
        f, _, _ = mir_eval.onset.f_measure(track.onsets, est, window=ONSET_WINDOW_S)
        onset_f.append(f)
        per_track[f"audio.onset_f.{track.name}"] = f
        for ref_i, est_i in mir_eval.util.match_events(track.onsets, est, ONSET_WINDOW_S):
            latencies.append(est[est_i] - track.onsets[ref_i])
        ref_beats = mir_eval.beat.trim_beats(track.beats)
        est_beats = mir_eval.beat.trim_beats(np.array(run.beats))
        bf = mir_eval.beat.f_measure(ref_beats, est_beats)
        beat_f.append(bf)
        per_track[f"audio.beat_f.{track.name}"] = bf
        if track.downbeats.size:
            ref_bars = mir_eval.beat.trim_beats(track.downbeats)
            est_bars = mir_eval.beat.trim_beats(np.array(run.downbeats))
            df = mir_eval.beat.f_measure(ref_bars, est_bars, f_measure_threshold=DOWNBEAT_WINDOW_S)
            downbeat_f.append(df)
            per_track[f"audio.downbeat_f.{track.name}"] = df
        times = np.array(run.times)
        ok = np.abs(np.array(run.bpm) - track.bpm_at(times)) <= 1.0
        if track.steady:
            lock = lock_time(times, ok)
            locks.append(lock if lock is not None else seconds)
            if lock is not None:
                within.append(float(ok[times >= lock].mean()))
            else:
                within.append(0.0)
        else:
            change = track.tempo_changes[-1][0]
            after = times >= change
            relock = lock_time(times[after], ok[after])
            relocks.append((relock - change) if relock is not None else seconds - change)
    cost = np.array(costs, dtype=np.float64) / 1000.0
    metrics = {
        "audio.onset_f": float(np.mean(onset_f)),
        "audio.onset_f_min": float(np.min(onset_f)),
        "audio.beat_f": float(np.mean(beat_f)),
        "audio.beat_f_min": float(np.min(beat_f)),
        "audio.downbeat_f": float(np.mean(downbeat_f)) if downbeat_f else 0.0,
        "audio.tempo_within_1bpm_pct": 100.0 * float(np.mean(within)),
        "audio.tempo_lock_s": float(np.mean(locks)),
        "audio.tempo_lock_s_max": float(np.max(locks)),
        "audio.onset_latency_ms_p50": 1000.0 * float(np.median(latencies)),
        "audio.block_cost_us_mean": float(cost.mean()),
        "audio.block_cost_us_p99": float(np.percentile(cost, 99)),
    }
    if relocks:
        metrics["audio.tempo_relock_s"] = float(np.mean(relocks))
    metrics.update(per_track)
    return metrics


def main() -> None:
    """Print the metrics, one per line (``python -m bridge.features.bench [--quick]``)."""
    import sys

    for name, value in run_audio_bench(quick="--quick" in sys.argv).items():
        print(f"{name} {value:.3f}")

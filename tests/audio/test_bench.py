"""The benchmark's truth is exact and its quick run produces every metric."""

from __future__ import annotations

import numpy as np

from scripts.harness.audio_bench import run_audio_bench
from scripts.harness.audio_bench.tracks import ALL, SR


def test_tracks_are_seeded_and_truthful() -> None:
    """Same seed, same audio; beats are one period apart; onsets are sorted and distinct."""
    for make in ALL:
        a, b = make(6.0, 7), make(6.0, 7)
        assert np.array_equal(a.audio, b.audio), a.name
        assert a.audio.size == 6 * SR
        assert float(np.max(np.abs(a.audio))) <= 0.9 + 1e-6
        assert np.all(np.diff(a.onsets) > 0.02), a.name
        bpm = a.tempo_changes[0][1]
        assert 84.0 <= bpm <= 140.0, "the tempo range of the studio set (see corpus.WIDE)"
        if a.steady:
            assert np.allclose(np.diff(a.beats), 60.0 / bpm)


def test_quick_bench_reports_every_metric() -> None:
    """``run_audio_bench(quick=True)`` returns the named metrics with sane values."""
    metrics = run_audio_bench(quick=True)
    for name in (
        "audio.onset_f",
        "audio.beat_f",
        "audio.tempo_within_1bpm_pct",
        "audio.tempo_lock_s",
        "audio.onset_latency_ms_p50",
        "audio.block_cost_us_mean",
        "audio.block_cost_us_p99",
        "audio.onset_f_snr20",
        "audio.relock_s",
        "audio.noise_beats_per_min",
        "audio.quiet_onset_f_delta",
        "audio.downbeat_confidence_click",
        "audio.resume_false_onsets",
    ):
        assert name in metrics, name
        assert f"audio.before.{name.removeprefix('audio.')}" in metrics, name
    # Loose sanity bounds only: the targets are judged by the bench, not here.
    assert metrics["audio.onset_f"] > 0.8
    assert metrics["audio.beat_f"] > 0.8
    assert 0.0 < metrics["audio.tempo_lock_s"] < 10.0
    assert 0.0 < metrics["audio.onset_latency_ms_p50"] < 50.0
    assert metrics["audio.block_cost_us_mean"] > 0.0
    assert metrics["audio.noise_beats_per_min"] == 0.0
    assert 0.0 < metrics["audio.relock_s"] < 10.0

"""Accuracy and cost benchmark of the audio analyser on synthetic tracks with exact truth."""

from scripts.harness.audio_bench.run import run_audio_bench

__all__ = ["run_audio_bench"]

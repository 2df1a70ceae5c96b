"""A frozen copy of the analyser as it was before issue #14, for the benchmark only.

Why: the audio benchmark prints today's analyser beside this one in the same run, on the same
tracks and the same machine load, so every gain is a ratio measured together rather than a
figure remembered from another day. Nothing outside ``bridge.features.bench`` imports it.
"""

from bridge.features.bench.baseline.analyser import AudioAnalyser

__all__ = ["AudioAnalyser"]

"""Audio analysis in numpy: levels, bands, onsets and a beat tracker, fed one block at a time.

``AudioAnalyser`` is the entry point; the modules beside it each hold one stage.
"""

from bridge.features.analyser import AudioAnalyser
from bridge.features.config import AnalyserConfig

__all__ = ["AnalyserConfig", "AudioAnalyser"]

"""Audio features another program analysed, received over OSC, as our own audio events.

A DAW or TouchDesigner can do the analysis (TD's Audio Analysis CHOP, a Max for Live device)
and send one float per feature. Turned into `AudioFeatures` and `AudioOnset` events from a
named audio device, they drive the same `{ audio = "level" }` mappings as our analyser, so
a show works with either. An onset is a trigger: it fires when its value rises through 0.5.
"""

from __future__ import annotations

from collections.abc import Mapping

from bridge.core.events import AudioFeatures, AudioOnset, Event, OscMessage

ONSET_LEVEL = 0.5


class OscFeatures:
    """One audio device fed by OSC: address → feature, onset as a rising edge."""

    def __init__(self, name: str, features: Mapping[str, str]) -> None:
        self.name = name
        self.by_address = {address: feature for feature, address in features.items()}
        self._onset_high = False

    def feed(self, message: OscMessage) -> list[Event]:
        """The audio events one OSC message carries (none if it is not a feature)."""
        feature = self.by_address.get(message.address)
        if feature is None or not message.args:
            return []
        value = message.args[0]
        if isinstance(value, bool) or not isinstance(value, int | float):
            return []
        x = float(value)
        if feature != "onset":
            return [AudioFeatures(message.t, self.name, {feature: x})]
        high = x >= ONSET_LEVEL
        rising, self._onset_high = high and not self._onset_high, high
        return [AudioOnset(message.t, self.name, min(1.0, x))] if rising else []

"""Tempo from a host over OSC: AbletonOSC's beat and tempo, Resolume's tempo controller.

Pure: OSC messages in, `TempoBeat` events out. AbletonOSC (after
``/live/song/start_listen/beat`` and ``.../tempo``) sends ``/live/song/get/beat <n>`` on every
beat and ``/live/song/get/tempo <bpm>``; Resolume sends its tempo normalised 0..1 over
20..500 BPM and no beat position, so it gives a tempo without beats.
"""

from __future__ import annotations

from dataclasses import dataclass

from bridge.core.events import OscMessage, TempoBeat
from bridge.inputs.osc_address import RESOLUME_TEMPO_ADDRESS, resolume_bpm

ABLETON_BEAT = "/live/song/get/beat"
ABLETON_TEMPO = "/live/song/get/tempo"


@dataclass(slots=True)
class HostTempo:
    kind: str
    bpm: float = 0.0
    beats_per_bar: int = 4

    def feed(self, message: OscMessage) -> list[TempoBeat]:
        args = message.args
        number = args[0] if args and isinstance(args[0], int | float) else None
        if number is None or isinstance(number, bool):
            return []
        if self.kind == "ableton":
            if message.address == ABLETON_TEMPO:
                self.bpm = float(number)
            elif message.address == ABLETON_BEAT and self.bpm > 0:
                beat = int(number)
                position = beat % self.beats_per_bar
                return [
                    TempoBeat(
                        message.t,
                        message.source,
                        self.bpm,
                        0.0,
                        position / self.beats_per_bar,
                        beat=True,
                        downbeat=position == 0,
                    )
                ]
        elif self.kind == "resolume" and message.address == RESOLUME_TEMPO_ADDRESS:
            self.bpm = resolume_bpm(float(number))
            return [TempoBeat(message.t, message.source, self.bpm, 0.0, 0.0)]
        return []

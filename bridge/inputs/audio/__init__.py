"""Audio inputs: a live device through PortAudio (sounddevice) and a WAV/FLAC file player.

Both feed an ``AudioAnalyser`` block by block and hand its events to ``emit`` on the loop.
The rooms: ``ring`` (samples from PortAudio's thread to the loop), ``devices`` (PortAudio's
lifetime, finding a device by name), ``opening`` (starting a stream under a deadline),
``live`` (capture and the reconnect loop), ``file`` (the player), ``delivery`` (what of a
catch-up burst is emitted).
"""

from bridge.inputs.audio.devices import find_input_device, portaudio, release_portaudio
from bridge.inputs.audio.file import FileAudioInput
from bridge.inputs.audio.live import LiveAudioInput
from bridge.inputs.audio.ring import BlockRing

__all__ = [
    "BlockRing",
    "FileAudioInput",
    "LiveAudioInput",
    "find_input_device",
    "portaudio",
    "release_portaudio",
]

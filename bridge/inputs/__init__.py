"""Input adapters: MIDI, OSC and audio become typed events on the loop."""

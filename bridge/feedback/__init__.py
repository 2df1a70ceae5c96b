"""Feedback: what controllers and hosts are told back (MIDI LEDs and motor faders, OSC out);
not frames, which go to `bridge.sinks`."""

"""outputs: feedback to controllers and hosts (MIDI LEDs and motor faders, OSC)."""

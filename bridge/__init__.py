"""Scope Bridge: live control for Daydream Scope from MIDI, OSC and audio."""

__version__ = "0.1.0"

"""The MIDI and OSC edge tests use the shared JACK fixture of tests/conftest.py."""

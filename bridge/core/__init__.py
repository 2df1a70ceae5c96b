"""The pure control core: events in, paced Scope payloads out. No I/O, no clock, no threads."""

"""The console's panels: one widget per file, each drawn from a `Snapshot`."""

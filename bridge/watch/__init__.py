"""Watching the running show: one snapshot of it, what is wrong now (problems, conditions),
the headless log and the status file, and where the runtime files live."""

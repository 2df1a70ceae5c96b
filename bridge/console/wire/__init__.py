"""What both sides of the console's process line speak: the `ConsoleHost` protocol (`host`),
plain data for snapshots and commands (`codec`), length-prefixed JSON frames (`frames`) and
the timing both sides agree on (`timing`)."""

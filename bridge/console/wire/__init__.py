"""What both sides of the console's process line speak: the `ConsoleHost` protocol (`host`),
plain data for snapshots and commands (`codec`) and length-prefixed JSON frames (`frames`)."""

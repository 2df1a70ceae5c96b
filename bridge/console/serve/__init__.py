"""The console's bridge-process side: the running show served to the console, the console
started as a child (`server`, `launch`), and snapshots sent only when they changed (`feed`)."""

"""The console process: the Textual app, its screens and widgets, and the client that asks
the bridge process for snapshots and sends it commands (`remote`)."""

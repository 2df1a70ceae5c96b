"""The show console, split by the process each part runs in: `app` (the console process),
`serve` (the bridge process) and `wire` (what both sides speak)."""

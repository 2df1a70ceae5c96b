"""`python -m bridge` is the `scope-bridge` command."""

from bridge.cli import main

raise SystemExit(main())

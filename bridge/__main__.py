"""`python -m bridge` is the `scope-bridge` command."""

from bridge.cli.main import main

raise SystemExit(main())

"""`scope-bridge` with a bug planted in its supervisor: the only thing that may end a running
bridge. Tests run this as the command, to see that a bridge that dies is a non-zero exit
and one sentence (nothing a user can do makes the real supervisor fail).

    python tests/app/dying_bridge.py run --headless show.toml
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import bridge.running.supervise
from bridge.cli.main import main
from bridge.running.supervise import TaskSpec, supervise
from bridge.watch.problems import ProblemBook

DIES_AFTER_S = 3.0


async def broken(spec: TaskSpec, problems: ProblemBook, **options: Any) -> None:
    if spec.name != "ticks":
        await supervise(spec, problems, **options)
        return
    await asyncio.sleep(DIES_AFTER_S)
    raise RuntimeError("a planted bug in the supervisor")


bridge.running.supervise.supervise = broken
raise SystemExit(main())

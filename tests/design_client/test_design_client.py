"""The design document's own client, transcribed to Node, against the real server.

DESIGN.md: "The design document's original client (its `useAgentSocket`,
`useCustomAgents`, `useCalendar`) must keep working unchanged". `design_client.mjs` is
that client (same events, payloads, REST calls and fields read) with its scenarios; this
test runs it against the offline server (real uvicorn, real mongod, local calendar).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.support.servers import ServerProcess

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "design_client.mjs"
TIMEOUT_SECONDS = 180


def _text(output: str | bytes | None) -> str:
    """What a timed-out run printed (bytes there, whatever `text=True` says)."""
    if isinstance(output, bytes):
        return output.decode(errors="replace")
    return output or ""


def test_the_design_documents_client_works_unchanged(offline_server: ServerProcess) -> None:
    node = shutil.which("node")
    assert node is not None, "Node.js is needed to run the design document's client"
    try:
        run = subprocess.run(
            [node, str(SCRIPT), offline_server.base_url],
            cwd=HERE,
            # The server inherits this environment too (CALENDAR_TIMEZONE agrees), and
            # DESIGN_CLIENT_KEEP_GOING=1 lists every failing scenario, not just the first.
            env=os.environ.copy(),
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(
            f"design_client.mjs did not finish in {TIMEOUT_SECONDS}s:\n"
            f"{_text(exc.stdout)}\n{_text(exc.stderr)}"
        ) from None
    assert run.returncode == 0, (
        f"design_client.mjs exited {run.returncode}:\n{run.stdout}\n{run.stderr}"
    )

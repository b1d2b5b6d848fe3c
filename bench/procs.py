"""Processes the benchmark starts, and what it reads about them from /proc.

Every child runs in its own process group and is registered here, so a failure, a
Ctrl-C or the harness's own deadline stops all of them (and only them).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path | None

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, chars: int = 3000) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")[-chars:]


class Children:
    def __init__(self) -> None:
        self._children: list[Child] = []

    def start(
        self,
        name: str,
        argv: list[str],
        *,
        log_path: Path | None,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        core: str | None = None,
        stdout_pipe: bool = False,
    ) -> Child:
        """`core` pins the process with `taskset -c` (taskset execs, so the pid is the
        server's own and /proc/PID/stat reads the server)."""
        full = (["taskset", "-c", core] if core is not None else []) + argv
        out = subprocess.PIPE if stdout_pipe else (log_path.open("wb") if log_path else subprocess.DEVNULL)
        err = (log_path.open("ab") if log_path else subprocess.DEVNULL) if stdout_pipe else subprocess.STDOUT
        process = subprocess.Popen(
            full, stdout=out, stderr=err, env=env, cwd=cwd, start_new_session=True
        )
        child = Child(name, process, log_path)
        self._children.append(child)
        return child

    def stop(self, child: Child, timeout: float = 15.0) -> None:
        if child.process.poll() is None:
            try:
                os.killpg(child.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                child.process.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(child.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                child.process.wait(5)
        if child in self._children:
            self._children.remove(child)

    def stop_all(self) -> None:
        for child in reversed(list(self._children)):
            self.stop(child)


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (and its threads), from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def wait_http(url: str, child: Child, timeout: float = 30.0, ok: Callable[[int], bool] = lambda s: s == 200) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.process.poll() is not None:
            raise RuntimeError(f"{child.name} exited early:\n{child.log_tail()}")
        try:
            if ok(httpx.get(url, timeout=1).status_code):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{child.name} did not answer {url} within {timeout} s:\n{child.log_tail()}")

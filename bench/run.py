"""`make bench`: the chat path measured against the transport floor, from scratch.

Starts on loopback: a real mongod (fresh temp dbpath), the lean model server, the real
server (`uvicorn agents_backend.main:socket_app`, production settings, one worker),
a bare python-socketio echo and a bare Node socket.io echo, and drives them with the
Node load generator (bench/loadgen.mjs). The server under test is pinned to core 0,
everything else (this harness, mongod, model server, load generator) to core 1.

Durations come from the environment (see `Knobs`); `BENCH_QUICK=1` is a short run.
`BENCH_REDIS=1` adds a redis-server and runs the server with `SOCKETIO_REDIS_URL` (events
fan out and streams are buffered there, as in a scaled deployment); `BENCH_SERVER_ROOT`
runs the server from another checkout (the "before" of a before/after ratio:
bench/compare.py alternates the two).
Writes bench/results/latest.{md,json} and latency_cdf.png.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import json
import os
import platform
import random
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx
from bson import ObjectId
from pymongo import MongoClient

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from agents_backend.core.embedded_mongo import EmbeddedMongo, free_port  # noqa: E402
from procs import Child, Children, cpu_seconds, rss_kb, wait_http  # noqa: E402
from report import percentile, render, write_outputs  # noqa: E402

PY = sys.executable
NODE = shutil.which("node") or "node"
# As agents_backend/Dockerfile starts it; loop/http/ws left on auto, as in production.
UVICORN_FLAGS = [
    "--proxy-headers", "--forwarded-allow-ips", "*", "--timeout-graceful-shutdown", "15",
    "--ws-per-message-deflate", "false",
]
# An experiment, never the default: e.g. BENCH_UVICORN_EXTRA="--ws-per-message-deflate true"
# measures a server setting before anyone changes the Dockerfile. Recorded in the results.
UVICORN_FLAGS += os.environ.get("BENCH_UVICORN_EXTRA", "").split()


def env_float(name: str, default: float, quick: float) -> float:
    raw = os.environ.get(name)
    if raw:
        return float(raw)
    return quick if os.environ.get("BENCH_QUICK") == "1" else default


@dataclass
class Knobs:
    warmup_s: float = field(default_factory=lambda: env_float("BENCH_WARMUP_S", 5, 2))
    duration_s: float = field(default_factory=lambda: env_float("BENCH_DURATION_S", 30, 6))
    clients: int = field(default_factory=lambda: int(env_float("BENCH_CLIENTS", 100, 100)))
    rate: float = field(default_factory=lambda: env_float("BENCH_RATE", 200, 200))
    latency_token_ms: float = field(default_factory=lambda: env_float("BENCH_LATENCY_TOKEN_MS", 5, 5))
    ttft_token_ms: float = field(default_factory=lambda: env_float("BENCH_TTFT_TOKEN_MS", 20, 20))
    ttft_clients: int = field(default_factory=lambda: int(env_float("BENCH_TTFT_CLIENTS", 10, 10)))
    tokens: int = field(default_factory=lambda: int(env_float("BENCH_TOKENS", 8, 8)))
    # Stream pacing: a fast model (a token every 2 ms) against the server's pacing interval.
    pacing_token_ms: float = field(default_factory=lambda: env_float("BENCH_PACING_TOKEN_MS", 2, 2))
    pacing_tokens: int = field(default_factory=lambda: int(env_float("BENCH_PACING_TOKENS", 24, 24)))
    stream_interval_ms: int = field(default_factory=lambda: int(env_float("BENCH_STREAM_INTERVAL_MS", 50, 50)))
    idle_sockets: int = field(default_factory=lambda: int(env_float("BENCH_IDLE_SOCKETS", 5000, 1000)))
    idle_hold_s: float = field(default_factory=lambda: env_float("BENCH_IDLE_HOLD_S", 60, 10))
    history_messages: int = field(default_factory=lambda: int(env_float("BENCH_HISTORY_MESSAGES", 100_000, 100_000)))
    history_conversations: int = field(default_factory=lambda: int(env_float("BENCH_HISTORY_CONVERSATIONS", 1000, 1000)))
    history_requests: int = field(default_factory=lambda: int(env_float("BENCH_HISTORY_REQUESTS", 2000, 400)))
    history_concurrency: int = field(default_factory=lambda: int(env_float("BENCH_HISTORY_CONCURRENCY", 1, 1)))
    profile: bool = field(default_factory=lambda: os.environ.get("BENCH_PROFILE") == "1")
    scenarios: list[str] = field(
        default_factory=lambda: os.environ.get("BENCH_SCENARIOS", "idle,visitors,throughput,latency,ttft,pacing,history").split(",")
    )
    # A stop for a hung run, not a performance bound: a quick run takes about 3 minutes on
    # the 2-core machine, and CI (which runs it) must not fail because the machine is busy.
    deadline_s: float = field(default_factory=lambda: env_float("BENCH_DEADLINE_S", 900, 600))


class Bench:
    def __init__(self, knobs: Knobs, workdir: Path) -> None:
        self.knobs = knobs
        self.work = workdir
        self.children = Children()
        cores = os.cpu_count() or 1
        self.cores = cores
        self.server_core = "0" if cores >= 2 else None
        self.other_core = "1" if cores >= 2 else None
        self.results: dict[str, Any] = {}
        self.samples: dict[str, list[float]] = {}
        self.mongo: EmbeddedMongo | None = None
        self.chat_env: dict[str, str] | None = None

    # -- processes ---------------------------------------------------------------------

    def start_mongo(self) -> None:
        self.mongo = EmbeddedMongo(db_path=self.work / "mongodb")
        self.mongo.start()

    def start_model(self) -> None:
        port = free_port()
        self.model = self.children.start(
            "model server", [PY, str(BENCH / "model_server.py"), "--port", str(port)], log_path=self.work / "model.log"
        )
        self.model_url = f"http://127.0.0.1:{port}"
        wait_http(self.model_url + "/bench/clock", self.model)

    def configure_model(self, token_delay_ms: float, tokens: int | None = None) -> None:
        shape = {"token_delay_ms": token_delay_ms, "tokens": tokens or self.knobs.tokens}
        httpx.post(self.model_url + "/bench/config", json=shape).raise_for_status()

    def model_timings(self) -> dict[str, list[int]]:
        response = httpx.get(self.model_url + "/bench/timings", timeout=30)
        response.raise_for_status()
        return response.json()["timings"]

    def server_env(self) -> dict[str, str]:
        assert self.mongo is not None
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "GOOGLE_", "MONGODB_", "SOCKETIO_", "BENCH_"))}
        env.update(
            {
                "PYTHONPATH": str(ROOT),
                "DEBUG": "false",
                "JWT_SECRET": secrets.token_urlsafe(48),
                "ENCRYPTION_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
                "CORS_ORIGINS": "http://localhost:3000",
                "MONGODB_URI": self.mongo.uri,
                "MONGODB_DATABASE": "agents",
                "DATA_DIR": str(self.work / "data"),
                "SPA_DIR": str(self.work / "no-spa"),
                "OPENAI_API_KEY": "bench",
                "OPENAI_BASE_URL": self.model_url + "/v1",
                "NLU_REFINE_BELOW": "0",
                # The default, stated so the pacing figure names the interval it was made with.
                "STREAM_INTERVAL_MS": str(self.knobs.stream_interval_ms),
                # The limiters stay on (their cost is part of the path measured) but every
                # client here is 127.0.0.1 and sends far more than a person would.
                "RATE_LIMIT_MESSAGES": "1000000/minute",
                "RATE_LIMIT_LOGINS_PER_ACCOUNT": "1000000/minute",
                "RATE_LIMIT_LOGINS_PER_IP": "1000000/minute",
                "RATE_LIMIT_CONNECTIONS_PER_IP": "1000000/minute",
                "RATE_LIMIT_NEW_VISITORS_PER_IP": "1000000/hour",
            }
        )
        return env

    def start_uvicorn(self, name: str, app: list[str], env: dict[str, str]) -> tuple[Child, str]:
        port = free_port()
        # cwd is the temp dir, so a developer's .env in the repo cannot leak in.
        child = self.children.start(
            name,
            [PY, "-m", "uvicorn", *app, "--host", "127.0.0.1", "--port", str(port), *UVICORN_FLAGS],
            log_path=self.work / f"{name.replace(' ', '_')}.log",
            env=env,
            cwd=self.work,
            core=self.server_core,
        )
        return child, f"http://127.0.0.1:{port}"

    def start_redis(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("BENCH_REDIS=1 needs redis-server (apt-get install redis-server)")
        port = free_port()
        self.redis = self.children.start(
            "redis", [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            log_path=self.work / "redis.log",
        )
        self.redis_url = f"redis://127.0.0.1:{port}/0"
        deadline = time.monotonic() + 15
        while subprocess.run([shutil.which("redis-cli") or "redis-cli", "-p", str(port), "ping"], capture_output=True).returncode:
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)

    def start_server(self) -> None:
        if self.chat_env is None:
            env = self.server_env()
            env["PYTHONPATH"] = os.environ.get("BENCH_SERVER_ROOT") or str(ROOT)
            if os.environ.get("BENCH_REDIS") == "1":
                self.start_redis()
                env["SOCKETIO_REDIS_URL"] = self.redis_url
            self.chat_env = env
        env = self.chat_env
        self.server, self.server_url = self.start_uvicorn("chat server", ["agents_backend.main:socket_app"], env)
        wait_http(self.server_url + "/health", self.server, timeout=60)

    def start_py_echo(self) -> tuple[Child, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BENCH_")}
        child, url = self.start_uvicorn("python echo", ["echo_server:app", "--app-dir", str(BENCH)], env)
        wait_http(url + "/socket.io/?EIO=4&transport=polling", child)
        return child, url

    def start_node_echo(self) -> tuple[Child, str]:
        port = free_port()
        child = self.children.start(
            "node echo", [NODE, str(BENCH / "echo_server.mjs"), str(port)], log_path=self.work / "node_echo.log", core=self.server_core
        )
        url = f"http://127.0.0.1:{port}"
        wait_http(url + "/socket.io/?EIO=4&transport=polling", child)
        return child, url

    # -- load generator ----------------------------------------------------------------

    def loadgen(self, config: dict[str, Any], on_phase: Any = None) -> dict[str, Any]:
        path = self.work / f"loadgen-{time.monotonic_ns()}.json"
        result_path = path.with_suffix(".result.json")
        path.write_text(json.dumps({**config, "resultPath": str(result_path)}))
        child = self.children.start(
            "load generator", [NODE, str(BENCH / "loadgen.mjs"), str(path)],
            log_path=self.work / "loadgen.log", stdout_pipe=True, cwd=BENCH,
        )
        finished = False
        assert child.process.stdout is not None
        for raw in child.process.stdout:
            line = raw.decode(errors="replace").rstrip("\n")
            if line.startswith("#PHASE "):
                _, name, data = line.split(" ", 2)
                if on_phase is not None:
                    on_phase(name, json.loads(data))
            elif line.startswith("#RESULT"):
                finished = True
        code = child.process.wait()
        self.children.stop(child)
        if code != 0 or not finished or not result_path.exists():
            raise RuntimeError(f"load generator failed ({code}):\n{child.log_tail()}")
        result: dict[str, Any] = json.loads(result_path.read_text())
        return result

    def measured_loadgen(self, config: dict[str, Any], watch: dict[str, Child]) -> tuple[dict[str, Any], dict[str, float]]:
        """Runs the load generator and reads the CPU time of `watch` over its window."""
        marks: dict[str, dict[str, float]] = {}
        profiler: list[subprocess.Popen[bytes]] = []

        def on_phase(name: str, _data: dict[str, Any]) -> None:
            if name in ("measure-start", "measure-end"):
                marks[name] = {key: cpu_seconds(child.pid) for key, child in watch.items()}
                marks[name]["wall"] = time.monotonic()
            if name == "measure-start" and self.knobs.profile and config.get("profile"):
                profiler.append(self.py_spy(watch["server"].pid, config["profile"]))

        result = self.loadgen(config, on_phase)
        for process in profiler:
            process.wait(timeout=self.knobs.duration_s + 60)
        for child in watch.values():
            settle(child.pid)
        cpu = {key: marks["measure-end"][key] - marks["measure-start"][key] for key in watch}
        cpu["wall"] = marks["measure-end"]["wall"] - marks["measure-start"]["wall"]
        return result, cpu

    def py_spy(self, pid: int, name: str) -> subprocess.Popen[bytes]:
        spy = Path(PY).with_name("py-spy")
        out = BENCH / "results" / f"profile-{name}"
        duration = str(max(1, int(self.knobs.duration_s)))
        return subprocess.Popen(
            [str(spy), "record", "--pid", str(pid), "--duration", duration, "--rate", "250", "--nonblocking",
             "--format", "raw", "--output", str(out) + ".txt"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )

    # -- setup -------------------------------------------------------------------------

    async def register(self, count: int, prefix: str) -> list[dict[str, str]]:
        semaphore = asyncio.Semaphore(4)
        async with httpx.AsyncClient(base_url=self.server_url, timeout=30) as http:
            async def one(i: int) -> dict[str, str]:
                async with semaphore:
                    response = await http.post(
                        "/auth/register",
                        json={"email": f"{prefix}{i}@bench.example.com", "password": "bench password " + prefix, "name": f"Bench {i}"},
                    )
                response.raise_for_status()
                body = response.json()
                return {"token": body["access_token"], "user_id": body["user"]["id"]}
            return await asyncio.gather(*(one(i) for i in range(count)))

    def chat_config(self, mode: str, tokens: list[str], url: str, **extra: Any) -> dict[str, Any]:
        return {
            "mode": mode, "url": url, "tokens": tokens, "warmupS": self.knobs.warmup_s,
            "durationS": self.knobs.duration_s, "agentKey": "sdr", "modelUrl": self.model_url,
            "deadlineS": self.knobs.warmup_s + self.knobs.duration_s + 180, **extra,
        }

    # -- scenarios ---------------------------------------------------------------------

    def scenario_idle(self, tokens: list[str]) -> None:
        """5. Idle authenticated sockets: RSS per connection, chat server vs the bare echoes."""
        k = self.knobs
        out: dict[str, Any] = {}
        node, node_url = self.start_node_echo()
        py_echo, py_echo_url = self.start_py_echo()
        try:
            # The bare python-socketio echo shows what the Python transport stack alone costs.
            targets = [
                ("chat", self.server, self.server_url),
                ("python_echo", py_echo, py_echo_url),
                ("node_echo", node, node_url),
            ]
            for key, child, url in targets:
                # Warm the process first (imports, first handshakes), then take the baseline.
                self.loadgen({"mode": "idle", "url": url, "tokens": tokens, "count": min(200, k.idle_sockets), "holdS": 1, "deadlineS": 120})
                time.sleep(1.0)
                samples: dict[str, int] = {"before": rss_kb(child.pid)}

                def on_phase(name: str, _data: dict[str, Any], child: Child = child, samples: dict[str, int] = samples) -> None:
                    if name in ("connected", "idle-end"):
                        samples[name] = rss_kb(child.pid)
                    if name == "hold":
                        samples["max"] = max(samples.get("max", 0), rss_kb(child.pid))

                result = self.loadgen(
                    {"mode": "idle", "url": url, "tokens": tokens, "count": k.idle_sockets, "holdS": k.idle_hold_s,
                     "connectConcurrency": 100, "deadlineS": k.idle_hold_s + 300},
                    on_phase,
                )
                connected = max(1, result["connected"] - result["dropped"])
                out[key] = {
                    **{k2: v for k2, v in result.items() if k2 != "mode"},
                    "rss_before_kb": samples["before"], "rss_connected_kb": samples.get("connected"),
                    "rss_end_kb": samples.get("idle-end"),
                    "kb_per_conn": (samples["idle-end"] - samples["before"]) / connected,
                }
        finally:
            self.children.stop(node)
            self.children.stop(py_echo)
        self.results["idle"] = out

    def scenario_visitors(self, owner_token: str) -> None:
        """Idle website visitors (namespace /public, as the widget's iframe connects):
        RSS per open visitor socket. A closed widget opens none (widget.js connects only
        when opened), so its cost to the server is zero by construction."""
        k = self.knobs
        # A process that never held sockets: one that did keeps their freed memory in its
        # allocator's pools, and new sockets would seem to cost next to nothing. The same
        # settings (secret, database), so the users' tokens stay valid for what follows.
        self.children.stop(self.server)
        self.start_server()
        slug = asyncio.run(self.publish_bot(owner_token))
        visitor = {"namespace": "/public", "agent": slug}
        config = {"mode": "idle", "url": self.server_url, "tokens": [""], "visitor": visitor}
        self.loadgen({**config, "count": min(200, k.idle_sockets), "holdS": 1, "deadlineS": 120})
        time.sleep(1.0)
        samples: dict[str, int] = {"before": rss_kb(self.server.pid)}

        def on_phase(name: str, _data: dict[str, Any]) -> None:
            if name in ("connected", "idle-end"):
                samples[name] = rss_kb(self.server.pid)

        result = self.loadgen(
            {**config, "count": k.idle_sockets, "holdS": k.idle_hold_s, "connectConcurrency": 100,
             "deadlineS": k.idle_hold_s + 300},
            on_phase,
        )
        connected = max(1, result["connected"] - result["dropped"])
        self.results["visitors"] = {
            **{key: value for key, value in result.items() if key != "mode"},
            "rss_before_kb": samples["before"], "rss_end_kb": samples.get("idle-end"),
            "kb_per_conn": (samples["idle-end"] - samples["before"]) / connected,
        }

    async def publish_bot(self, token: str) -> str:
        """A bot of the owner's, published: the slug visitors connect with."""
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=self.server_url, headers=headers, timeout=30) as http:
            bot = (await http.post("/custom-bots", json={
                "name": "Bench bot", "emoji": "🤖", "prompt": "You help visitors.", "specialties": ["bench"],
            })).raise_for_status().json()["bot"]
            published = await http.put(f"/custom-bots/{bot['key']}/public", json={"enabled": True, "allowedOrigins": []})
            slug: str = published.raise_for_status().json()["slug"]
            return slug

    def scenario_throughput(self, tokens: list[str]) -> None:
        """1 + 2. Closed loop, model delay 0: chat path, python echo, node echo."""
        k = self.knobs
        self.configure_model(0)
        self.model_timings()
        out: dict[str, Any] = {}
        watch = {"server": self.server}
        assert self.mongo is not None and self.mongo.process is not None
        mongo_pid = self.mongo.process.pid
        result, cpu = self.measured_loadgen(
            self.chat_config("closed", tokens[: k.clients], self.server_url, tagPrefix="t", profile="throughput"),
            {**watch, "mongod": _PidOnly(mongo_pid)},  # type: ignore[dict-item]
        )
        timings = self.model_timings()
        out["chat"] = self._closed_summary(result, cpu, timings)
        # BENCH_ECHOES=0 (bench/compare.py): the chat path alone, without its floor.
        echoes = (("python_echo", self.start_py_echo), ("node_echo", self.start_node_echo))
        for key, starter in echoes if os.environ.get("BENCH_ECHOES") != "0" else ():
            child, url = starter()
            try:
                result, cpu = self.measured_loadgen(
                    self.chat_config("closed", tokens[: k.clients], url, tagPrefix="e", modelUrl=None), {"server": child}
                )
            finally:
                self.children.stop(child)
            out[key] = self._closed_summary(result, cpu, None)
        self.results["throughput"] = out

    def _closed_summary(self, result: dict[str, Any], cpu: dict[str, float], timings: dict[str, list[int]] | None) -> dict[str, Any]:
        records = result.pop("records")
        rtt = [(r[5] - r[2]) / 1e6 for r in records if not r[6]]
        summary = {k: v for k, v in result.items() if k not in ("mode",)}
        summary["cpu_s"] = cpu
        summary["server_cpu_us_per_exchange"] = cpu["server"] * 1e6 / max(1, result["completed"])
        summary["server_cpu_util"] = cpu["server"] / cpu["wall"] if cpu["wall"] else None
        if "mongod" in cpu:
            summary["mongod_cpu_us_per_exchange"] = cpu["mongod"] * 1e6 / max(1, result["completed"])
        summary["rtt_ms"] = _dist(rtt)
        summary["rtt_samples"] = rtt  # for the CDF plot; dropped before latest.json
        if timings is not None:
            added = _added_latency(records, timings)
            summary["added_ms"] = _dist(added)
            summary["stream_frames"] = _stream_frames(records)
        return summary

    def scenario_latency(self, tokens: list[str]) -> None:
        """3. Open loop at a fixed rate: round trip minus the model server's own time.

        The issue's rate first; then, when the closed loop measured the server's capacity
        and the fixed rate is above about half of it, again at half of that capacity, so
        the figure says what the server adds when it is not simply queueing.
        """
        k = self.knobs
        self.results["latency"] = self._open_loop(tokens, k.rate, "latency", "l")
        capacity = (self.results.get("throughput", {}).get("chat") or {}).get("rate")
        low = float(os.environ.get("BENCH_RATE_LOW", 0)) or (round(capacity / 2, 1) if capacity else 0)
        if low and low < k.rate:
            self.results["latency_low_rate"] = self._open_loop(tokens, low, "latency-low", "m")

    def _open_loop(self, tokens: list[str], rate: float, profile: str, tag: str) -> dict[str, Any]:
        k = self.knobs
        self.configure_model(k.latency_token_ms)
        self.model_timings()
        result, cpu = self.measured_loadgen(
            self.chat_config("open", tokens[: k.clients], self.server_url, tagPrefix=tag, rate=rate, profile=profile),
            {"server": self.server},
        )
        records = result.pop("records")
        timings = self.model_timings()
        added = _added_latency(records, timings)
        self.samples[f"added_latency_open_{rate:g}"] = added
        done = [r for r in records if not r[6]]
        return {
            **{key: v for key, v in result.items() if key != "mode"},
            "model_token_delay_ms": k.latency_token_ms, "tokens": k.tokens,
            "achieved_rate": result["rateInWindow"],
            "added_ms": _dist(added), "rtt_ms": _dist([(r[5] - r[2]) / 1e6 for r in done]),
            "model_ms": _dist([(timings[r[0]][2] - timings[r[0]][0]) / 1e6 for r in done if r[0] in timings]),
            "stream_frames": _stream_frames(records),
            "cpu_s": cpu, "server_cpu_us_per_exchange": cpu["server"] * 1e6 / max(1, result["completedInWindow"]),
            "server_cpu_util": cpu["server"] / cpu["wall"] if cpu["wall"] else None,
        }

    def scenario_ttft(self, tokens: list[str]) -> None:
        """4. A token every 20 ms: model's first chunk -> client's first agent:stream."""
        k = self.knobs
        self.configure_model(k.ttft_token_ms)
        self.model_timings()
        result, cpu = self.measured_loadgen(
            self.chat_config("closed", tokens[: k.ttft_clients], self.server_url, tagPrefix="f"), {"server": self.server}
        )
        records = result.pop("records")
        timings = self.model_timings()
        # Both stamps are CLOCK_MONOTONIC, one clock for every process on the machine, so
        # they are compared as they are; the ping-measured offset is a check (it should be
        # within half a ping's round trip of zero), not a correction.
        overhead = [
            (r[4] - timings[r[0]][1]) / 1e6
            for r in records
            if not r[6] and r[4] and r[0] in timings and timings[r[0]][1]
        ]
        self.samples["ttft_overhead"] = overhead
        self.results["ttft"] = {
            **{key: v for key, v in result.items() if key != "mode"},
            "model_token_delay_ms": k.ttft_token_ms, "tokens": k.tokens, "overhead_ms": _dist(overhead),
            "client_ttft_ms": _dist([(r[4] - r[2]) / 1e6 for r in records if not r[6] and r[4]]),
            "stream_frames": _stream_frames(records),
            "cpu_s": cpu, "server_cpu_us_per_exchange": cpu["server"] * 1e6 / max(1, result["completed"]),
        }

    def scenario_pacing(self, tokens: list[str]) -> None:
        """Stream pacing over a real socket: a fast model's tokens reach the client in a few
        `agent:stream` frames, not one frame per token.

        A reported figure, never a pass/fail: how many frames a reply takes depends on how
        the model's tokens fall against the interval, which a busy machine stretches. The
        pacer's rule itself is unit-tested with a fake clock (tests/sockets/test_stream_pacing.py).
        """
        k = self.knobs
        self.configure_model(k.pacing_token_ms, tokens=k.pacing_tokens)
        self.model_timings()
        result = self.loadgen(self.chat_config("closed", tokens[: k.ttft_clients], self.server_url, tagPrefix="p"))
        records = result.pop("records")
        timings = self.model_timings()
        done = [r for r in records if not r[6]]
        if not done:
            raise RuntimeError(f"the pacing run completed no exchange: {result.get('errorKinds')}\n{self.server.log_tail()}")
        frames = _stream_frames(records)
        # The model's stream, first chunk to last: what the interval slices into frames.
        stream_ms = [(timings[r[0]][2] - timings[r[0]][1]) / 1e6 for r in done if r[0] in timings and timings[r[0]][1]]
        self.results["pacing"] = {
            **{key: v for key, v in result.items() if key != "mode"},
            "model_token_delay_ms": k.pacing_token_ms, "tokens": k.pacing_tokens,
            "stream_interval_ms": k.stream_interval_ms, "stream_frames": frames,
            "tokens_per_frame": k.pacing_tokens / frames["mean"] if frames["mean"] else None,
            "model_stream_ms": _dist(stream_ms),
        }

    def scenario_history(self, user: dict[str, str]) -> None:
        """6. History p99 over 100,000 stored messages in 1,000 conversations, + explain()."""
        k = self.knobs
        assert self.mongo is not None
        client: MongoClient[dict[str, Any]] = MongoClient(self.mongo.uri, tz_aware=True)
        try:
            messages = client["agents"]["messages"]
            conversations = [("sdr" if i % 2 == 0 else "support", f"hist-{i:04d}") for i in range(k.history_conversations)]
            per = max(1, k.history_messages // len(conversations))
            base_ts = int(time.time() * 1000) - k.history_messages * 1000
            t0 = time.monotonic()
            batch: list[dict[str, Any]] = []
            anchors: dict[tuple[str, str], str] = {}
            for n in range(per):
                for c, (agent_key, contact_id) in enumerate(conversations):
                    # The document shape of store/messages.py (user and agent messages).
                    ts = base_ts + (n * len(conversations) + c)
                    oid = ObjectId()
                    if n % 2 == 0:
                        doc = {"_id": oid, "user_id": user["user_id"], "agent_key": agent_key, "contact_id": contact_id,
                               "author": "user", "text": f"Question number {n} about the plans", "ts": ts,
                               "nlp": {"intent": "general", "language": "en", "confidence": 0.5},
                               "reply_state": "done", "client_message_id": f"h-{c}-{n}"}
                    else:
                        doc = {"_id": oid, "user_id": user["user_id"], "agent_key": agent_key, "contact_id": contact_id,
                               "author": "agent", "text": f"Answer number {n}: here is what our plans include.", "ts": ts,
                               "reply_to": None, "offline": False, "incomplete": False, "model": "gpt-4o-mini"}
                    if n == per // 2:
                        anchors[(agent_key, contact_id)] = str(oid)
                    batch.append(doc)
                    if len(batch) >= 10_000:
                        messages.insert_many(batch, ordered=False)
                        batch = []
            if batch:
                messages.insert_many(batch, ordered=False)
            insert_s = time.monotonic() - t0
            stored = messages.count_documents({"user_id": user["user_id"]})
            sample = conversations[len(conversations) // 2]
            explains = {
                "newest page": _explain(client, {"user_id": user["user_id"], "agent_key": sample[0], "contact_id": sample[1]}, 51),
                "page before a cursor": _explain(client, {
                    "user_id": user["user_id"], "agent_key": sample[0], "contact_id": sample[1],
                    "$or": [{"ts": {"$lt": base_ts + 10**9}}, {"ts": base_ts + 10**9, "_id": {"$lt": ObjectId()}}],
                }, 51),
            }
        finally:
            client.close()
        rng = random.Random(7)
        paths = []
        for _ in range(max(k.history_requests, 1)):
            agent_key, contact_id = rng.choice(conversations)
            paths.append(f"/agents/{agent_key}/conversations/{contact_id}/messages?limit=50")
        result, cpu = self.measured_loadgen(
            {"mode": "http", "url": self.server_url, "token": user["token"], "paths": paths, "requests": k.history_requests,
             "concurrency": k.history_concurrency, "warmup": 20, "deadlineS": 300, "profile": "history"},
            {"server": self.server},
        )
        latencies = result.pop("latencies_ms")
        self.samples["history"] = latencies
        cursor_paths = [
            f"/agents/{a}/conversations/{c}/messages?limit=50&before={anchors[(a, c)]}" for a, c in conversations[:200] if (a, c) in anchors
        ]
        cursor_result = self.loadgen(
            {"mode": "http", "url": self.server_url, "token": user["token"], "paths": cursor_paths,
             "requests": len(cursor_paths), "concurrency": 1, "warmup": 5, "deadlineS": 120}
        )
        self.results["history"] = {
            "messages": stored, "conversations": len(conversations), "insert_s": insert_s,
            **{key: v for key, v in result.items() if key != "mode"}, "latency_ms": _dist(latencies),
            "server_cpu_us_per_request": cpu["server"] * 1e6 / max(1, result["requests"]),
            "cursor_page_latency_ms": _dist(cursor_result["latencies_ms"]), "cursor_page_errors": cursor_result["errors"],
            "explain": explains,
        }

    # -- the run -----------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        k = self.knobs
        started = time.monotonic()
        self.start_mongo()
        self.start_model()
        self.start_server()
        users = asyncio.run(self.register(max(k.clients, k.ttft_clients), "u"))
        history_user = asyncio.run(self.register(1, "history"))[0]
        tokens = [u["token"] for u in users]
        # One exchange end to end before anything is measured: the path must work.
        smoke = self.loadgen({**self.chat_config("closed", tokens[:2], self.server_url, tagPrefix="s"), "warmupS": 0.5, "durationS": 1})
        if smoke["completed"] == 0 or smoke["errors"]:
            raise RuntimeError(f"the chat path does not complete an exchange: {smoke.get('errorKinds')}\n{self.server.log_tail()}")
        steps = {
            "idle": lambda: self.scenario_idle(tokens),
            "visitors": lambda: self.scenario_visitors(tokens[0]),
            "throughput": lambda: self.scenario_throughput(tokens),
            "latency": lambda: self.scenario_latency(tokens),
            "ttft": lambda: self.scenario_ttft(tokens),
            "pacing": lambda: self.scenario_pacing(tokens),
            "history": lambda: self.scenario_history(history_user),
        }
        for name in k.scenarios:
            t = time.monotonic()
            print(f"[bench] {name} ...", flush=True)
            steps[name.strip()]()
            print(f"[bench] {name} done in {time.monotonic() - t:.0f} s", flush=True)
        self.results["server_log_errors"] = self.server.log_tail(200_000).count('"level": "ERROR"')
        self.results["elapsed_s"] = time.monotonic() - started
        return self.results

    def close(self) -> None:
        self.children.stop_all()
        if self.mongo is not None:
            self.mongo.stop()


def settle(pid: int, timeout: float = 60.0) -> None:
    """Waits until a server has worked off what an overloaded run left queued (under 5 %
    of a core over half a second), so one scenario's backlog does not bill the next."""
    deadline = time.monotonic() + timeout
    with contextlib.suppress(FileNotFoundError, ProcessLookupError):
        while time.monotonic() < deadline:
            before = cpu_seconds(pid)
            time.sleep(0.5)
            if cpu_seconds(pid) - before < 0.025:
                return


@dataclass
class _PidOnly:
    """A process to sample that the harness did not start through `Children` (mongod)."""

    pid: int


def _dist(values: list[float]) -> dict[str, float | int | None]:
    if not values:
        return {"n": 0, "p50": None, "p90": None, "p99": None, "max": None, "mean": None}
    ordered = sorted(values)
    return {
        "n": len(ordered), "p50": percentile(ordered, 50), "p90": percentile(ordered, 90),
        "p99": percentile(ordered, 99), "max": ordered[-1], "mean": sum(ordered) / len(ordered),
    }


def _stream_frames(records: list[list[Any]]) -> dict[str, float | int | None]:
    """`agent:stream` frames per completed reply (record field 7, from bench/loadgen.mjs)."""
    return _dist([float(r[7]) for r in records if not r[6] and len(r) > 7])


def _added_latency(records: list[list[Any]], timings: dict[str, list[int]]) -> list[float]:
    """Round trip (client send -> final agent:message) minus the model's time (request in
    -> last byte out). Both are durations on one clock, so no offset is involved."""
    added = []
    for tag, _sched, t_send, _ack, _first, t_final, error, *_rest in records:
        stamps = timings.get(tag)
        if error or not stamps or not stamps[2]:
            continue
        added.append(((t_final - t_send) - (stamps[2] - stamps[0])) / 1e6)
    return added


def _explain(client: MongoClient[dict[str, Any]], query: dict[str, Any], limit: int) -> dict[str, Any]:
    """The history query of store/messages.py.page_messages, explained."""
    plan = client["agents"].command(
        {"explain": {"find": "messages", "filter": query, "sort": {"ts": -1, "_id": -1}, "limit": limit},
         "verbosity": "executionStats"}
    )
    stages: list[str] = []
    indexes: set[str] = set()

    def walk(node: dict[str, Any]) -> None:
        stages.append(node.get("stage", "?"))
        if "indexName" in node:
            indexes.add(node["indexName"])
        for child_key in ("inputStage", "queryPlan"):
            if isinstance(node.get(child_key), dict):
                walk(node[child_key])
        for child in node.get("inputStages", []):
            walk(child)

    walk(plan["queryPlanner"]["winningPlan"])
    stats = plan["executionStats"]
    return {
        "stages": stages, "indexes": sorted(indexes),
        "uses_conversation_time": "conversation_time" in indexes and "IXSCAN" in stages and "COLLSCAN" not in stages,
        "in_memory_sort": "SORT" in stages,
        "n_returned": stats["nReturned"], "keys_examined": stats["totalKeysExamined"],
        "docs_examined": stats["totalDocsExamined"], "millis": stats["executionTimeMillis"],
    }


def versions(mongo_uri: str | None) -> dict[str, Any]:
    def dist(name: str) -> str | None:
        with contextlib.suppress(metadata.PackageNotFoundError):
            return metadata.version(name)
        return None

    def node_pkg(name: str) -> str | None:
        path = BENCH / "node_modules" / name / "package.json"
        return json.loads(path.read_text())["version"] if path.exists() else None

    node = subprocess.run([NODE, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    out: dict[str, Any] = {
        "python": platform.python_version(), "uvicorn": dist("uvicorn"), "python-socketio": dist("python-socketio"),
        "python-engineio": dist("python-engineio"), "websockets": dist("websockets"), "uvloop": dist("uvloop"),
        "httptools": dist("httptools"), "pymongo": dist("pymongo"), "openai": dist("openai"), "fastapi": dist("fastapi"),
        "node": node, "socket.io": node_pkg("socket.io"), "socket.io-client": node_pkg("socket.io-client"), "ws": node_pkg("ws"),
        "kernel": platform.release(),
    }
    if mongo_uri:
        with MongoClient(mongo_uri) as client:
            out["mongod"] = client.admin.command("buildInfo")["version"]
    return out


def _last_flag_value(flag: str, default: str) -> str:
    """The value uvicorn will use for `flag`: the last one given wins."""
    values = [UVICORN_FLAGS[i + 1] for i, item in enumerate(UVICORN_FLAGS[:-1]) if item == flag]
    return values[-1].lower() if values else default


def uvicorn_settings() -> dict[str, Any]:
    """What uvicorn's `auto` choices resolve to here (the same logic as uvicorn/*/auto.py)."""
    def importable(name: str) -> bool:
        try:
            __import__(name)
        except ImportError:
            return False
        return True

    return {
        "flags": " ".join(UVICORN_FLAGS),
        "workers": 1,
        "loop": "uvloop" if importable("uvloop") else "asyncio",
        "http": "httptools" if importable("httptools") else "h11",
        "ws": "websockets-sansio" if importable("websockets") else "wsproto",
        "ws_per_message_deflate": _last_flag_value("--ws-per-message-deflate", "true") != "false",
        "access_log": True,
    }


def results_dir() -> Path:
    """bench/results/ for a full run (its figures are committed and quoted in the README);
    a quick run (CI) writes to bench/results/quick/ (git-ignored) so it never overwrites
    them. BENCH_RESULTS_DIR overrides both."""
    if os.environ.get("BENCH_RESULTS_DIR"):
        return Path(os.environ["BENCH_RESULTS_DIR"])
    return BENCH / "results" / "quick" if os.environ.get("BENCH_QUICK") == "1" else BENCH / "results"


def main() -> int:
    knobs = Knobs()
    with contextlib.suppress(ValueError, OSError):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
    cores = os.cpu_count() or 1
    if cores >= 2:
        os.sched_setaffinity(0, {1})  # everything but the server under test inherits core 1
    workdir = Path(tempfile.mkdtemp(prefix="agents-bench-"))
    bench = Bench(knobs, workdir)

    def on_signal(signum: int, _frame: Any) -> None:
        raise SystemExit(f"stopped by signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError(f"bench deadline {knobs.deadline_s} s")))
    signal.alarm(int(knobs.deadline_s))
    ok = False
    try:
        results = bench.run()
        mongo_uri = bench.mongo.uri if bench.mongo else None
        meta = {
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "cores": cores,
            "pinning": {"server": bench.server_core, "everything_else": bench.other_core},
            "quick": os.environ.get("BENCH_QUICK") == "1", "knobs": asdict(knobs),
            "versions": versions(mongo_uri),
            "servers": {
                "chat": {"uvicorn": uvicorn_settings(), "app": "agents_backend.main:socket_app"},
                "python_echo": {"uvicorn": uvicorn_settings(), "app": "bench/echo_server.py"},
                "node_echo": {"socket.io": "defaults (perMessageDeflate: false)", "app": "bench/echo_server.mjs"},
            },
            "load": os.getloadavg(),
        }
        summary = write_outputs(results_dir(), meta, results, bench.samples)
        print(render(summary, results, meta))
        ok = True
    except BaseException as exc:
        print(f"[bench] FAILED: {exc!r}", file=sys.stderr)
        for name in ("chat_server.log", "model.log", "loadgen.log"):
            path = workdir / name
            if path.exists():
                print(f"--- {name} (tail) ---\n{path.read_text(errors='replace')[-2000:]}", file=sys.stderr)
        raise
    finally:
        signal.alarm(0)
        bench.close()
        if ok and os.environ.get("BENCH_KEEP") != "1":
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"[bench] work dir kept: {workdir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The benchmark's outputs: headline figures, targets, the table, JSON and the CDF plot."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

# The targets of issue 7, on the 2-core machine, all from one run.
TARGETS = {
    "throughput_ratio_vs_python_echo": (">=", 0.4),
    "added_latency_p99_ms": ("<=", 15.0),
    "ttft_overhead_p50_ms": ("<=", 3.0),
    "ttft_overhead_p99_ms": ("<=", 10.0),
    "idle_ratio_vs_node": ("<=", 2.0),
    "history_p99_ms": ("<=", 10.0),
}


def percentile(ordered: list[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def _get(data: dict[str, Any], *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _ratio(a: Any, b: Any) -> float | None:
    return a / b if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b else None


def headline(meta: dict[str, Any], results: dict[str, Any]) -> dict[str, Any]:
    chat = _get(results, "throughput", "chat") or {}
    py = _get(results, "throughput", "python_echo") or {}
    node = _get(results, "throughput", "node_echo") or {}
    idle_chat = _get(results, "idle", "chat", "kb_per_conn")
    idle_node = _get(results, "idle", "node_echo", "kb_per_conn")
    explain = _get(results, "history", "explain", "newest page") or {}
    summary: dict[str, Any] = {
        "throughput_per_s": chat.get("rate"),
        "throughput_ratio_vs_python_echo": _ratio(chat.get("rate"), py.get("rate")),
        "throughput_ratio_vs_node_echo": _ratio(chat.get("rate"), node.get("rate")),
        "python_echo_per_s": py.get("rate"),
        "node_echo_per_s": node.get("rate"),
        "server_cpu_us_per_exchange": chat.get("server_cpu_us_per_exchange"),
        "python_echo_cpu_us_per_exchange": py.get("server_cpu_us_per_exchange"),
        "node_echo_cpu_us_per_exchange": node.get("server_cpu_us_per_exchange"),
        "cpu_ratio_python_echo_vs_chat": _ratio(py.get("server_cpu_us_per_exchange"), chat.get("server_cpu_us_per_exchange")),
        "mongod_cpu_us_per_exchange": chat.get("mongod_cpu_us_per_exchange"),
        "added_latency_p50_ms": _get(results, "latency", "added_ms", "p50"),
        "added_latency_p99_ms": _get(results, "latency", "added_ms", "p99"),
        "added_latency_max_ms": _get(results, "latency", "added_ms", "max"),
        "latency_rate_per_s": _get(results, "latency", "rate"),
        "latency_achieved_per_s": _get(results, "latency", "achieved_rate"),
        "added_latency_low_rate_per_s": _get(results, "latency_low_rate", "rate"),
        "added_latency_low_rate_p50_ms": _get(results, "latency_low_rate", "added_ms", "p50"),
        "added_latency_low_rate_p99_ms": _get(results, "latency_low_rate", "added_ms", "p99"),
        "ttft_overhead_p50_ms": _get(results, "ttft", "overhead_ms", "p50"),
        "ttft_overhead_p99_ms": _get(results, "ttft", "overhead_ms", "p99"),
        "idle_kb_per_conn": idle_chat,
        "idle_kb_per_conn_node": idle_node,
        "idle_kb_per_conn_python_echo": _get(results, "idle", "python_echo", "kb_per_conn"),
        "idle_ratio_vs_node": _ratio(idle_chat, idle_node),
        "visitor_kb_per_conn": _get(results, "visitors", "kb_per_conn"),
        "history_p50_ms": _get(results, "history", "latency_ms", "p50"),
        "history_p99_ms": _get(results, "history", "latency_ms", "p99"),
        "history_uses_index": explain.get("uses_conversation_time"),
        # Reported, not a target: frames per reply depend on how tokens fall against the interval.
        "stream_frames_per_reply_p50": _get(results, "pacing", "stream_frames", "p50"),
        "stream_frames_per_reply_max": _get(results, "pacing", "stream_frames", "max"),
        "stream_tokens_per_frame": _get(results, "pacing", "tokens_per_frame"),
        "cores": meta["cores"],
        "date": meta["date"],
    }
    summary["targets"] = {
        key: {
            "target": f"{op} {limit}",
            "value": summary.get(key),
            "met": None if summary.get(key) is None else (summary[key] >= limit if op == ">=" else summary[key] <= limit),
        }
        for key, (op, limit) in TARGETS.items()
    }
    return summary


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def render(summary: dict[str, Any], results: dict[str, Any], meta: dict[str, Any]) -> str:
    t = results.get("throughput", {})
    rows = [
        ("1 throughput, chat path (100 clients, closed loop)", f"{_fmt(summary['throughput_per_s'], 1)} exch/s",
         f"{_fmt(summary['server_cpu_us_per_exchange'], 0)} us CPU/exch"),
        ("2 bare python-socketio echo", f"{_fmt(summary['python_echo_per_s'], 1)} exch/s",
         f"{_fmt(summary['python_echo_cpu_us_per_exchange'], 0)} us CPU/exch"),
        ("2 bare Node socket.io echo", f"{_fmt(summary['node_echo_per_s'], 1)} exch/s",
         f"{_fmt(summary['node_echo_cpu_us_per_exchange'], 0)} us CPU/exch"),
        ("2 chat / python echo (throughput)", _fmt(summary["throughput_ratio_vs_python_echo"], 3), ""),
        ("2 chat / node echo (throughput)", _fmt(summary["throughput_ratio_vs_node_echo"], 3), ""),
        ("2 python echo CPU / chat CPU per exchange", _fmt(summary["cpu_ratio_python_echo_vs_chat"], 3), ""),
        (f"3 added latency, open loop {_fmt(summary['latency_rate_per_s'], 0)}/s (achieved {_fmt(summary['latency_achieved_per_s'], 1)}/s)",
         f"p50 {_fmt(summary['added_latency_p50_ms'])} / p99 {_fmt(summary['added_latency_p99_ms'])} / max {_fmt(summary['added_latency_max_ms'])} ms",
         f"{_fmt(_get(results, 'latency', 'server_cpu_us_per_exchange'), 0)} us CPU/exch"),
        (f"3 added latency, open loop {_fmt(summary['added_latency_low_rate_per_s'], 1)}/s (half the closed-loop capacity)",
         f"p50 {_fmt(summary['added_latency_low_rate_p50_ms'])} / p99 {_fmt(summary['added_latency_low_rate_p99_ms'])} ms",
         f"{_fmt(_get(results, 'latency_low_rate', 'server_cpu_us_per_exchange'), 0)} us CPU/exch")
        if "latency_low_rate" in results
        else ("3 (no half-capacity run: the fixed rate is already at most half the capacity)", "", ""),
        ("4 TTFT overhead (token every 20 ms)", f"p50 {_fmt(summary['ttft_overhead_p50_ms'])} / p99 {_fmt(summary['ttft_overhead_p99_ms'])} ms",
         f"{_fmt(_get(results, 'ttft', 'server_cpu_us_per_exchange'), 0)} us CPU/exch"),
        (f"5 idle sockets ({_get(results, 'idle', 'chat', 'connected')}), chat server", f"{_fmt(summary['idle_kb_per_conn'], 1)} KiB/conn", ""),
        ("5 idle sockets, bare python-socketio echo", f"{_fmt(summary['idle_kb_per_conn_python_echo'], 1)} KiB/conn",
         f"ratio to Node {_fmt(_ratio(summary['idle_kb_per_conn_python_echo'], summary['idle_kb_per_conn_node']))}"),
        ("5 idle sockets, bare Node socket.io", f"{_fmt(summary['idle_kb_per_conn_node'], 1)} KiB/conn",
         f"ratio {_fmt(summary['idle_ratio_vs_node'])}"),
        (f"  idle website visitors ({_get(results, 'visitors', 'connected')}, /public)",
         f"{_fmt(summary['visitor_kb_per_conn'], 1)} KiB/conn",
         f"ratio to a signed-in socket {_fmt(_ratio(summary['visitor_kb_per_conn'], summary['idle_kb_per_conn']))}"),
        (f"6 history ({_get(results, 'history', 'messages')} msgs / {_get(results, 'history', 'conversations')} convs)",
         f"p50 {_fmt(summary['history_p50_ms'])} / p99 {_fmt(summary['history_p99_ms'])} ms",
         f"index: {_fmt(summary['history_uses_index'])}"),
        (f"  stream pacing (token every {_fmt(_get(results, 'pacing', 'model_token_delay_ms'), 0)} ms, "
         f"{_get(results, 'pacing', 'tokens')} tokens, {_get(results, 'pacing', 'stream_interval_ms')} ms interval)",
         f"frames/reply p50 {_fmt(summary['stream_frames_per_reply_p50'], 0)} / max {_fmt(summary['stream_frames_per_reply_max'], 0)}",
         f"{_fmt(summary['stream_tokens_per_frame'], 1)} tokens/frame; model stream p50 "
         f"{_fmt(_get(results, 'pacing', 'model_stream_ms', 'p50'), 1)} ms"),
    ]
    width = max(len(r[0]) for r in rows)
    lines = [f"Agents bench, {meta['date']}, {meta['cores']} cores (server on core {meta['pinning']['server']}), "
             f"load avg {', '.join(f'{x:.2f}' for x in meta['load'])}" + (" [QUICK]" if meta.get("quick") else "")]
    lines += [f"  {name.ljust(width)}  {value:<34} {extra}" for name, value, extra in rows]
    lines.append("Targets (issue 7):")
    for key, target in summary["targets"].items():
        mark = {True: "met", False: "MISSED", None: "n/a"}[target["met"]]
        lines.append(f"  {key:<34} {target['target']:<8} got {_fmt(target['value'], 3):<10} {mark}")
    if t.get("chat", {}).get("errors"):
        lines.append(f"  ! chat path errors in the window: {t['chat']['errors']} {t['chat'].get('errorKinds')}")
    return "\n".join(lines)


def markdown(summary: dict[str, Any], results: dict[str, Any], meta: dict[str, Any]) -> str:
    v = meta["versions"]
    uv = meta["servers"]["chat"]["uvicorn"]
    ext = {k: _get(results, "throughput", k, "extensions") for k in ("chat", "python_echo", "node_echo")}
    lines = [
        "# Agents benchmark: latest run",
        "",
        "Generated by `make bench` (bench/run.py); do not edit by hand.",
        "",
        "```",
        render(summary, results, meta),
        "```",
        "",
        "## Setup",
        "",
        f"- {meta['cores']} cores; server under test pinned to core {meta['pinning']['server']}, "
        f"everything else (harness, mongod, model server, load generator) to core {meta['pinning']['everything_else']}.",
        f"- Versions: Python {v['python']}, uvicorn {v['uvicorn']}, python-socketio {v['python-socketio']} "
        f"(engineio {v['python-engineio']}), websockets {v['websockets']}, uvloop {v['uvloop']}, httptools {v['httptools']}, "
        f"pymongo {v['pymongo']}, openai {v['openai']}, mongod {v.get('mongod')}, Node {v['node']}, socket.io {v['socket.io']}, "
        f"socket.io-client {v['socket.io-client']}, ws {v['ws']}; kernel {v['kernel']}.",
        f"- Python servers (chat and echo): `uvicorn ... {uv['flags']}`, one worker, loop={uv['loop']}, http={uv['http']}, "
        f"ws={uv['ws']}, per-message deflate={uv['ws_per_message_deflate']} (as agents_backend/Dockerfile starts it), access log on.",
        "- Node echo: socket.io defaults (perMessageDeflate off).",
        f"- Negotiated websocket extensions seen by the client: chat `{ext['chat'] or 'none'}`, "
        f"python echo `{ext['python_echo'] or 'none'}`, node echo `{ext['node_echo'] or 'none'}`.",
        f"- Knobs: `{json.dumps(meta['knobs'])}`",
        "",
        "## Method",
        "",
        "- Exchange = `agent:send` until the agent's final `agent:message` (matched by `replyTo`).",
        "- CPU per exchange = utime+stime of the server pid (/proc/PID/stat) across the measured window / exchanges.",
        "- Added latency = client round trip minus the model server's own time (request in -> last chunk out), "
        "both durations measured with CLOCK_MONOTONIC; no cross-process clock comparison is needed.",
        "- TTFT overhead = client's first `agent:stream` minus the model server's first chunk written. Node's "
        "`process.hrtime` and Python's `time.monotonic_ns` both read CLOCK_MONOTONIC, which is system-wide on Linux; "
        f"the load generator checks that by pinging the model server (estimated offset {_fmt(_get(results, 'ttft', 'clock', 'offset_ns'), 0)} ns, "
        f"which must lie within half the ping round trip, {_fmt(_get(results, 'ttft', 'clock', 'rtt_ns'), 0)} ns, of zero); stamps are compared as they are.",
        "- Open loop: sends are scheduled at the fixed rate whatever the server's pace (an idle client is used when there is one); "
        "a second run at half the closed-loop capacity shows what the server adds when it is not queueing.",
        "- Idle: RSS (VmRSS) after the sockets were held, minus RSS before connecting (after a warm-up of 200 sockets), "
        "divided by connected sockets.",
        "- Stream pacing: `agent:stream` frames the client received per reply while the model sends a token every "
        f"{meta['knobs']['pacing_token_ms']} ms ({meta['knobs']['pacing_tokens']} tokens), with `STREAM_INTERVAL_MS={meta['knobs']['stream_interval_ms']}`; "
        "a reported figure (one frame per token would be the unpaced count), not a target.",
        "- History: `GET /agents/{key}/conversations/{contact}/messages?limit=50` of random conversations, "
        f"concurrency {meta['knobs']['history_concurrency']}, keep-alive; documents inserted with pymongo in the shape of store/messages.py.",
        "",
        "## explain() of the history query",
        "",
    ]
    for name, plan in (_get(results, "history", "explain") or {}).items():
        lines.append(
            f"- {name}: stages {' <- '.join(plan['stages'])}, indexes {plan['indexes']}, returned {plan['n_returned']}, "
            f"keys examined {plan['keys_examined']}, docs examined {plan['docs_examined']}, in-memory sort: {plan['in_memory_sort']}, "
            f"uses conversation_time without COLLSCAN: **{plan['uses_conversation_time']}**"
        )
    lines += ["", "## Details", "", "```json", json.dumps(results, indent=1, default=str)[:60_000], "```", ""]
    return "\n".join(lines)


def plot(samples: dict[str, list[float]], results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5))
    labels = {
        **{key: f"added latency, open loop {key.rsplit('_', 1)[1]}/s" for key in samples if key.startswith("added_latency_open_")},
        "ttft_overhead": "TTFT overhead (token every 20 ms)",
        "history": "history GET",
    }
    for key, label in labels.items():
        values = sorted(v for v in samples.get(key, []) if v > 0)
        if values:
            ax.plot(values, [(i + 1) / len(values) for i in range(len(values))], label=f"{label} (n={len(values)})")
    for key in ("chat", "python_echo", "node_echo"):
        rtt = _get(results, "throughput", key, "rtt_samples")
        if rtt:
            ax.plot(sorted(rtt), [(i + 1) / len(rtt) for i in range(len(rtt))], label=f"closed-loop RTT, {key}")
    ax.set_xscale("log")
    ax.set_xlabel("milliseconds (log)")
    ax.set_ylabel("fraction of requests")
    ax.set_title("Agents bench: latency CDFs")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_outputs(out_dir: Path, meta: dict[str, Any], results: dict[str, Any], samples: dict[str, list[float]]) -> dict[str, Any]:
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = headline(meta, results)
    plot(samples, results, out_dir / "latency_cdf.png")
    for key in ("chat", "python_echo", "node_echo"):
        entry = _get(results, "throughput", key)
        if entry:
            entry.pop("rtt_samples", None)
    document = {**summary, "meta": meta, "results": results}
    (out_dir / "latest.json").write_text(json.dumps(document, indent=1, default=str) + "\n")
    (out_dir / "latest.md").write_text(markdown(summary, results, meta))
    return summary

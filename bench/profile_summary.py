"""Summarises a py-spy `--format raw` profile (BENCH_PROFILE=1) of the server.

    .venv/bin/python bench/profile_summary.py bench/results/profile-throughput.txt

Prints where the samples' leaf frames are, by library (self time), and the app and
library functions with the most samples under them (inclusive time).
"""

from __future__ import annotations

import collections
import sys

# First match from the leaf upwards decides a sample's bucket.
BUCKETS = [
    ("openai SDK", ("openai/",)),
    ("HTTP client (httpx/httpcore/anyio)", ("httpx", "httpcore", "anyio/", "h11/")),
    ("pymongo / bson", ("pymongo/", "bson/")),
    ("socket.io / engine.io", ("socketio/", "engineio/")),
    ("uvicorn / websockets", ("uvicorn/", "websockets/")),
    ("pydantic", ("pydantic",)),
    ("logging", ("logging/", "pythonjsonlogger")),
    ("NLU", ("agents_backend/nlu/", "phonenumbers/")),
    ("app code", ("agents_backend/",)),
    ("asyncio / event loop", ("asyncio/", "uvloop", "runners.py")),
]

WATCH = [
    "OpenAIChat.stream", "AgentCore._reply", "AgentCore.send", "AgentCore._agent", "AgentNamespace.to_user",
    "AgentNamespace.trigger_event", "AsyncServer.emit", "load_context", "insert_user_message", "claim_reply",
    "insert_agent_message", "finish_reply", "record_usage", "get_agent_for_user", "get_auto_create",
    "NLUEngine.analyze_rules", "suggest", "AsyncCompletions.create", "AsyncStream.__aiter__", "construct_type",
    "async_maybe_transform", "_async_transform_recursive", "model_dump", "model_validate",
]


def bucket(frames: list[str]) -> str:
    for frame in reversed(frames):
        for name, needles in BUCKETS:
            if any(needle in frame for needle in needles):
                return name
    return "other"


def main(path: str) -> None:
    total = 0
    buckets: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.rstrip("\n")
        if not line.strip():
            continue
        stack, _, count = line.rpartition(" ")
        n = int(count)
        frames = stack.split(";")
        total += n
        buckets[bucket(frames)] += n
        names = {frame.split(" (")[0].strip() for frame in frames}
        for watched in WATCH:
            if watched in names:
                inclusive[watched] += n
    print(f"{total} samples")
    print("self time by library:")
    for name, n in buckets.most_common():
        print(f"  {100 * n / total:5.1f}%  {name}")
    print("inclusive time of selected functions:")
    for name, n in inclusive.most_common():
        print(f"  {100 * n / total:5.1f}%  {name}")


if __name__ == "__main__":
    main(sys.argv[1])

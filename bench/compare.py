"""Before/after in one run: the chat path's server CPU per exchange of two checkouts.

    python bench/compare.py /path/to/before-checkout [rounds]

Runs bench/run.py's throughput scenario alternately against the server of `before` and of
this checkout (`rounds` times each, so drift on a shared machine hits both alike), in
memory and with Redis (`BENCH_REDIS=1`), and prints each median and the after/before
ratio. Durations follow the usual knobs (BENCH_DURATION_S, BENCH_WARMUP_S);
COMPARE_MODES=redis runs one of the two.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent


def one_run(server_root: Path, redis: bool) -> float:
    with tempfile.TemporaryDirectory(prefix="agents-compare-") as results:
        env = os.environ | {
            "BENCH_SCENARIOS": "throughput",
            "BENCH_ECHOES": "0",
            "BENCH_SERVER_ROOT": str(server_root),
            "BENCH_REDIS": "1" if redis else "0",
            "BENCH_RESULTS_DIR": results,
        }
        subprocess.run([sys.executable, str(BENCH / "run.py")], env=env, check=True, capture_output=True)
        data = json.loads((Path(results) / "latest.json").read_text())
    chat = data["results"]["throughput"]["chat"]
    return float(chat["server_cpu_us_per_exchange"])


def main() -> int:
    before = Path(sys.argv[1]).resolve()
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    modes = os.environ.get("COMPARE_MODES", "memory,redis").split(",")
    for redis in [mode == "redis" for mode in modes]:
        runs: dict[str, list[float]] = {"before": [], "after": []}
        for _ in range(rounds):
            for name, root in (("before", before), ("after", ROOT)):
                runs[name].append(one_run(root, redis))
        medians = {name: statistics.median(values) for name, values in runs.items()}
        label = "redis" if redis else "memory"
        print(
            f"{label}: server CPU per exchange before {medians['before']:.0f} us, "
            f"after {medians['after']:.0f} us, ratio {medians['after'] / medians['before']:.3f} "
            f"(runs: {json.dumps(runs)})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

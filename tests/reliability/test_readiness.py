"""`/ready` says a process cannot take work while its event loop is blocked (and for a
while after), so a load balancer sends its traffic elsewhere; the database side is in
test_mongod_outage.py, Redis in test_scale_out.py."""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from pathlib import Path

import httpx

from agents_backend.core.embedded_mongo import EmbeddedMongo
from agents_backend.core.loop_watch import LoopWatch
from tests.conftest import server_env
from tests.support.servers import running_server


async def test_a_blocking_call_on_the_loop_makes_the_process_not_ready_for_a_while() -> None:
    watch = LoopWatch(max_lag=0.3, interval=0.05, window=1.0)
    ticking = asyncio.ensure_future(watch.run_forever())
    try:
        await asyncio.sleep(0.3)
        assert await watch.keeps_up()
        time.sleep(0.6)  # noqa: ASYNC251 - the point: a blocking call on the loop
        assert not await watch.keeps_up()  # the ticker is overdue right now
        await asyncio.sleep(0.2)
        assert not await watch.keeps_up()  # and remembers how late it woke
        assert watch.worst_recent_lag() >= 0.5
        await asyncio.sleep(1.2)  # the window passes without another stall
        assert await watch.keeps_up()
    finally:
        ticking.cancel()


async def test_a_stalled_process_reports_not_ready_then_recovers(
    mongo: EmbeddedMongo, tmp_path: Path
) -> None:
    env = server_env(mongo, f"test_ready_{uuid.uuid4().hex[:8]}") | {
        "READY_MAX_LOOP_LAG_SECONDS": "0.5"
    }
    with running_server(env, tmp_path / "server.log") as server:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as http:
            ready = await http.get("/ready")
            assert ready.status_code == 200
            assert ready.json()["checks"] == {"database": True, "event_loop": True}

            server.process.send_signal(signal.SIGSTOP)  # its loop runs nothing, as if blocked
            await asyncio.sleep(1.5)
            server.process.send_signal(signal.SIGCONT)
            stalled = await http.get("/ready")
            assert stalled.status_code == 503
            assert stalled.json()["checks"] == {"database": True, "event_loop": False}
            assert (await http.get("/health")).status_code == 200  # alive, just not ready

            for _ in range(100):  # ready again once the window has passed (10 s)
                await asyncio.sleep(0.2)
                if (await http.get("/ready")).status_code == 200:
                    break
            else:
                raise AssertionError("the process never became ready again")
            metrics = (await http.get("/metrics")).text
            slow = [
                line
                for line in metrics.splitlines()
                if line.startswith('agents_event_loop_lag_seconds_bucket{le="1.0"}')
            ]
            total = next(
                line
                for line in metrics.splitlines()
                if line.startswith("agents_event_loop_lag_seconds_count")
            )
            # The stall is counted: one tick woke more than a second late.
            assert float(slow[0].split()[-1]) < float(total.split()[-1])

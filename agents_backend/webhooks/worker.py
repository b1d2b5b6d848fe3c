"""The delivery worker: every server process runs one, and they share one queue.

Each pass takes the deliveries that are due (`store.due`), skips any that an older
pending delivery of the same endpoint and conversation holds back (in order per
conversation), claims the rest one by one with a lease (`store.claim`: atomic, so two
processes never send the same attempt, and a dead process's claim lapses by itself)
and sends each in its own task, so a slow endpoint holds up nothing but its own
conversation. A pass runs every `POLL_SECONDS`, and at once when this process
published something or finished a send.

An attempt is a signed POST (see `signing`) with a timeout: 2xx is delivered; anything
else (another status, a redirect, a timeout, a refused connection or address) is
retried after `RetryPolicy.delay`, until the retry window closes, when it is `failed`
(and no longer holds its conversation's later deliveries back).
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp
from bson import ObjectId

from agents_backend.core.crypto import Cipher, SecretUnreadableError
from agents_backend.core.database import Database, Document, stored_now
from agents_backend.webhooks import store
from agents_backend.webhooks.signing import EVENT_HEADER, ID_HEADER, SIGNATURE_HEADER, sign
from agents_backend.webhooks.targets import PublicResolver, TargetRefusedError, check_target

logger = logging.getLogger(__name__)

POLL_SECONDS = 1.0
BATCH = 100
CONCURRENCY = 32
# A claim outlives the longest attempt (the timeout) with room for the bookkeeping.
LEASE_MARGIN_SECONDS = 30.0
USER_AGENT = "Agents-Webhooks/1.0"
ERROR_BODY_BYTES = 200


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, capped, within a window from the first attempt.

    The n-th retry waits `base * 2**(n-1)` seconds (at most `max_delay`), up to a fifth
    less at random: the jitter keeps endpoints that failed together from being retried
    together. The last attempt is made when the window closes. With the defaults (10 s,
    24 h) that is 10 s, 20 s, 40 s ... then hourly: 33 to 39 attempts in all.
    """

    base_seconds: float
    window: timedelta
    max_delay_seconds: float = 3600.0
    jitter: Callable[[], float] = random.random

    def delay(self, attempts: int) -> float:
        full = min(self.max_delay_seconds, self.base_seconds * 2.0 ** max(0, attempts - 1))
        return full * (1 - self.jitter() / 5)

    def next_attempt(
        self, *, attempts: int, first_attempt_at: datetime, now: datetime
    ) -> datetime | None:
        """When to try again after `attempts` failed ones; None: give up (`failed`)."""
        closes = first_attempt_at + self.window
        if now >= closes:
            return None
        return min(now + timedelta(seconds=self.delay(attempts)), closes)


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None  # None: delivered


class DeliveryWorker:
    def __init__(
        self,
        *,
        db: Database,
        cipher: Cipher,
        retry: RetryPolicy,
        timeout_seconds: float,
        allow_private_urls: bool,
        poll_seconds: float = POLL_SECONDS,
        clock: Callable[[], datetime] = stored_now,
    ) -> None:
        self._db = db
        self._cipher = cipher
        self._retry = retry
        self._timeout = timeout_seconds
        self._allow_private = allow_private_urls
        self._poll = poll_seconds
        self._clock = clock
        self._lease = timedelta(seconds=timeout_seconds + LEASE_MARGIN_SECONDS)
        self._wakeup = asyncio.Event()
        self._sending: dict[asyncio.Task[None], str] = {}  # each send and its claim
        self._http: aiohttp.ClientSession | None = None
        self._loop_task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Something is due now (a new event, a settled delivery): look without waiting."""
        self._wakeup.set()

    def start(self) -> None:
        """Opens the HTTP client and starts polling, inside the running event loop (the
        app's lifespan): both are bound to it."""
        self.open()
        self._loop_task = asyncio.ensure_future(self.run_forever())

    def open(self) -> None:
        """The HTTP client alone (a test drives `run_once` itself)."""
        # No cookie jar: one endpoint's cookies must never travel to another's.
        self._http = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self._timeout),
            connector=aiohttp.TCPConnector(
                resolver=None if self._allow_private else PublicResolver(), limit=CONCURRENCY
            ),
            cookie_jar=aiohttp.DummyCookieJar(),
            headers={"User-Agent": USER_AGENT},
        )

    async def stop(self, grace_seconds: float = 5.0) -> None:
        """Sends under way get `grace_seconds` to finish; the rest are handed back at
        once (due again for whichever process looks next), not left to their leases."""
        if self._loop_task is not None:
            self._loop_task.cancel()
            await asyncio.gather(self._loop_task, return_exceptions=True)
            self._loop_task = None
        if self._sending:
            _done, unfinished = await asyncio.wait(list(self._sending), timeout=grace_seconds)
            tokens = [self._sending[task] for task in unfinished]
            for task in unfinished:
                task.cancel()
            await asyncio.gather(*unfinished, return_exceptions=True)
            try:
                await store.release(db=self._db, tokens=tokens)
            except Exception:  # shutting down: the leases lapse by themselves
                logger.exception("webhook claims not released; they lapse with their leases")
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def settle(self) -> None:
        """Waits until the sends under way are over (and their outcomes stored)."""
        while self._sending:
            await asyncio.gather(*self._sending, return_exceptions=True)

    async def run_forever(self) -> None:
        while True:
            self._wakeup.clear()
            try:
                claimed = await self.run_once()
            except Exception:  # a pass that failed (database away) must not end the worker
                logger.exception("webhook delivery pass failed")
                claimed = 0
            if claimed and len(self._sending) < CONCURRENCY:
                continue  # there may be more due right now
            try:
                async with asyncio.timeout(self._poll):
                    await self._wakeup.wait()
            except TimeoutError:
                pass

    async def run_once(self) -> int:
        """One pass: claims what is due and may go, starts sending it; how many."""
        now = self._clock()
        claimed = 0
        for candidate in await store.due(db=self._db, now=now, limit=BATCH):
            if len(self._sending) >= CONCURRENCY:
                break
            if await self._held_back(candidate, now):
                continue
            token = uuid.uuid4().hex
            delivery = await store.claim(
                db=self._db,
                delivery_id=candidate["_id"],
                token=token,
                now=now,
                lease_until=now + self._lease,
            )
            if delivery is None:  # another process took it
                continue
            task = asyncio.ensure_future(self._attempt(delivery, token))
            self._sending[task] = token
            task.add_done_callback(self._sent)
            claimed += 1
        return claimed

    def _sent(self, task: asyncio.Task[None]) -> None:
        self._sending.pop(task, None)
        if not task.cancelled() and task.exception() is not None:
            logger.error("webhook attempt crashed", exc_info=task.exception())
        self.wake()

    async def _held_back(self, delivery: Document, now: datetime) -> bool:
        """Whether an older delivery of its conversation is still pending; if that one
        waits for a retry, this one is put off until then."""
        before = await store.predecessor(db=self._db, delivery=delivery)
        if before is None:
            return False
        if before["next_attempt_at"] > now:
            await store.defer(
                db=self._db, delivery_id=delivery["_id"], until=before["next_attempt_at"]
            )
        return True

    async def _attempt(self, delivery: Document, token: str) -> None:
        endpoint = await store.get_endpoint(db=self._db, endpoint_id=delivery["endpoint_id"])
        if endpoint is None:  # deleted while this was being claimed
            outcome = Outcome(None, "the endpoint was deleted")
        else:
            outcome = await self._send(endpoint, delivery)
        now = self._clock()
        delivery_id: ObjectId = delivery["_id"]
        if outcome.error is None:
            assert outcome.status_code is not None
            await store.record_delivered(
                db=self._db,
                delivery_id=delivery_id,
                token=token,
                status_code=outcome.status_code,
                now=now,
            )
            settled = True
        else:
            next_at = (
                self._retry.next_attempt(
                    attempts=delivery["attempts"],
                    first_attempt_at=delivery["first_attempt_at"],
                    now=now,
                )
                if endpoint is not None
                else None
            )
            await store.record_failure(
                db=self._db,
                delivery_id=delivery_id,
                token=token,
                status_code=outcome.status_code,
                error=outcome.error,
                next_attempt_at=next_at,
                now=now,
            )
            settled = next_at is None
            logger.info(
                "webhook %s attempt %d to %s failed: %s",
                delivery["event_id"],
                delivery["attempts"],
                delivery["endpoint_id"],
                outcome.error,
            )
        if settled:
            await store.wake_followers(
                db=self._db,
                endpoint_id=delivery["endpoint_id"],
                order_key=delivery["order_key"],
                now=now,
            )

    async def _send(self, endpoint: Document, delivery: Document) -> Outcome:
        url: str = endpoint["url"]
        try:
            await check_target(url, allow_private=self._allow_private)
            secret = self._cipher.decrypt(endpoint["secret_encrypted"])
        except TargetRefusedError as exc:
            return Outcome(None, f"address refused: {exc}")
        except SecretUnreadableError:
            return Outcome(None, "the endpoint's secret cannot be decrypted (ENCRYPTION_KEY)")
        body = delivery["body"].encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(secret, body),
            ID_HEADER: delivery["event_id"],
            EVENT_HEADER: delivery["event_type"],
        }
        assert self._http is not None, "start() first"
        try:
            async with self._http.post(
                url, data=body, headers=headers, allow_redirects=False
            ) as response:
                if 200 <= response.status < 300:
                    return Outcome(response.status, None)
                text = (await response.content.read(ERROR_BODY_BYTES)).decode(errors="replace")
                return Outcome(response.status, f"HTTP {response.status} {text}".strip())
        except TimeoutError:
            return Outcome(None, f"no answer within {self._timeout:g} s")
        except aiohttp.ClientError as exc:
            return Outcome(None, str(exc) or type(exc).__name__)

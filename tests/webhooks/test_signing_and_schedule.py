"""The pieces a receiver and an operator rely on: the signature, the retry schedule, and
which addresses count as public."""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC, datetime, timedelta

import pytest

from agents_backend.webhooks.signing import generate_secret, sign, verify
from agents_backend.webhooks.targets import (
    PublicResolver,
    TargetRefusedError,
    check_target,
    is_public,
)
from agents_backend.webhooks.worker import RetryPolicy

BODY = b'{"id":"evt_1","type":"task.created"}'


def test_the_header_is_t_and_v1_as_documented() -> None:
    secret = generate_secret()
    header = sign(secret, BODY, timestamp=1_714_564_800)
    expected = hmac.new(secret.encode(), b"1714564800." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1714564800,v1={expected}"
    assert secret.startswith("whsec_") and len(secret) == len("whsec_") + 43


def test_verify_accepts_the_signature_and_refuses_changes_and_old_ones() -> None:
    secret = generate_secret()
    now = time.time()
    header = sign(secret, BODY)
    assert verify(secret, BODY, header)
    assert not verify(secret, BODY + b" ", header)
    assert not verify(generate_secret(), BODY, header)
    assert not verify(secret, BODY, header, now=now + 301)  # a replay, five minutes on
    assert verify(secret, BODY, f"{header},v1={'0' * 64}")  # one matching v1 is enough
    for broken in ("", "t=abc,v1=00", f"v1={header.split('v1=')[1]}", header.split(",")[0]):
        assert not verify(secret, BODY, broken)


def test_retries_back_off_exponentially_with_jitter_within_the_window() -> None:
    policy = RetryPolicy(base_seconds=10, window=timedelta(hours=24), jitter=lambda: 0.0)
    assert [policy.delay(n) for n in (1, 2, 3, 4)] == [10, 20, 40, 80]
    assert policy.delay(30) == 3600  # at most an hour apart
    jittered = RetryPolicy(base_seconds=10, window=timedelta(hours=24), jitter=lambda: 1.0)
    assert [jittered.delay(n) for n in (1, 2, 3, 4)] == [8, 16, 32, 64]  # a fifth sooner

    first = datetime(2025, 5, 1, 12, tzinfo=UTC)
    at = policy.next_attempt(attempts=1, first_attempt_at=first, now=first)
    assert at == first + timedelta(seconds=10)
    closing = first + timedelta(hours=23, minutes=50)
    last = policy.next_attempt(attempts=40, first_attempt_at=first, now=closing)
    assert last == first + timedelta(hours=24)  # one last try when the window closes
    assert policy.next_attempt(attempts=41, first_attempt_at=first, now=last) is None


@pytest.mark.parametrize(("jitter", "expected"), [(0.0, 33), (1.0, 39)])
def test_attempts_in_a_day_with_the_default_schedule(jitter: float, expected: int) -> None:
    """What README "Webhooks" says: 33 to 39 attempts over 24 hours."""
    policy = RetryPolicy(base_seconds=10, window=timedelta(hours=24), jitter=lambda: jitter)
    first = now = datetime(2025, 5, 1, tzinfo=UTC)
    attempts = 1
    while at := policy.next_attempt(attempts=attempts, first_attempt_at=first, now=now):
        now, attempts = at, attempts + 1
    assert attempts == expected


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True),
        ("127.0.0.1", False),
        ("10.0.0.8", False),
        ("172.31.255.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fd00::1", False),
        ("::ffff:10.0.0.1", False),
        ("not-an-address", False),
    ],
)
def test_which_addresses_are_public(address: str, public: bool) -> None:
    assert is_public(address) is public


async def test_check_target_wants_https_and_a_public_address() -> None:
    await check_target("https://93.184.215.14/hook", allow_private=False)
    for url in ("http://93.184.215.14/hook", "https://localhost/hook", "https:///hook"):
        with pytest.raises(TargetRefusedError):
            await check_target(url, allow_private=False)
    await check_target("http://127.0.0.1:9/hook", allow_private=True)
    with pytest.raises(TargetRefusedError):
        await check_target("ftp://127.0.0.1/hook", allow_private=True)


async def test_the_http_clients_resolver_refuses_names_of_private_addresses() -> None:
    resolver = PublicResolver()
    try:
        with pytest.raises(OSError, match="non-public"):
            await resolver.resolve("localhost", 443)
    finally:
        await resolver.close()

"""Webhook signatures: how a receiver knows a delivery came from this server, unaltered.

Every delivery is an HTTP POST with a JSON body and these headers:

    Agents-Signature: t=1714564800,v1=5257a869e7ec…(64 hex digits)
    Agents-Webhook-Id: evt_…    (the event's id: the same on every retry; de-duplicate on it)
    Agents-Webhook-Event: meeting.booked

`t` is the Unix time (seconds) of this attempt; `v1` is the lowercase hex
HMAC-SHA256, keyed with the endpoint's secret (the whole `whsec_…` string, UTF-8), of
the string `f"{t}.{raw_body}"`: the timestamp, a dot, and the request body exactly as
received (bytes, before any JSON parsing). To verify:

1. split the header on `,`, each part on the first `=`; take `t` and every `v1`;
2. compute the HMAC above and compare it with each `v1` in constant time;
3. refuse the request when none matches, or when `t` is more than five minutes away from
   now (a replayed old request).

The check in five lines of Python (`body` is the raw request body, `header` the
`Agents-Signature` value, `secret` the endpoint's secret); answer 2xx only when it holds:

    def verified(secret: str, body: bytes, header: str) -> bool:
        parts = dict(part.split("=", 1) for part in header.split(","))
        signed = parts["t"].encode() + b"." + body
        mac = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        return hmac.compare_digest(mac, parts["v1"]) and abs(time.time() - int(parts["t"])) < 300

Each attempt is signed anew (a new `t`), so a retry's signature differs while its body
and `Agents-Webhook-Id` do not.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

SIGNATURE_HEADER = "Agents-Signature"
ID_HEADER = "Agents-Webhook-Id"
EVENT_HEADER = "Agents-Webhook-Event"
SCHEME = "v1"
DEFAULT_TOLERANCE_SECONDS = 300
SECRET_PREFIX = "whsec_"


def generate_secret() -> str:
    """A new endpoint secret: `whsec_` and 32 random bytes, URL-safe base64."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `v1` value: hex HMAC-SHA256(secret, f"{timestamp}.{body}")."""
    signed = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    """The `Agents-Signature` header value for one attempt."""
    at = int(time.time()) if timestamp is None else timestamp
    return f"t={at},{SCHEME}={signature(secret, at, body)}"


def verify(
    secret: str,
    body: bytes,
    header: str,
    *,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """Whether `header` signs `body` with `secret` within `tolerance` seconds of now.

    Several `v1` values may be present (a receiver's old and new secret while it
    rotates): one match is enough.
    """
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                return False
        elif key == SCHEME:
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)

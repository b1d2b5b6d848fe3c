"""Encryption at rest for secrets users hand us (a custom bot's OpenAI key).

Fernet (AES-128-CBC + HMAC-SHA256) from `cryptography`: authenticated, so a tampered or
foreign ciphertext fails loudly instead of decrypting to garbage. `ENCRYPTION_KEY` may
hold several comma-separated keys (MultiFernet): the first encrypts, all decrypt, which
is how a key is rotated without losing what was stored under the old one.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from agents_backend.core.config import Settings

_DEV_KEY_INFO = b"agents-backend/bot-api-keys/v1"


class SecretUnreadableError(Exception):
    """A stored ciphertext that none of the configured keys opens (key lost or rotated)."""


def derive_development_key(jwt_secret: str) -> bytes:
    """A stable Fernet key from JWT_SECRET, so `make run` works with no extra setup.

    Only for DEBUG=true: production must not tie bot keys to the token-signing secret
    (rotating one would silently destroy the other), so Settings refuses that start.
    """
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_DEV_KEY_INFO).derive(
        jwt_secret.encode()
    )
    return base64.urlsafe_b64encode(raw)


class Cipher:
    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is required")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    @classmethod
    def from_settings(cls, settings: Settings) -> Cipher:
        if settings.encryption_key is not None:
            parts = settings.encryption_key.get_secret_value().split(",")
            return cls([part.strip().encode() for part in parts if part.strip()])
        if not settings.debug:  # Settings already refuses this; never fall through silently
            raise RuntimeError("ENCRYPTION_KEY is required when DEBUG=false")
        return cls([derive_development_key(settings.jwt_secret.get_secret_value())])

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode()
        except (InvalidToken, UnicodeError) as exc:
            raise SecretUnreadableError("stored secret cannot be decrypted") from exc

"""How bot keys are protected at rest, and the start-up rules around ENCRYPTION_KEY."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError

from agents_backend.core.config import Settings
from agents_backend.core.crypto import Cipher, SecretUnreadableError

PRODUCTION = {"debug": False, "jwt_secret": "p" * 40}


def test_production_refuses_to_start_without_an_encryption_key() -> None:
    with pytest.raises(ValidationError, match="ENCRYPTION_KEY is not set"):
        Settings(_env_file=None, **PRODUCTION)


def test_a_malformed_encryption_key_is_refused_at_start() -> None:
    with pytest.raises(ValidationError, match="ENCRYPTION_KEY must be Fernet keys"):
        Settings(_env_file=None, encryption_key="too-short", **PRODUCTION)


def test_development_derives_a_stable_key_from_the_jwt_secret() -> None:
    settings = Settings(_env_file=None, debug=True, jwt_secret="dev-secret-one")
    token = Cipher.from_settings(settings).encrypt("sk-dev")

    assert "sk-dev" not in token
    assert Cipher.from_settings(settings).decrypt(token) == "sk-dev"
    other = Settings(_env_file=None, debug=True, jwt_secret="dev-secret-two")
    with pytest.raises(SecretUnreadableError):
        Cipher.from_settings(other).decrypt(token)


def test_a_rotated_key_still_reads_what_the_old_one_wrote() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    written = Cipher.from_settings(
        Settings(_env_file=None, encryption_key=old, **PRODUCTION)
    ).encrypt("sk-old")

    rotated = Cipher.from_settings(
        Settings(_env_file=None, encryption_key=f"{new},{old}", **PRODUCTION)
    )

    assert rotated.decrypt(written) == "sk-old"
    assert Fernet(new.encode()).decrypt(rotated.encrypt("sk-new").encode()) == b"sk-new"

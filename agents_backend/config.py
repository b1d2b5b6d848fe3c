"""Settings, read only from the environment or `.env`.

One `Settings` object, served by `get_settings()`, so routes and tests read the same
values and a test can build its own `Settings` without touching process globals.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEVELOPMENT_JWT_SECRET = "development-only-secret-change-me-before-production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 3000
    debug: bool = True
    mongodb_uri: str | None = None
    mongodb_database: str = "agents"
    data_dir: Path = Path("./data")
    spa_dir: Path = Path("./agents_frontend/dist")

    jwt_secret: SecretStr = SecretStr(DEVELOPMENT_JWT_SECRET)
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    jwt_expire_minutes: int = Field(default=30, ge=1)
    refresh_expire_days: int = Field(default=14, ge=1)

    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    openai_timeout_seconds: float = Field(default=30.0, gt=0)
    openai_max_retries: int = Field(default=2, ge=0, le=5)

    google_credentials_file: Path | None = None
    google_token_file: Path | None = None
    google_calendar_id: str = "primary"
    calendar_timezone: str = "America/Sao_Paulo"

    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["http://localhost:3000", "http://localhost:5173"]
    )
    socketio_redis_url: str | None = None

    context_messages: int = Field(default=10, ge=0, le=100)
    max_message_chars: int = Field(default=4000, ge=1)
    max_http_buffer_bytes: int = Field(default=64 * 1024, ge=1024)
    nlu_refine_below: float = Field(default=0.6, ge=0.0, le=1.0)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def split_origins(cls, value: object) -> object:
        """Accept `CORS_ORIGINS=a,b` as well as a JSON list."""
        if isinstance(value, str):
            stripped = value.strip()
            if stripped.startswith("["):
                return json.loads(stripped)
            return [origin.strip() for origin in stripped.split(",") if origin.strip()]
        return value

    @field_validator("openai_api_key", mode="after")
    @classmethod
    def blank_key_is_none(cls, value: SecretStr | None) -> SecretStr | None:
        """An empty `OPENAI_API_KEY=` in a .env means "offline", not "a key of ''"."""
        if value is not None and not value.get_secret_value().strip():
            return None
        return value

    @model_validator(mode="after")
    def refuse_placeholder_secret_in_production(self) -> Settings:
        if not self.debug and self.jwt_secret.get_secret_value() == DEVELOPMENT_JWT_SECRET:
            raise ValueError(
                "JWT_SECRET is the development default; set a long random JWT_SECRET "
                "before starting with DEBUG=false"
            )
        if not self.debug and len(self.jwt_secret.get_secret_value()) < 32:
            raise ValueError("JWT_SECRET must be at least 32 characters when DEBUG=false")
        if not self.debug and "*" in self.cors_origins:
            raise ValueError("CORS_ORIGINS may not contain '*' when DEBUG=false")
        return self

    @property
    def llm_enabled(self) -> bool:
        return self.openai_api_key is not None


@lru_cache
def get_settings() -> Settings:
    return Settings()

"""Settings, read only from the environment or `.env`.

One `Settings` object, served by `get_settings()`, so routes and tests read the same
values and a test can build its own `Settings` without touching process globals.
"""

from __future__ import annotations

import json
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography.fernet import Fernet
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEVELOPMENT_JWT_SECRET = "development-only-secret-change-me-before-production"

# List prices in USD per million tokens (input, output); override with MODEL_PRICING.
DEFAULT_MODEL_PRICING: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "o4-mini": (1.10, 4.40),
}


class Settings(BaseSettings):
    # `VAR=` (as docker-compose passes an unset optional variable) means "use the default".
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_ignore_empty=True)

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
    # Models a custom bot may be set to; the server's own OPENAI_MODEL is always allowed.
    allowed_models: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT_MODEL_PRICING)
    )
    # USD per million tokens (input, output), for the estimates of GET /usage.
    model_pricing: dict[str, tuple[float, float]] = Field(
        default_factory=lambda: dict(DEFAULT_MODEL_PRICING)
    )
    # Fernet key(s) for bots' OpenAI keys at rest; comma-separated, the first encrypts and
    # every one decrypts, so a key can be rotated without losing stored bot keys.
    encryption_key: SecretStr | None = None

    google_credentials_file: Path | None = None
    google_token_file: Path | None = None
    google_calendar_id: str = "primary"
    calendar_timezone: str = "America/Sao_Paulo"
    # Default working hours, used by agents without their own (`AgentProfile.working_hours`).
    calendar_work_days: Annotated[list[int], NoDecode] = Field(
        default_factory=lambda: [1, 2, 3, 4, 5], description="ISO weekdays, 1 = Monday."
    )
    calendar_work_start: time = time(9, 0)
    calendar_work_end: time = time(18, 0)
    calendar_slot_step_minutes: int = Field(default=30, ge=15, le=240, multiple_of=15)
    calendar_min_notice_minutes: int = Field(default=60, ge=0)
    calendar_max_days_ahead: int = Field(default=60, ge=1, le=366)
    google_send_updates: Literal["all", "externalOnly", "none"] = "all"
    # Each owner's own Google Calendar (OAuth web flow); without a client id owners cannot
    # connect one and the server-wide credential above (or the local calendar) serves.
    google_oauth_client_id: str | None = None
    google_oauth_client_secret: SecretStr | None = None
    # Unset: PUBLIC_URL + /calendar/google/callback, else the address of the request.
    google_oauth_redirect_uri: str | None = None
    # Google's endpoints, overridable for a self-hosted gateway (and the tests' local one).
    google_oauth_auth_uri: str = "https://accounts.google.com/o/oauth2/auth"
    google_oauth_token_uri: str = "https://oauth2.googleapis.com/token"
    google_oauth_revoke_uri: str = "https://oauth2.googleapis.com/revoke"
    # The Calendar API's base URL (googleapiclient's `client_options.api_endpoint`).
    google_api_endpoint: str = "https://www.googleapis.com/calendar/v3/"

    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["http://localhost:3000", "http://localhost:5173"]
    )
    # Accounts with these e-mails are administrators (at sign-up, and at every start-up
    # for accounts that already exist): how the first admin comes to be. Admins then
    # grant and revoke the role in the SPA (PUT /admin/users/{id}/admin).
    admin_emails: Annotated[list[str], NoDecode] = Field(default_factory=list)
    socketio_redis_url: str | None = None
    # Where visitors reach this server (`https://agents.example.com`), for the share links
    # and widget snippets shown to owners; unset: the address each request came to.
    public_url: str | None = None
    # JSON lines for log collectors; unset means JSON in production, text in development.
    log_json: bool | None = None

    # Abuse limits ("N/second|minute|hour|day"), shared through Redis when configured.
    rate_limit_messages: str = "30/minute"
    rate_limit_logins_per_account: str = "10/minute"
    rate_limit_logins_per_ip: str = "60/minute"
    rate_limit_connections_per_ip: str = "120/minute"
    # Website visitors of published bots: messages per visitor, new visitors per IP, and
    # messages per bot (all its visitors together: one site cannot drain its owner).
    rate_limit_visitor_messages: str = "10/minute"
    rate_limit_new_visitors_per_ip: str = "20/hour"
    rate_limit_agent_messages: str = "120/minute"
    # How long a visitor's browser keeps its conversation without coming back.
    visitor_token_days: int = Field(default=90, ge=1, le=400)
    # How long a visitor who asked for a person waits before the agent offers a meeting.
    handoff_timeout_seconds: float = Field(default=300, gt=0, le=86400)

    # Tokens one user may spend per UTC day across all models; 0 means no budget.
    daily_token_budget: int = Field(default=0, ge=0)
    # Admission control: replies one process generates at once; the excess is refused
    # with `busy` (nothing stored) so overload degrades into quick refusals, not timeouts.
    max_concurrent_replies: int = Field(default=256, ge=1)
    # Stream deltas after the first are sent at most this often (0: each as it arrives).
    stream_interval_ms: int = Field(default=50, ge=0, le=1000)

    # Every reply attempt holds a lease on its message, renewed while it streams; a
    # message whose lease expired without a reply is taken over (by a resend, or by the
    # sweeper every process runs), at most `reply_max_attempts` times in all.
    reply_lease_seconds: float = Field(default=30.0, ge=0.5, le=600)
    reply_sweep_seconds: float = Field(default=5.0, ge=0.1, le=600)
    reply_sweep_batch: int = Field(default=20, ge=1, le=1000)
    reply_max_attempts: int = Field(default=3, ge=1, le=20)
    # On shutdown, replies under way get this long to finish; the rest are handed over.
    shutdown_grace_seconds: float = Field(default=10.0, ge=0, le=300)
    # /ready reports the process not ready for a while after its event loop fell this
    # far behind (a blocking call, a stalled process): see core/loop_watch.py.
    ready_max_loop_lag_seconds: float = Field(default=1.0, gt=0, le=60)

    # Signed webhooks (webhooks/): an owner's endpoints must be https on a public address
    # unless WEBHOOK_ALLOW_PRIVATE_URLS (a private network, the tests' local receiver),
    # which allows http and private addresses too. A failed delivery is retried after
    # WEBHOOK_RETRY_BASE_SECONDS, doubling (jittered, at most an hour apart), until
    # WEBHOOK_RETRY_WINDOW_HOURS after its first attempt.
    webhook_allow_private_urls: bool = False
    webhook_retry_base_seconds: float = Field(default=10.0, gt=0, le=3600)
    webhook_retry_window_hours: float = Field(default=24.0, gt=0, le=24 * 30)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    webhook_max_endpoints: int = Field(default=20, ge=1, le=1000)

    context_messages: int = Field(default=10, ge=0, le=100)
    # Tool calls (chat/tool_rounds.py): at most this many model requests per message (the
    # last one's calls are not run: the reply says the limit was hit), and each call gets
    # this long before it counts as failed (`timeout`).
    tool_max_rounds: int = Field(default=4, ge=1, le=20)
    tool_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    max_message_chars: int = Field(default=4000, ge=1)
    max_http_buffer_bytes: int = Field(default=64 * 1024, ge=1024)
    max_request_bytes: int = Field(default=1024 * 1024, ge=1024)
    nlu_refine_below: float = Field(default=0.6, ge=0.0, le=1.0)

    @field_validator(
        "cors_origins", "allowed_models", "calendar_work_days", "admin_emails", mode="before"
    )
    @classmethod
    def split_lists(cls, value: object) -> object:
        """Accept `VAR=a,b` as well as a JSON list for every list-valued setting."""
        if isinstance(value, str):
            stripped = value.strip()
            if stripped.startswith("["):
                return json.loads(stripped)
            return [item.strip() for item in stripped.split(",") if item.strip()]
        return value

    @field_validator("calendar_work_days", mode="after")
    @classmethod
    def valid_work_days(cls, value: list[int]) -> list[int]:
        if not value or any(day < 1 or day > 7 for day in value):
            raise ValueError("CALENDAR_WORK_DAYS must list ISO weekdays from 1 (Mon) to 7 (Sun)")
        return sorted(set(value))

    @field_validator("calendar_timezone", mode="after")
    @classmethod
    def known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"CALENDAR_TIMEZONE '{value}' is not an IANA time zone") from None
        return value

    @field_validator("encryption_key", mode="after")
    @classmethod
    def check_encryption_key(cls, value: SecretStr | None) -> SecretStr | None:
        """A malformed key must stop the start, not surface on the first bot save."""
        if value is None or not value.get_secret_value().strip():
            return None
        for part in value.get_secret_value().split(","):
            try:
                Fernet(part.strip().encode())
            except ValueError:
                raise ValueError(
                    "ENCRYPTION_KEY must be Fernet keys (32 url-safe base64 bytes), "
                    'comma-separated; make one with `python -c "from cryptography.fernet '
                    'import Fernet; print(Fernet.generate_key().decode())"`'
                ) from None
        return value

    @field_validator("openai_api_key", mode="after")
    @classmethod
    def blank_key_is_none(cls, value: SecretStr | None) -> SecretStr | None:
        """An empty `OPENAI_API_KEY=` in a .env means "offline", not "a key of ''"."""
        if value is not None and not value.get_secret_value().strip():
            return None
        return value

    @field_validator(
        "google_oauth_auth_uri",
        "google_oauth_token_uri",
        "google_oauth_revoke_uri",
        "google_api_endpoint",
        mode="after",
    )
    @classmethod
    def https_endpoint(cls, value: str) -> str:
        """Tokens travel to these: oauthlib refuses plain http anyway, so say it at start."""
        if not value.startswith("https://"):
            raise ValueError(
                "Google endpoints (GOOGLE_OAUTH_*_URI, GOOGLE_API_ENDPOINT) need https"
            )
        return value

    @model_validator(mode="after")
    def google_oauth_client_complete(self) -> Settings:
        """A client id without its secret would fail only at the first owner's consent."""
        if self.google_oauth_client_id and self.google_oauth_client_secret is None:
            raise ValueError("GOOGLE_OAUTH_CLIENT_ID is set but GOOGLE_OAUTH_CLIENT_SECRET is not")
        return self

    @model_validator(mode="after")
    def refuse_placeholder_secret_in_production(self) -> Settings:
        if not self.debug and self.jwt_secret.get_secret_value() == DEVELOPMENT_JWT_SECRET:
            raise ValueError(
                "JWT_SECRET is the development default; set a long random JWT_SECRET "
                "before starting with DEBUG=false"
            )
        if not self.debug and len(self.jwt_secret.get_secret_value()) < 32:
            raise ValueError("JWT_SECRET must be at least 32 characters when DEBUG=false")
        if self.calendar_work_start >= self.calendar_work_end:
            raise ValueError("CALENDAR_WORK_START must be before CALENDAR_WORK_END")
        if not self.debug and "*" in self.cors_origins:
            raise ValueError("CORS_ORIGINS may not contain '*' when DEBUG=false")
        if not self.debug and self.encryption_key is None:
            raise ValueError(
                "ENCRYPTION_KEY is not set; bots' OpenAI keys are encrypted with it, so set "
                "a Fernet key (see README) before starting with DEBUG=false"
            )
        return self

    @property
    def llm_enabled(self) -> bool:
        return self.openai_api_key is not None


@lru_cache
def get_settings() -> Settings:
    return Settings()

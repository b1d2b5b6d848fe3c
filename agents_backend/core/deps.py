"""The shared FastAPI dependencies, as `Annotated` aliases routes take as parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from agents_backend.core.config import Settings
from agents_backend.core.crypto import Cipher
from agents_backend.core.database import Database
from agents_backend.core.rate_limits import RateLimits
from agents_backend.core.registry import service

SettingsDep = Annotated[Settings, Depends(service(Settings))]
DbDep = Annotated[Database, Depends(service(Database))]
CipherDep = Annotated[Cipher, Depends(service(Cipher))]
RateLimitsDep = Annotated[RateLimits, Depends(service(RateLimits))]

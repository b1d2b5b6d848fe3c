"""Where the composition root leaves each service, so features never import it.

`runtime.py` builds the services in the app's lifespan (they are bound to the running
event loop) and `provide`s each one here under its own class. A router reaches one
through `Depends(service(Kind))`, a socket handler through the registry it was given:
neither imports the module that wired them, so dependencies keep pointing one way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from fastapi import Request

T = TypeVar("T")


class NotStartedError(RuntimeError):
    """A service was asked for before start-up finished (or after shutdown)."""


class Registry:
    def __init__(self) -> None:
        self._services: dict[type[Any], Any] = {}

    def provide(self, kind: type[T], instance: T) -> None:
        self._services[kind] = instance

    def get(self, kind: type[T]) -> T:
        try:
            return cast(T, self._services[kind])
        except KeyError:
            raise NotStartedError(f"{kind.__name__} is not available yet") from None

    def clear(self) -> None:
        self._services.clear()


def service(kind: type[T]) -> Callable[[Request], Awaitable[T]]:
    """A FastAPI dependency that hands a route the registered `kind`.

    `async def` on purpose: FastAPI runs a plain `def` dependency in its thread pool.
    """

    async def provided(request: Request) -> T:
        registry: Registry = request.app.state.registry
        return registry.get(kind)

    provided.__name__ = f"get_{kind.__name__}"
    return provided

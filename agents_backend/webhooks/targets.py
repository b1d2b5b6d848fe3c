"""Where a webhook may be sent: https to a public address, nothing inside our network.

An endpoint URL is chosen by an owner, so without a check it is a way to make this
server call its own neighbours (the database, a cloud metadata service, an admin port):
server-side request forgery. The URL is checked when it is registered and again before
every send (a name can be pointed elsewhere later), and the HTTP client resolves names
through `PublicResolver`, so the address it connects to is one that passed the check
(no DNS rebinding between the check and the connection). `WEBHOOK_ALLOW_PRIVATE_URLS`
turns all of it off, for a private network (and the tests' local receiver).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

MAX_URL_CHARS = 2048
RESOLVE_TIMEOUT_SECONDS = 5.0


class TargetRefusedError(Exception):
    """The URL is not one this server will send to; the message says why (for logs)."""


def is_public(address: str) -> bool:
    """A globally routable unicast address (no private, loopback, link-local, shared,
    reserved or multicast one; an IPv4-mapped IPv6 address is judged as its IPv4)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _host_and_port(url: str, *, allow_private: bool) -> tuple[str, int]:
    if len(url) > MAX_URL_CHARS:
        raise TargetRefusedError("URL too long")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefusedError(f"malformed URL: {exc}") from None
    allowed = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in allowed:
        raise TargetRefusedError(f"scheme {parts.scheme or '(none)'} not allowed")
    if not parts.hostname:
        raise TargetRefusedError("no host")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def _literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


async def _addresses(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(RESOLVE_TIMEOUT_SECONDS):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, TimeoutError) as exc:
        raise TargetRefusedError(f"{host} does not resolve: {exc}") from None
    return [str(info[4][0]) for info in infos]


async def check_target(url: str, *, allow_private: bool) -> None:
    """Raises `TargetRefusedError` unless `url` may be sent to now."""
    host, port = _host_and_port(url, allow_private=allow_private)
    if allow_private:
        return
    addresses = [host] if _literal(host) else await _addresses(host, port)
    refused = [address for address in addresses if not is_public(address)]
    if not addresses or refused:
        raise TargetRefusedError(f"{host} is not a public address ({', '.join(refused)})")


class PublicResolver(AbstractResolver):
    """aiohttp's resolver, refusing a name that resolves to any non-public address."""

    def __init__(self) -> None:
        self._inner = ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        if not found or any(not is_public(result["host"]) for result in found):
            raise OSError(f"{host} resolves to a non-public address")
        return found

    async def close(self) -> None:
        await self._inner.close()

"""Standard Webhooks signing and the SSRF guard for webhook destinations."""

from __future__ import annotations

import asyncio
import base64
import hmac
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from functools import lru_cache
from typing import Any

from aiohttp.abc import AbstractResolver, ResolveResult

SECRET_PREFIX = "whsec_"

# host, port -> IP address strings; injectable so tests do not depend on DNS
Resolve = Callable[[str, int], Awaitable[list[str]]]


@lru_cache(maxsize=1024)
def _secret_key(secret: str) -> bytes:
    """The HMAC key of a `whsec_` secret, decoded once per secret (a rotation brings a new
    string, hence a new entry; an undecodable secret raises and is not cached)."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(secret: str, msg_id: str, timestamp: int, body: str | bytes) -> str:
    """One `v1,<base64>` signature of `{id}.{timestamp}.{body}` (Standard Webhooks); pass
    the body as the very bytes that are sent (a str is UTF-8 encoded)."""
    raw = body.encode() if isinstance(body, str) else body
    signed = f"{msg_id}.{timestamp}.".encode() + raw
    digest = hmac.digest(_secret_key(secret), signed, "sha256")
    return "v1," + base64.b64encode(digest).decode()


def sign_headers(
    secrets: Iterable[str], msg_id: str, timestamp: int, body: str | bytes
) -> dict[str, str]:
    """Headers for one attempt; several secrets (rotation) give space-separated signatures."""
    raw = body.encode() if isinstance(body, str) else body
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join([signature(s, msg_id, timestamp, raw) for s in secrets]),
        "content-type": "application/json",
    }


class UnsafeDestination(OSError):
    """The webhook host resolves to an address we must not call (loopback, private, ...)."""


def check_address(address: str) -> None:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
    # is_global is False for loopback, RFC 1918, link-local (169.254/16, cloud metadata),
    # CGNAT, documentation and reserved ranges; multicast is global but never an endpoint
    if not ip.is_global or ip.is_multicast:
        raise UnsafeDestination(f"refused: {address} is not a public address")


def is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


async def system_resolve(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


class GuardedResolver(AbstractResolver):
    """aiohttp resolver that refuses non-public addresses.

    The check happens on the very addresses aiohttp then connects to, so a DNS answer that
    changes between a check and the connection (DNS rebinding) cannot slip through.
    """

    def __init__(self, resolve: Resolve = system_resolve) -> None:
        self._resolve = resolve

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        addresses = await self._resolve(host, port)
        if not addresses:
            raise OSError(f"{host} has no addresses")
        for address in addresses:  # any bad address refuses the host: no partial trust
            check_address(address)
        results: list[ResolveResult] = []
        for address in addresses:
            fam = socket.AF_INET6 if ":" in address else socket.AF_INET
            results.append(
                {
                    "hostname": host,
                    "host": address,
                    "port": port,
                    "family": fam,
                    "proto": 0,
                    "flags": socket.AI_NUMERICHOST,
                }
            )
        return results

    async def close(self) -> None:
        return None


def unsafe_cause(exc: BaseException) -> UnsafeDestination | None:
    """The UnsafeDestination behind an aiohttp connection error, if that is what it was."""
    seen: Any = exc
    while seen is not None:
        if isinstance(seen, UnsafeDestination):
            return seen
        seen = getattr(seen, "os_error", None) or seen.__cause__
    return None

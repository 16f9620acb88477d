"""Standard Webhooks signing and the SSRF guard for webhook destinations.

Pure rules (no database, no session): the webhook client (`delivery.webhook_client`) signs
and connects through them, and `services.projects` refuses an unsafe `webhook_url` by the same
rule when it is saved."""

from __future__ import annotations

import asyncio
import base64
import hmac
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import yarl
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


# IPv6 prefixes that carry an IPv4 address in their last 32 bits: NAT64 (RFC 6052, and the
# local-use RFC 8215 range) and IPv4-compatible addresses (::a.b.c.d, deprecated but routed by
# some stacks); 6to4 (2002::/16) carries it in bits 16-48 and Teredo in its client field,
# which `ipaddress` extracts itself. A private address inside any of them is private.
_EMBEDDING_V4_AT_END = (
    ipaddress.ip_network("64:ff9b::/96"),
    ipaddress.ip_network("64:ff9b:1::/48"),
    ipaddress.ip_network("::/96"),
)
# the one hint every refusal carries: the operator setting that allows private destinations
RESOLVE_TIMEOUT = 5.0  # seconds a URL being set waits for its name to resolve
ALLOW_HINT = "set WEBHOOK_ALLOW_PRIVATE_NETWORKS=true to allow private networks"


def _embedded_v4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    found: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    if any(ip in net for net in _EMBEDDING_V4_AT_END):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def _is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    # is_global is False for loopback, RFC 1918, link-local (169.254/16, cloud metadata),
    # CGNAT, documentation and reserved ranges; multicast is global but never an endpoint
    return ip.is_global and not ip.is_multicast


def check_address(address: str) -> None:
    ip = ipaddress.ip_address(address.split("%")[0])
    inner = _embedded_v4(ip) if isinstance(ip, ipaddress.IPv6Address) else []
    if not _is_public(ip) or not all(_is_public(v4) for v4 in inner):
        raise UnsafeDestination(f"refused: {address} is not a public address")


def is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def connect_host(url: str) -> str:
    """The host the HTTP client connects to for `url`: yarl's normalised form (NFKC and IDNA,
    so fullwidth digits, circled digits and ideographic full stops become ASCII), which is
    what aiohttp dials or hands to the resolver; "" when there is none."""
    try:
        return yarl.URL(url).raw_host or ""
    except (ValueError, UnicodeError):
        return ""


def destination_refusal(url: str) -> str | None:
    """Why `url` must not be called when private networks are not allowed (None: allowed,
    or a host name, which the guarded resolver checks on every connection). The one rule for
    webhook destinations, applied when a URL is set and before every delivery."""
    host = connect_host(url)
    if not host:
        return f"refused: {url!r} has no host"
    if not is_ip_literal(host):
        return None
    written = urlsplit(url).hostname or ""
    if not written.isascii() or written.startswith("xn--") or ".xn--" in written:
        # an address spelled in other characters is a way around filters, never a need
        return f"refused: host {written!r} is an address in disguise ({host})"
    try:
        check_address(host.strip("[]"))
    except UnsafeDestination as exc:
        return str(exc)
    return None


async def check_destination(url: str, resolve: Resolve) -> tuple[str | None, str | None]:
    """(refusal, warning) for a webhook URL being set: `destination_refusal`, and for a host
    name the addresses it resolves to now, through `resolve` (the resolver delivery uses).
    A name that does not resolve yet is allowed with a warning (its DNS may come later;
    delivery checks the addresses on every connection anyway)."""
    refusal = destination_refusal(url)
    host = connect_host(url)
    if refusal is not None or is_ip_literal(host):
        return refusal, None
    try:
        async with asyncio.timeout(RESOLVE_TIMEOUT):
            addresses = await resolve(host, yarl.URL(url).port or 0)
    except TimeoutError:
        return None, f"{host} does not resolve within {RESOLVE_TIMEOUT:g} s; deliveries wait"
    except OSError as exc:
        return None, f"{host} does not resolve now ({exc}); deliveries fail until it does"
    if not addresses:
        return None, f"{host} has no addresses now; deliveries fail until it has"
    for address in addresses:
        try:
            check_address(address)
        except UnsafeDestination:
            return f"refused: {host} resolves to {address}, which is not a public address", None
    return None, None


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

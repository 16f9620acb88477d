"""One webhook attempt over HTTP: the stored body signed (Standard Webhooks, both secrets
while a rotation overlaps) and POSTed without following redirects, the destination guarded
against private networks, the answer read into an `Outcome` (`Retry-After` included). The
worker (`delivery.webhooks`) decides what an outcome means for the event."""

from __future__ import annotations

import email.utils
import json
import logging
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Final

import aiohttp

from models import Project
from services import delivery_queue
from services.outbox import encode_body
from services.webhook_security import (
    ALLOW_HINT,
    GuardedResolver,
    Resolve,
    destination_refusal,
    sign_headers,
    system_resolve,
    unsafe_cause,
)

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 15.0
MAX_RETRY_AFTER = timedelta(hours=24)
REFUSALS_REMEMBERED = 10_000  # events whose refusal was logged (each is logged once)


def signing_secrets(project: Project, now: datetime) -> list[str]:
    """The current secret, plus the previous one while its 24 h overlap lasts."""
    secrets = [project.webhook_secret]
    until = project.webhook_previous_secret_until
    if project.webhook_previous_secret and until is not None and until > now:
        secrets.append(project.webhook_previous_secret)
    return secrets


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        delay = timedelta(seconds=int(value))
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        delay = when - now
    return max(timedelta(seconds=1), min(delay, MAX_RETRY_AFTER))


# aiohttp skips the resolver for an address, so the rule runs before the POST; cached per
# URL, the check is pure
_refusal = lru_cache(maxsize=1024)(destination_refusal)


class Outcome:
    """The answer to one POST, or why there was none (`error`)."""

    __slots__ = ("delivered", "error", "gone", "retry_after", "status_code")

    def __init__(
        self,
        *,
        status_code: int | None = None,
        error: str | None = None,
        retry_after: timedelta | None = None,
    ) -> None:
        self.status_code = status_code
        self.error = error
        self.retry_after = retry_after
        self.delivered = status_code is not None and 200 <= status_code < 300
        self.gone = status_code == 410


# a claimed event as a plain tuple (`delivery_queue.claim_events`), read by position
EventRow = delivery_queue.ClaimedEvent
_ID: Final = 0
_TICKET: Final = 1
_PROJECT: Final = 2
_ATTEMPTS: Final = 4
_BODY: Final = 5
_PAYLOAD: Final = 6
_EVENT: Final = 7


def _body(event: EventRow) -> str:
    """The stored body; a row written before bodies were stored is encoded from its payload
    (JSON text from the database, or already decoded by the driver)."""
    body = event[_BODY]
    if body is None:
        payload = event[_PAYLOAD]
        body = encode_body(json.loads(payload) if isinstance(payload, str | bytes) else payload)
    return body


class WebhookClient:
    """POSTs one event to its project's endpoint; one session (and connector) per worker."""

    def __init__(
        self,
        *,
        allow_private_networks: bool = False,
        timeout: float = TIMEOUT_SECONDS,
        resolve: Resolve = system_resolve,
    ) -> None:
        self.allow_private_networks = allow_private_networks
        self.timeout = timeout
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._resolve = resolve
        self._refusals_logged: OrderedDict[str, None] = OrderedDict()
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=0,
                resolver=None if self.allow_private_networks else GuardedResolver(self._resolve),
            )
            self._session = aiohttp.ClientSession(connector=connector)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def post(self, event: EventRow, project: Project, now: datetime) -> Outcome:
        url = project.webhook_url or ""
        if not self.allow_private_networks:
            refused = _refusal(url)
            if refused is not None:
                self._log_refusal(event, project, refused)
                return Outcome(error=refused)
        body = _body(event).encode()  # the bytes signed are the bytes sent
        headers = sign_headers(
            signing_secrets(project, now), event[_ID], int(now.timestamp()), body
        )
        try:
            async with self._client().post(
                url,
                data=body,
                headers=headers,
                allow_redirects=False,
                timeout=self._timeout,
            ) as response:
                await response.read()
                status = response.status
                retry_after = parse_retry_after(response.headers.get("Retry-After"), now)
        except TimeoutError:
            return Outcome(error=f"timeout after {self.timeout:g} s")
        except aiohttp.ClientError as exc:
            unsafe = unsafe_cause(exc)
            if unsafe is not None:
                self._log_refusal(event, project, str(unsafe))
                return Outcome(error=str(unsafe))
            return Outcome(error=f"connection error: {type(exc).__name__}: {exc}"[:500])
        if 200 <= status < 300:
            return Outcome(status_code=status)
        if 300 <= status < 400:
            return Outcome(status_code=status, error=f"HTTP {status}: redirect not followed")
        if status == 410:
            return Outcome(status_code=status, error="HTTP 410: endpoint disabled")
        return Outcome(status_code=status, error=f"HTTP {status}", retry_after=retry_after)

    def _log_refusal(self, event: EventRow, project: Project, why: str) -> None:
        """Say once per event (not per retry) that its destination was refused."""
        if event[_ID] in self._refusals_logged:
            return
        self._refusals_logged[event[_ID]] = None
        if len(self._refusals_logged) > REFUSALS_REMEMBERED:
            self._refusals_logged.popitem(last=False)
        log.warning(
            "webhook event %s of project %s not sent: %s (%s)",
            event[_ID],
            project.id,
            why,
            ALLOW_HINT,
        )


__all__ = ["TIMEOUT_SECONDS", "EventRow", "Outcome", "WebhookClient"]

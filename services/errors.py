"""One domain error hierarchy; each front end maps it once (HTTP envelope, localized chat text).

A kind of error is declared by its class line: `code` (the envelope's and the locale key's
suffix) and `http_status`, given as class keywords; a subclass without them keeps its
parent's (e.g. `agent_chat.CodeUnknown` is a `validation_failed`).
"""

from __future__ import annotations

from typing import Any


class HelpdeskError(Exception):
    code = "internal_error"
    http_status = 500
    retryable = False
    retry_after: int | None = None  # seconds, for a retryable error (the Retry-After header)

    def __init_subclass__(
        cls, *, code: str | None = None, http_status: int | None = None, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.code = code
        if http_status is not None:
            cls.http_status = http_status

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class ValidationFailed(HelpdeskError, code="validation_failed", http_status=400):
    """A field or argument is not acceptable (`details` names each field)."""


class InvalidApiKey(HelpdeskError, code="invalid_api_key", http_status=401):
    """A missing, unknown or revoked API key (always the same answer)."""


class HelpdeskDisabled(HelpdeskError, code="helpdesk_disabled", http_status=403):
    """The project's helpdesk (or ticket creation in it) is switched off."""


class Forbidden(HelpdeskError, code="forbidden", http_status=403):
    """The caller is known but may not do this (a console viewer writing)."""


class NotFound(HelpdeskError, code="not_found", http_status=404):
    """No such object in the caller's project."""


class WrongChannel(HelpdeskError, code="wrong_channel", http_status=409):
    """The operation is not for a ticket of this channel."""


class TicketClosed(HelpdeskError, code="ticket_closed", http_status=409):
    """The ticket is closed and this operation does not reopen it."""


class IdempotencyConflict(HelpdeskError, code="idempotency_conflict", http_status=409):
    """An Idempotency-Key reused for another request, or its first request still running."""


class Conflict(HelpdeskError, code="conflict", http_status=409):
    """A state conflict not covered by a more specific code (e.g. a request already used)."""


class PayloadTooLarge(HelpdeskError, code="payload_too_large", http_status=413):
    """The request body is over the limit."""


class RateLimited(HelpdeskError, code="rate_limited", http_status=429):
    retryable = True

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class DatabaseUnavailable(HelpdeskError, code="database_unavailable", http_status=503):
    """The database cannot be reached (see services.outages); the same request may succeed
    a few seconds later."""

    retryable = True
    retry_after = 5

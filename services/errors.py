"""One domain error hierarchy; each front end maps it once (HTTP envelope, localized chat text)."""

from __future__ import annotations

from typing import Any


class HelpdeskError(Exception):
    code = "internal_error"
    http_status = 500
    retryable = False

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class ValidationFailed(HelpdeskError):
    code = "validation_failed"
    http_status = 400


class InvalidApiKey(HelpdeskError):
    code = "invalid_api_key"
    http_status = 401


class HelpdeskDisabled(HelpdeskError):
    code = "helpdesk_disabled"
    http_status = 403


class NotFound(HelpdeskError):
    code = "not_found"
    http_status = 404


class WrongChannel(HelpdeskError):
    code = "wrong_channel"
    http_status = 409


class TicketClosed(HelpdeskError):
    code = "ticket_closed"
    http_status = 409


class IdempotencyConflict(HelpdeskError):
    code = "idempotency_conflict"
    http_status = 409


class Conflict(HelpdeskError):
    """A state conflict not covered by a more specific code (e.g. a request already used)."""

    code = "conflict"
    http_status = 409


class PayloadTooLarge(HelpdeskError):
    code = "payload_too_large"
    http_status = 413


class RateLimited(HelpdeskError):
    code = "rate_limited"
    http_status = 429
    retryable = True

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

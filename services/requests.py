"""Helpdesk requests: a deep link that subscribes a website visitor and opens the helpdesk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Unpack

from tortoise.transactions import in_transaction

from models import HelpdeskRequest, Project, Subscriber
from models.enums import Channel, RequestStatus
from services import clock
from services.catalog import active_type
from services.errors import Conflict, HelpdeskDisabled, NotFound
from services.projects import random_token
from services.subscribers import ChatProfile, ensure_subscriber

REQUEST_TTL = timedelta(minutes=15)
DEEP_LINK_PREFIX = "hdreq_"


@dataclass(frozen=True)
class BotLinks:
    """Usernames of the configured bots; None for a channel that has no bot."""

    telegram: str | None = None
    max: str | None = None

    def telegram_link(self, payload: str) -> str | None:
        return f"https://t.me/{self.telegram}?start={payload}" if self.telegram else None

    def max_link(self, payload: str) -> str | None:
        return f"https://max.ru/{self.max}?start={payload}" if self.max else None

    def missing_hint(self, channel: Channel | None) -> str | None:
        """Why a link the caller asked for (one channel, or any when None) is null."""
        missing = [
            text
            for wanted, configured, text in (
                (Channel.TELEGRAM, self.telegram, _NO_TELEGRAM_BOT),
                (Channel.MAX, self.max, _NO_MAX_BOT),
            )
            if channel in (None, wanted) and not configured
        ]
        return "; ".join(missing) or None


# one line each, naming the settings (English, like every API message)
_NO_TELEGRAM_BOT = (
    "no Telegram bot is configured on this server (TELEGRAM_BOT_TOKEN / TELEGRAM_BOT_USERNAME)"
)
_NO_MAX_BOT = "no MAX bot is configured on this server (MAX_BOT_TOKEN / MAX_BOT_USERNAME)"


def effective_status(request: HelpdeskRequest) -> RequestStatus:
    """Expiry is read from the clock, so no background job has to run first."""
    status = RequestStatus(request.status)
    if status == RequestStatus.PENDING and clock.now() >= request.expires_at:
        return RequestStatus.EXPIRED
    return status


async def create_request(
    project: Project,
    links: BotLinks,
    *,
    channel: Channel | None = None,
    ticket_type_id: object | None = None,
) -> dict[str, Any]:
    if not (project.helpdesk_enabled and project.helpdesk_allow_create):
        raise HelpdeskDisabled("helpdesk requests are disabled for this project")
    ticket_type = await active_type(project.id, ticket_type_id) if ticket_type_id else None
    now = clock.now()
    request = await HelpdeskRequest.create(
        id=random_token(16),
        project=project,
        preferred_channel=channel,
        ticket_type=ticket_type,
        expires_at=now + REQUEST_TTL,
    )
    payload = DEEP_LINK_PREFIX + request.id
    created: dict[str, Any] = {
        "request_id": request.id,
        "telegram_link": links.telegram_link(payload) if channel != Channel.MAX else None,
        "max_link": links.max_link(payload) if channel != Channel.TELEGRAM else None,
        "expires_in": int(REQUEST_TTL.total_seconds()),
    }
    hint = links.missing_hint(channel)
    if hint:
        created["hint"] = hint
    return created


def _is_request_id(value: str) -> bool:
    """Ids are 16 [A-Za-z0-9]; anything else (even NUL bytes from a URL) is simply unknown."""
    return len(value) == 16 and value.isascii() and value.isalnum()


async def request_status(project: Project, request_id: str) -> dict[str, Any]:
    request = (
        await HelpdeskRequest.get_or_none(id=request_id, project_id=project.id)
        if _is_request_id(request_id)
        else None
    )
    if request is None:
        raise NotFound("request not found")
    status = effective_status(request)
    accepted = status == RequestStatus.ACCEPTED
    return {
        "status": str(status),
        "subscriber_id": str(request.subscriber_id) if accepted and request.subscriber_id else None,
        "channel": str(request.channel) if accepted and request.channel else None,
    }


async def open_request(request_id: str) -> HelpdeskRequest:
    """The request behind a deep link, for the bots; unusable ones raise with a reason."""
    if not _is_request_id(request_id):
        raise NotFound("request not found")
    request = await HelpdeskRequest.get_or_none(id=request_id).select_related(
        "project", "ticket_type"
    )
    if request is None:
        raise NotFound("request not found")
    status = effective_status(request)
    if status == RequestStatus.EXPIRED:
        raise NotFound("request expired")
    if status != RequestStatus.PENDING:
        raise Conflict(f"request already {status}")
    return request


async def accept_request(
    request_id: str, channel: Channel, chat_id: int, **profile: Unpack[ChatProfile]
) -> tuple[HelpdeskRequest, Subscriber]:
    """Consent given (or already subscribed): subscribe the chat and mark the request accepted."""
    async with in_transaction():
        request = await open_request(request_id)
        subscriber = await ensure_subscriber(request.project_id, channel, chat_id, **profile)
        updated = await HelpdeskRequest.filter(
            id=request.id, status=RequestStatus.PENDING
        ).update(status=RequestStatus.ACCEPTED, subscriber_id=subscriber.id, channel=channel)
        if not updated:
            raise Conflict("request already used")
        request.status = RequestStatus.ACCEPTED
        request.subscriber = subscriber
        request.channel = channel
    return request, subscriber


async def cancel_request(request_id: str) -> HelpdeskRequest:
    request = await open_request(request_id)
    updated = await HelpdeskRequest.filter(id=request.id, status=RequestStatus.PENDING).update(
        status=RequestStatus.CANCELLED
    )
    if not updated:
        raise Conflict("request already used")
    request.status = RequestStatus.CANCELLED
    return request

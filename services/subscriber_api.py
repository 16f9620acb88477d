"""Use cases of /v1/subscribers and /v1/subscribe-link (also the CLI's `subscribers list`)."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from tortoise.expressions import Q, Subquery

from models import Project, SubscribeLink, Subscriber, SubscriberTag
from models.enums import Channel, SubscriberStatus
from services import notify_events, subscribers
from services.errors import NotFound
from services.notify_rules import check_tags
from services.projects import random_token
from services.requests import BotLinks
from services.validation import invalid, parse_uuid

MAX_PAGE = 200
SUBSCRIBE_PREFIX = "sub_"
LINK_ID_LENGTH = 12


def _encode_cursor(subscriber: Subscriber) -> str:
    raw = f"{subscriber.created_at.isoformat()}|{subscriber.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created, _, sid = raw.partition("|")
        return datetime.fromisoformat(created), parse_uuid(sid)
    except (binascii.Error, UnicodeDecodeError, ValueError, NotFound):
        raise invalid("cursor", "is not a cursor this API returned") from None


async def list_subscribers(
    project: Project,
    *,
    channel: Channel | None = None,
    tag: str | None = None,
    status: SubscriberStatus | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Newest first, keyset-paged on (created_at, id) by the (project, created_at, id) index."""
    query = Subscriber.filter(project_id=project.id)
    if channel is not None:
        query = query.filter(channel=channel)
    if status is not None:
        query = query.filter(status=status)
    if tag is not None:
        check_tags([tag], "tag")
        tagged = SubscriberTag.filter(project_id=project.id, tag=tag).values("subscriber_id")
        query = query.filter(id__in=Subquery(tagged))
    if cursor:
        created, last_id = _decode_cursor(cursor)
        # the plain `created_at <=` bound lets the index scan start at the cursor; the OR
        # alone would be a filter over every newer row (pages slow down with depth)
        query = query.filter(
            Q(created_at__lt=created) | Q(created_at=created, id__lt=last_id),
            created_at__lte=created,
        )
    rows = await query.order_by("-created_at", "-id").limit(limit + 1)
    page = rows[:limit]
    return {
        "subscribers": [notify_events.subscriber_view(s) for s in page],
        "next_cursor": _encode_cursor(page[-1]) if len(rows) > limit else None,
    }


async def _own(project: Project, subscriber_id: object) -> Subscriber:
    subscriber = await Subscriber.get_or_none(
        id=parse_uuid(subscriber_id, what="subscriber"), project_id=project.id
    )
    if subscriber is None:
        raise NotFound("subscriber not found")
    return subscriber


async def get_subscriber(project: Project, subscriber_id: object) -> dict[str, Any]:
    return notify_events.subscriber_view(await _own(project, subscriber_id))


async def set_tags(project: Project, subscriber_id: object, tags: list[str]) -> dict[str, Any]:
    subscriber = await _own(project, subscriber_id)
    await subscribers.replace_tags(subscriber, check_tags(tags))
    return notify_events.subscriber_view(subscriber)


async def unsubscribe(project: Project, subscriber_id: object) -> None:
    """DELETE: the subscriber becomes `unsubscribed` and is told so (already gone: no-op)."""
    subscriber = await _own(project, subscriber_id)
    await subscribers.end_subscription(subscriber.id, notify_events.REASON_API)


async def subscribe_link(project: Project, links: BotLinks, tags: list[str]) -> dict[str, Any]:
    """A permanent `sub_<id>` deep link; the same tag set gets the same link again."""
    tags = check_tags(tags, "tag")
    link = None
    for candidate in await SubscribeLink.filter(project_id=project.id).order_by("created_at"):
        if sorted(candidate.tags) == sorted(tags):
            link = candidate
            break
    if link is None:
        link = await SubscribeLink.create(
            id=random_token(LINK_ID_LENGTH), project_id=project.id, tags=tags
        )
    payload = SUBSCRIBE_PREFIX + link.id
    return {
        "link_id": link.id,
        "tags": link.tags,
        "telegram_link": links.telegram_link(payload),
        "max_link": links.max_link(payload),
        "expires_in": None,
    }


async def open_link(link_id: str) -> SubscribeLink | None:
    """The link behind a `sub_` payload (None: mangled or unknown), with its project."""
    if len(link_id) != LINK_ID_LENGTH or not (link_id.isascii() and link_id.isalnum()):
        return None
    return await SubscribeLink.get_or_none(id=link_id).select_related("project")

"""Use cases of /v1/subscribers and /v1/subscribe-link (also the CLI's `subscribers list`)."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime
from typing import Any

import orjson

from models import Project, SubscribeLink, Subscriber
from models.enums import Channel, SubscriberStatus
from services import notify_events, sql, subscribers
from services.errors import NotFound
from services.notify_rules import check_tags
from services.projects import random_token
from services.requests import BotLinks
from services.serializers import iso
from services.validation import invalid, parse_uuid

MAX_PAGE = 200
SUBSCRIBE_PREFIX = "sub_"
LINK_ID_LENGTH = 12


def _encode_cursor(created_at: datetime, subscriber_id: object) -> str:
    raw = f"{created_at.isoformat()}|{subscriber_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created, _, sid = raw.partition("|")
        return datetime.fromisoformat(created), parse_uuid(sid)
    except (binascii.Error, UnicodeDecodeError, ValueError, NotFound):
        raise invalid("cursor", "is not a cursor this API returned") from None


# GET /v1/subscribers is one hand-written statement whose rows are rendered straight into
# the API's dicts (no model objects: building 50–200 of them through the ORM cost more than
# the query). PostgreSQL hands the id and tags over as text and the times already in API
# form; SQLite's columns go through the model's own field converters.
_UTC_MS = "to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
_COLUMNS_PG = (
    "CAST(s.id AS TEXT), s.channel, s.chat_id, s.first_name, s.last_name, s.username, "
    "s.language_code, CAST(s.tags AS TEXT), s.status, "
    f"{_UTC_MS.format('COALESCE(s.subscribed_at, s.created_at)')}, "
    f"{_UTC_MS.format('s.unsubscribed_at')}, s.created_at"
)
_COLUMNS_SQLITE = (
    "s.id, s.channel, s.chat_id, s.first_name, s.last_name, s.username, s.language_code, "
    "s.tags, s.status, COALESCE(s.subscribed_at, s.created_at), s.unsubscribed_at, s.created_at"
)
# newest first: by the (project_id, created_at, id) index of subscribers; with a tag, by the
# (project_id, tag, subscriber_created_at, subscriber_id) index of its tag rows — one page
# of either, however common or rare the tag (the rows' copy of created_at orders them)
_ALL = " FROM subscribers s WHERE s.project_id = $1"
_TAGGED = (
    " FROM subscriber_tags st JOIN subscribers s ON s.id = st.subscriber_id"
    " WHERE st.project_id = $1 AND st.tag = $2 AND s.project_id = $1"
)
_CREATED_AT = Subscriber._meta.fields_map["created_at"]


def _list_statement(
    project_id: uuid.UUID,
    channel: Channel | None,
    tag: str | None,
    status: SubscriberStatus | None,
    limit: int,
    cursor: tuple[datetime, uuid.UUID] | None,
) -> tuple[str, list[Any]]:
    values: list[Any] = [project_id]
    if tag is None:
        where, created, sid = _ALL, "s.created_at", "s.id"
    else:
        values.append(tag)
        where, created, sid = _TAGGED, "st.subscriber_created_at", "st.subscriber_id"
    if channel is not None:
        values.append(channel.value)
        where += f" AND s.channel = ${len(values)}"
    if status is not None:
        values.append(SubscriberStatus(status).value)
        where += f" AND s.status = ${len(values)}"
    if cursor is not None:
        values.extend((_CREATED_AT.to_db_value(cursor[0], Subscriber), cursor[1]))
        at, last = len(values) - 1, len(values)
        # the plain `<=` bound lets the index scan start at the cursor; the OR alone would
        # be a filter over every newer row (pages slow down with depth)
        where += (
            f" AND {created} <= ${at}"
            f" AND ({created} < ${at} OR ({created} = ${at} AND {sid} < ${last}))"
        )
    values.append(limit + 1)
    columns = _COLUMNS_SQLITE if sql.dialect() == "sqlite" else _COLUMNS_PG
    return (
        f"SELECT {columns}{where} ORDER BY {created} DESC, {sid} DESC LIMIT ${len(values)}",
        values,
    )


def _row_view(row: tuple[Any, ...]) -> dict[str, Any]:
    """A `_COLUMNS_PG` row as `notify_events.subscriber_view` shows the subscriber."""
    status = row[8]
    return {
        "id": row[0],
        "channel": row[1],
        "chat_id": row[2],
        "first_name": row[3],
        "last_name": row[4],
        "username": row[5],
        "language": row[6],
        "tags": orjson.loads(row[7]) if row[7] else [],
        "status": status,
        "blocked": status == "blocked",  # the messenger refuses delivery
        "subscribed_at": row[9],
        "unsubscribed_at": row[10],
    }


def _sqlite_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A `_COLUMNS_SQLITE` row in `_COLUMNS_PG`'s shape (its times in API form, `created_at` as
    a datetime), through the model's converters as the ORM reads them."""
    convert = _CREATED_AT.to_python_value
    return (
        str(row[0]),
        *row[1:7],
        row[7],
        row[8],
        iso(convert(row[9])),
        iso(convert(row[10])),
        convert(row[11]),
    )


async def list_subscribers(
    project: Project,
    *,
    channel: Channel | None = None,
    tag: str | None = None,
    status: SubscriberStatus | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Newest first, keyset-paged on (created_at, id) (see `_list_statement`)."""
    if not 1 <= limit <= MAX_PAGE:
        raise invalid("limit", f"must be 1 to {MAX_PAGE}")
    if tag is not None:
        check_tags([tag], "tag")
    after = _decode_cursor(cursor) if cursor else None
    statement, values = _list_statement(project.id, channel, tag, status, limit, after)
    rows = await sql.fetch_tuples(statement, *values)
    if sql.dialect() == "sqlite":
        rows = [_sqlite_row(row) for row in rows]
    page = rows[:limit]
    return {
        "subscribers": [_row_view(row) for row in page],
        "next_cursor": _encode_cursor(page[-1][11], page[-1][0]) if len(rows) > limit else None,
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

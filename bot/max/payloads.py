"""Callback payloads of the MAX keyboards (maxapi `CallbackPayload`, ≤ 1024 bytes)."""

from __future__ import annotations

from enum import StrEnum

from maxapi.filters.callback_payload import CallbackPayload

# what a button does; `Nav.arg` carries an id (type, ticket, project) or a page
Action = StrEnum(
    "Action",
    {
        "SUBSCRIBE": "sub",
        "DECLINE": "decline",
        "NEW_TICKET": "new",
        "MY_TICKETS": "mine",
        "UNSUBSCRIBE": "unsub",
        "UNSUBSCRIBE_YES": "unsub_yes",
        "MENU": "menu",
        "PROJECT": "project",
        "TYPE": "type",
        "SEND": "send",
        "TICKET": "ticket",
        "CLOSE": "close",
        "CLOSE_YES": "close_yes",
        "CLOSE_NO": "close_no",
        "BACK": "back",
        "PAGE": "page",
        "RATING_SKIP": "rate_skip",
    },
)


# services.notifications puts this raw payload on "ticket #N created" (both messengers)
OPEN_TICKET_PREFIX = "open_ticket:"


class Nav(CallbackPayload, prefix="hd"):
    action: str
    arg: str | None = None

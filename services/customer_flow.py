"""What the customer screens of both messengers do with the use cases of customer_entry.py
and customers.py.

The data a screen keeps, where a route lands, the new-ticket draft, what [New ticket] opens,
the pages of "My tickets" and when a thread is shown again after a delivery are decided once;
dialogs/ (Telegram, aiogram-dialog) and bot/max/ (MAX) only map them to their states and
widgets. No messenger library is imported here.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from models.enums import Channel
from services import customer_entry, customers
from services.customer_views import Customer, DraftPart, Route, Screen, TicketRow
from services.errors import HelpdeskError
from services.validation import same_uuid

log = logging.getLogger(__name__)

# keys of the data a screen keeps (aiogram-dialog start/dialog data, the MAX FSM data)
PROJECT = "project"
SUBSCRIBER = "subscriber"
TICKET = "ticket"
TICKET_TYPE = "type"
REQUEST = "request"
LINK = "link"  # a subscribe link's id, on the consent screen
NOTICE = "notice"
NOTICE_ARGS = "notice_args"
PARTS = "parts"
ERROR = "error"
PAGE = "page"
TYPE_USED = "type_used"  # a deep link's preselected type serves the first ticket only

MAX_PARTS = 30  # a generous album plus text; more is almost certainly a mistake
PAGE_SIZE = 5  # rows of "My tickets"
TOO_MANY_PARTS = "error-too-many-parts"


def landing(route: Route) -> dict[str, Any]:
    """The data the screen of `route` works with: its ids and the notice shown with it."""
    if route.screen == Screen.CONSENT:
        return {PROJECT: route.project_id, REQUEST: route.request_id, LINK: route.link_id}
    notice = {NOTICE: route.notice, NOTICE_ARGS: dict(route.notice_args)}
    if route.screen == Screen.MENU:
        return {
            PROJECT: route.project_id,
            SUBSCRIBER: route.subscriber_id,
            TICKET_TYPE: route.ticket_type_id,
            TICKET: route.ticket_id,
            **notice,
        }
    return notice


def error_key(exc: HelpdeskError) -> str:
    """The locale key a domain error is shown under in a chat."""
    return f"error-{exc.code}"


def add_to_draft(parts: list[dict[str, Any]], part: DraftPart) -> str | None:
    """One message joins a new ticket's draft (`parts`, as stored); the error key if refused."""
    try:
        customers.check_content(part)
    except HelpdeskError as exc:
        return error_key(exc)
    if len(parts) >= MAX_PARTS:
        return TOO_MANY_PARTS
    parts.append(asdict(part))
    return None


async def send_draft(
    customer: Customer,
    project_id: str,
    parts: list[dict[str, Any]],
    ticket_type_id: str | None,
) -> tuple[str | None, str | None]:
    """[Send]: the draft becomes a ticket; (its id, None) or (None, the error key)."""
    try:
        drafted = [DraftPart(**raw) for raw in parts]
        return await customers.open_ticket(customer, project_id, drafted, ticket_type_id), None
    except HelpdeskError as exc:
        return None, error_key(exc)


@dataclass(frozen=True)
class NewTicketStart:
    """What [New ticket] opens: nothing (switched off meanwhile: the menu, drawn again, no
    longer offers it), the type picker, or the description of a ticket of `ticket_type_id`."""

    allowed: bool
    pick_type: bool = False
    ticket_type_id: str | None = None


async def start_new_ticket(
    project_id: str, subscriber_id: str, preselected_type: str | None
) -> NewTicketStart:
    """A deep link's type (still active) skips the picker; so does a project without types."""
    view = await customers.menu_view(project_id, subscriber_id, preselected_type)
    if not view.can_create:
        return NewTicketStart(allowed=False)
    if view.preselected_type or not view.has_types:
        return NewTicketStart(allowed=True, ticket_type_id=view.preselected_type)
    return NewTicketStart(allowed=True, pick_type=True)


async def unsubscribe(project_id: str, subscriber_id: str) -> Route:
    """[Unsubscribe] confirmed: a goodbye naming the project."""
    view = await customers.menu_view(project_id, subscriber_id)
    await customer_entry.unsubscribe(subscriber_id)
    return Route(Screen.NOTICE, notice="notice-unsubscribed", notice_args={"project": view.name})


async def decline(request_id: str | None) -> Route:
    """[Cancel] on consent: the request is cancelled, a notice says so."""
    await customer_entry.decline(request_id)
    return Route(Screen.NOTICE, notice="consent-cancelled")


@dataclass(frozen=True)
class TicketPage:
    rows: list[TicketRow]
    page: int  # 0-based, within 0..pages-1
    pages: int

    @property
    def has_prev(self) -> bool:
        return self.page > 0

    @property
    def has_next(self) -> bool:
        return self.page + 1 < self.pages


async def tickets_page(subscriber_id: str, page: int) -> TicketPage:
    """A page of "My tickets"; one past the end (tickets gone meanwhile) becomes the last."""
    rows, total = await customers.my_tickets(subscriber_id, page=page, size=PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    if page >= pages:
        page = pages - 1
        rows, total = await customers.my_tickets(subscriber_id, page=page, size=PAGE_SIZE)
    return TicketPage(rows, page, pages)


class Place(StrEnum):
    """Where a customer is, as far as a delivery's thread refresh cares."""

    THREAD = "thread"
    COMPOSE = "compose"  # writing a new ticket
    CONSENT = "consent"
    ELSEWHERE = "elsewhere"


def keeps_screen(place: Place, shown_ticket: object, ticket_id: str) -> bool:
    """After a message about a ticket reached the customer: one in that ticket's thread sees it
    again below the message, one composing a ticket or deciding on consent keeps their own
    screen (moved down); anyone else is taken to the ticket."""
    if place == Place.THREAD:
        return same_uuid(shown_ticket, ticket_id)
    return place in (Place.COMPOSE, Place.CONSENT)


OnSent = Callable[[Any, Any], Awaitable[None]]
Refresh = Callable[[int, str], Awaitable[None]]  # (chat id, ticket id)


def thread_refresher(channel: Channel, refresh: Refresh) -> OnSent:
    """A delivery `on_sent` hook for one messenger's `customer_text` rows about a ticket (agent
    reply, closed, reopened); rows with their own buttons ("ticket #N created" + [Open]) are
    left alone."""

    async def on_sent(outbound: Any, result: Any) -> None:
        payload = getattr(outbound, "payload", None) or {}
        ticket_id = getattr(outbound, "ticket_id", None) or payload.get("ticket_id")
        if str(getattr(outbound, "channel", "")) != channel or ticket_id is None:
            return
        if payload.get("buttons"):
            return
        try:
            await refresh(int(outbound.chat_id), str(ticket_id))
        except Exception:  # the message itself was delivered; a stale screen is not fatal
            log.exception("could not show the thread of ticket %s again", ticket_id)

    return on_sent

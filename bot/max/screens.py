"""Screens of the MAX bot: the Telegram dialogs' windows, rendered from the same use cases and
locale keys into a text plus an inline keyboard. `show(chat)` renders the chat's current
FSM state; `open_route(chat, route)` takes the customer where a use case decided."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.max import payloads as p
from bot.max.chat import MaxChat, View
from bot.max.payloads import Nav
from bot.max.states import (
    BACK,
    ERROR,
    NOTICE,
    NOTICE_ARGS,
    PAGE,
    PARTS,
    PROJECT,
    REQUEST,
    SUBSCRIBER,
    TICKET,
    TICKET_TYPE,
    Screen,
)
from dialogs.thread import render_history  # presentation shared with the Telegram thread
from models.enums import TicketStatus
from services import customers
from services.customers import Route
from services.customers import Screen as Landing

PAGE_SIZE = 5  # my tickets, as on Telegram
HISTORY_LIMIT = 20
DESCRIPTION_LIMIT = 1500  # Fluent refuses placeables over 2500 characters


def button(label: str, action: str, arg: str | None = None) -> tuple[str, str]:
    return label, Nav(action=action, arg=arg).pack()


def short_id(uuid_text: str) -> str:
    """uuid hex: shorter payloads, and `-` is not special either way."""
    return uuid_text.replace("-", "")


def _lines(*parts: str) -> str:
    return "\n".join(part for part in parts if part)


async def _consent(chat: MaxChat, data: dict[str, Any]) -> View:
    view = await customers.consent_view(data[PROJECT])
    description = view.description[:DESCRIPTION_LIMIT] or "-"
    text = chat.t("consent-text", project=view.name, description=description)
    row = [
        button(chat.t("button-subscribe"), p.SUBSCRIBE),
        button(chat.t("button-cancel"), p.DECLINE),
    ]
    return View(text, [row])


async def _notice(chat: MaxChat, data: dict[str, Any]) -> View:
    key = data.get(NOTICE) or "notice-no-project"
    return View(chat.t(key, **(data.get(NOTICE_ARGS) or {})))


async def _projects(chat: MaxChat, data: dict[str, Any]) -> View:
    choices = await customers.subscriptions(chat.customer.channel, chat.chat_id)
    notice = data.get(NOTICE)
    head = chat.t(notice, **(data.get(NOTICE_ARGS) or {})) + "\n" if notice else ""
    rows = [[button(c.name[:64], p.PROJECT, short_id(c.project_id))] for c in choices]
    return View(_lines(head, chat.t("projects-title")), rows)


async def _menu(chat: MaxChat, data: dict[str, Any]) -> View:
    view = await customers.menu_view(data[PROJECT], data[SUBSCRIBER])
    t = chat.t
    notice = data.get(NOTICE)
    text = _lines(
        t("menu-notice", notice=t(notice, **(data.get(NOTICE_ARGS) or {}))) if notice else "",
        t("menu-title", project=view.name, count=view.active_tickets),
        t("menu-disabled") if not view.enabled else "",
        t("menu-no-create") if view.enabled and not view.can_create else "",
    )
    rows = []
    if view.can_create:
        rows.append([button(t("button-new-ticket"), p.NEW_TICKET)])
    rows.append([button(t("button-my-tickets", count=view.active_tickets), p.MY_TICKETS)])
    if view.subscribed:
        rows.append([button(t("button-unsubscribe"), p.UNSUBSCRIBE)])
    return View(text, rows)


async def _unsubscribe(chat: MaxChat, data: dict[str, Any]) -> View:
    view = await customers.menu_view(data[PROJECT], data[SUBSCRIBER])
    row = [
        button(chat.t("button-unsubscribe-yes"), p.UNSUBSCRIBE_YES),
        button(chat.t("button-back"), p.MENU),
    ]
    return View(chat.t("unsubscribe-confirm", project=view.name), [row])


async def _types(chat: MaxChat, data: dict[str, Any]) -> View:
    types = await customers.ticket_types(data[PROJECT])
    descriptions = "\n".join(f"• {t.name}: {t.description}" for t in types if t.description)
    rows = [[button(t.name[:64], p.TYPE, short_id(t.id))] for t in types]
    rows.append([button(chat.t("button-back"), p.MENU)])
    return View(_lines(chat.t("types-title"), "\n" + descriptions if descriptions else ""), rows)


async def _compose(chat: MaxChat, data: dict[str, Any]) -> View:
    parts = data.get(PARTS) or []
    files = sum(len(part.get("attachments") or []) for part in parts)
    error = data.get(ERROR)
    text = _lines(
        chat.t("new-ticket-prompt"),
        chat.t("new-ticket-collected", messages=len(parts), files=files) if parts else "",
        chat.t("error-line", error=chat.t(error)) if error else "",
    )
    row = [button(chat.t("button-send"), p.SEND)] if parts else []
    row.append(button(chat.t("button-cancel"), p.MENU))
    return View(text, [row])


async def _thread(chat: MaxChat, data: dict[str, Any]) -> View:
    t = chat.t
    view = await customers.thread(data[SUBSCRIBER], data[TICKET], limit=HISTORY_LIMIT)
    closed = view.status == TicketStatus.CLOSED
    error = data.get(ERROR)
    subject = view.subject or "-"
    text = _lines(
        t(
            "thread-header",
            number=view.number,
            status=t(f"status-{view.status}"),
            ticket_type=view.type_name or t("thread-no-type"),
            subject=subject if len(subject) <= 200 else subject[:199] + "…",
        ),
        render_history(view, t),
        t("thread-closed-hint") if closed else "",
        t("error-line", error=t(error)) if error else "",
    )
    row = [] if closed else [button(t("button-close-ticket"), p.CLOSE)]
    row.append(button(t("button-back"), p.BACK))
    return View(text, [row])


async def _confirm_close(chat: MaxChat, data: dict[str, Any]) -> View:
    view = await customers.thread(data[SUBSCRIBER], data[TICKET], limit=1)
    row = [
        button(chat.t("button-close-yes"), p.CLOSE_YES),
        button(chat.t("button-close-no"), p.CLOSE_NO),
    ]
    return View(chat.t("close-confirm", number=view.number), [row])


async def my_tickets_page(subscriber_id: str, page: int) -> tuple[list[Any], int, int]:
    """(rows, page, pages); a page past the end (tickets gone meanwhile) becomes the last."""
    rows, total = await customers.my_tickets(subscriber_id, page=page, size=PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    if page >= pages:
        page = pages - 1
        rows, total = await customers.my_tickets(subscriber_id, page=page, size=PAGE_SIZE)
    return rows, page, pages


async def _my_tickets(chat: MaxChat, data: dict[str, Any]) -> View:
    t = chat.t
    rows, page, pages = await my_tickets_page(data[SUBSCRIBER], int(data.get(PAGE) or 0))
    buttons = [
        [
            button(
                t(
                    "ticket-row",
                    number=r.number,
                    status=t(f"status-{r.status}"),
                    subject=(r.subject or "-")[:40],
                ),
                p.TICKET,
                short_id(r.id),
            )
        ]
        for r in rows
    ]
    paging = []
    if page > 0:
        paging.append(button(t("button-prev"), p.PAGE, str(page - 1)))
    if page + 1 < pages:
        paging.append(button(t("button-next"), p.PAGE, str(page + 1)))
    buttons += [paging, [button(t("button-back"), p.MENU)]]
    text = _lines(
        t("my-tickets-title", page=page + 1, pages=pages),
        t("my-tickets-empty") if not rows else "",
    )
    return View(text, buttons)


Render = Callable[[MaxChat, dict[str, Any]], Awaitable[View]]
RENDER: dict[str, Render] = {
    str(Screen.consent): _consent,
    str(Screen.notice): _notice,
    str(Screen.projects): _projects,
    str(Screen.menu): _menu,
    str(Screen.unsubscribe): _unsubscribe,
    str(Screen.types): _types,
    str(Screen.compose): _compose,
    str(Screen.thread): _thread,
    str(Screen.confirm_close): _confirm_close,
    str(Screen.my_tickets): _my_tickets,
}


async def render(chat: MaxChat) -> View | None:
    state = await chat.context.get_state()
    renderer = RENDER.get(str(state)) if state is not None else None
    if renderer is None:
        return None
    data = await chat.data()
    view = await renderer(chat, data)
    if data.pop(ERROR, None) is not None:  # an error line is shown once
        await chat.context.set_data(data)
    return view


async def show(chat: MaxChat) -> None:
    """Show the current screen; no screen (fresh chat, lost storage) → where /start leads."""
    view = await render(chat)
    if view is None:
        await open_route(chat, await customers.route_start(chat.customer))
        return
    await chat.show(view)


async def go(chat: MaxChat, state: Any, **changes: Any) -> None:
    """Switch screen keeping the ids the flow works for, then show it."""
    data = await chat.data()
    data.update(changes)
    data.pop(ERROR, None)
    await chat.context.set_data(data)
    await chat.context.set_state(state)
    await show(chat)


async def open_route(chat: MaxChat, route: Route) -> None:
    """The screen a use case chose, on fresh data (no dead ends behind it)."""
    notice = {NOTICE: route.notice, NOTICE_ARGS: dict(route.notice_args)}
    data: dict[str, Any]
    if route.screen == Landing.CONSENT:
        data, state = {PROJECT: route.project_id, REQUEST: route.request_id}, Screen.consent
    elif route.screen == Landing.MENU:
        data = {
            PROJECT: route.project_id,
            SUBSCRIBER: route.subscriber_id,
            TICKET_TYPE: route.ticket_type_id,
            **notice,
        }
        state = Screen.menu
        if route.ticket_id:  # the "open ticket" button: its thread, [Back] to the menu
            data.update({TICKET: route.ticket_id, BACK: p.MENU})
            state = Screen.thread
    elif route.screen == Landing.PICKER:
        data, state = notice, Screen.projects
    else:
        data, state = notice, Screen.notice
    await chat.context.set_data(data)
    await chat.context.set_state(state)
    await show(chat)

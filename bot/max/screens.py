"""Screens of the MAX bot: the Telegram dialogs' windows, rendered from the same use cases and
locale keys into a text plus an inline keyboard. `show(chat)` renders the chat's current
FSM state; `open_route(chat, route)` takes the customer where a use case decided."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.max.chat import MaxChat, View
from bot.max.payloads import Action, Nav
from bot.max.states import BACK, RATING_PROMPT, Screen
from bot.presentation import (
    HISTORY_LIMIT,
    consent_description,
    notice_text,
    render_history,
    short_id,
    thread_header,
    ticket_row,
    type_descriptions,
)
from models.enums import TicketStatus
from services import customer_entry, customer_flow, customers, ratings
from services.customer_flow import (
    ERROR,
    NOTICE,
    NOTICE_ARGS,
    PAGE,
    PARTS,
    PROJECT,
    SUBSCRIBER,
    TICKET,
)
from services.customer_views import Route
from services.customer_views import Screen as Landing

# the state each landing screen opens (a menu route with a ticket opens its thread instead)
_STATE = {
    Landing.CONSENT: Screen.consent,
    Landing.MENU: Screen.menu,
    Landing.PICKER: Screen.projects,
    Landing.NOTICE: Screen.notice,
}


def button(label: str, action: str, arg: str | None = None) -> tuple[str, str]:
    return label, Nav(action=action, arg=arg).pack()


def _lines(*parts: str) -> str:
    return "\n".join(part for part in parts if part)


async def _consent(chat: MaxChat, data: dict[str, Any]) -> View:
    view = await customer_entry.consent_view(data[PROJECT])
    text = chat.t("consent-text", project=view.name, description=consent_description(view))
    row = [
        button(chat.t("button-subscribe"), Action.SUBSCRIBE),
        button(chat.t("button-cancel"), Action.DECLINE),
    ]
    return View(text, [row])


async def _notice(chat: MaxChat, data: dict[str, Any]) -> View:
    return View(notice_text(chat.t, data.get(NOTICE) or "notice-no-project", data.get(NOTICE_ARGS)))


async def _projects(chat: MaxChat, data: dict[str, Any]) -> View:
    choices = await customer_entry.subscriptions(chat.customer.channel, chat.chat_id)
    notice = notice_text(chat.t, data.get(NOTICE), data.get(NOTICE_ARGS))
    head = notice + "\n" if notice else ""
    rows = [[button(c.name[:64], Action.PROJECT, short_id(c.project_id))] for c in choices]
    return View(_lines(head, chat.t("projects-title")), rows)


async def _menu(chat: MaxChat, data: dict[str, Any]) -> View:
    view = await customers.menu_view(data[PROJECT], data[SUBSCRIBER])
    t = chat.t
    notice = notice_text(t, data.get(NOTICE), data.get(NOTICE_ARGS))
    text = _lines(
        t("menu-notice", notice=notice) if notice else "",
        t("menu-title", project=view.name, count=view.active_tickets),
        t("menu-disabled") if not view.enabled else "",
        t("menu-no-create") if view.enabled and not view.can_create else "",
    )
    rows = []
    if view.can_create:
        rows.append([button(t("button-new-ticket"), Action.NEW_TICKET)])
    rows.append([button(t("button-my-tickets", count=view.active_tickets), Action.MY_TICKETS)])
    if view.subscribed:
        rows.append([button(t("button-unsubscribe"), Action.UNSUBSCRIBE)])
    return View(text, rows)


async def _unsubscribe(chat: MaxChat, data: dict[str, Any]) -> View:
    view = await customers.menu_view(data[PROJECT], data[SUBSCRIBER])
    row = [
        button(chat.t("button-unsubscribe-yes"), Action.UNSUBSCRIBE_YES),
        button(chat.t("button-back"), Action.MENU),
    ]
    return View(chat.t("unsubscribe-confirm", project=view.name), [row])


async def _types(chat: MaxChat, data: dict[str, Any]) -> View:
    types = await customers.ticket_types(data[PROJECT])
    descriptions = type_descriptions(types)
    rows = [[button(t.name[:64], Action.TYPE, short_id(t.id))] for t in types]
    rows.append([button(chat.t("button-back"), Action.MENU)])
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
    row = [button(chat.t("button-send"), Action.SEND)] if parts else []
    row.append(button(chat.t("button-cancel"), Action.MENU))
    return View(text, [row])


async def _thread(chat: MaxChat, data: dict[str, Any]) -> View:
    t = chat.t
    view = await customers.thread(data[SUBSCRIBER], data[TICKET], limit=HISTORY_LIMIT)
    closed = view.status == TicketStatus.CLOSED
    error = data.get(ERROR)
    text = _lines(
        t("thread-header", **thread_header(view, t)),
        render_history(view, t),
        t("thread-closed-hint") if closed else "",
        t("error-line", error=t(error)) if error else "",
    )
    row = [] if closed else [button(t("button-close-ticket"), Action.CLOSE)]
    row.append(button(t("button-back"), Action.BACK))
    return View(text, [row])


async def _confirm_close(chat: MaxChat, data: dict[str, Any]) -> View:
    view = await customers.thread(data[SUBSCRIBER], data[TICKET], limit=1)
    row = [
        button(chat.t("button-close-yes"), Action.CLOSE_YES),
        button(chat.t("button-close-no"), Action.CLOSE_NO),
    ]
    return View(chat.t("close-confirm", number=view.number), [row])


async def _my_tickets(chat: MaxChat, data: dict[str, Any]) -> View:
    t = chat.t
    found = await customer_flow.tickets_page(data[SUBSCRIBER], int(data.get(PAGE) or 0))
    buttons = [[button(ticket_row(r, t), Action.TICKET, short_id(r.id))] for r in found.rows]
    paging = []
    if found.has_prev:
        paging.append(button(t("button-prev"), Action.PAGE, str(found.page - 1)))
    if found.has_next:
        paging.append(button(t("button-next"), Action.PAGE, str(found.page + 1)))
    buttons += [paging, [button(t("button-back"), Action.MENU)]]
    text = _lines(
        t("my-tickets-title", page=found.page + 1, pages=found.pages),
        t("my-tickets-empty") if not found.rows else "",
    )
    return View(text, buttons)


async def _rating_comment(chat: MaxChat, data: dict[str, Any]) -> View:
    prompt = data.get(RATING_PROMPT) or ratings.Answer.ASK_COMMENT
    return View(chat.t(prompt), [[button(chat.t("button-rating-skip"), Action.RATING_SKIP)]])


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
    str(Screen.rating_comment): _rating_comment,
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
        await open_route(chat, await customer_entry.route_start(chat.customer))
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
    data = customer_flow.landing(route)
    state = _STATE[route.screen]
    if route.ticket_id:  # the "open ticket" button: its thread, [Back] to the menu
        data[BACK] = Action.MENU
        state = Screen.thread
    await chat.context.set_data(data)
    await chat.context.set_state(state)
    await show(chat)

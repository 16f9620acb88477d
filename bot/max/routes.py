"""What each screen of the MAX customer bot takes: its buttons (by `Nav` action) and, on the
screens one writes in, the customer's messages. One table, so a screen's handlers are found
in one place; the handlers live in the flow modules (consent, menu, new_ticket, ...)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from maxapi import F, Router
from maxapi.context.state_machine import State

from bot.max import consent, menu, my_tickets, new_ticket, rating, thread
from bot.max.payloads import Action, Nav
from bot.max.states import Screen

Handler = Callable[..., Awaitable[None]]

# (screen, {action: handler}); maxapi states are not hashable, hence pairs
BUTTONS: tuple[tuple[State, dict[str, Handler]], ...] = (
    (Screen.consent, {Action.SUBSCRIBE: consent.on_subscribe, Action.DECLINE: consent.on_decline}),
    (
        Screen.menu,
        {
            Action.NEW_TICKET: menu.on_new_ticket,
            Action.MY_TICKETS: menu.on_my_tickets,
            Action.UNSUBSCRIBE: menu.on_unsubscribe,
        },
    ),
    (
        Screen.unsubscribe,
        {Action.UNSUBSCRIBE_YES: menu.on_unsubscribe_yes, Action.MENU: menu.on_menu},
    ),
    (Screen.projects, {Action.PROJECT: menu.on_project}),
    (Screen.types, {Action.TYPE: new_ticket.on_type, Action.MENU: menu.on_menu}),
    (Screen.compose, {Action.SEND: new_ticket.on_send, Action.MENU: menu.on_menu}),
    (Screen.thread, {Action.CLOSE: thread.on_close, Action.BACK: thread.on_back}),
    (
        Screen.confirm_close,
        {Action.CLOSE_YES: thread.on_close_yes, Action.CLOSE_NO: thread.on_close_no},
    ),
    (
        Screen.my_tickets,
        {
            Action.TICKET: my_tickets.on_ticket,
            Action.PAGE: my_tickets.on_page,
            Action.MENU: menu.on_menu,
        },
    ),
    (Screen.rating_comment, {Action.RATING_SKIP: rating.on_skip}),
)

MESSAGES: tuple[tuple[State, Handler], ...] = (
    (Screen.compose, new_ticket.on_draft_message),  # collected into the new ticket
    (Screen.thread, thread.on_thread_message),  # added to the ticket
    (Screen.rating_comment, rating.on_comment),  # the rating's comment, not a ticket message
)


def screens_router() -> Router:
    router = Router(router_id=__name__)
    for screen, actions in BUTTONS:
        for action, handler in actions.items():
            router.message_callback.register(handler, _pressed(action), screen)
    for screen, handler in MESSAGES:
        router.message_created.register(handler, screen)
    return router


def _pressed(action: str) -> Any:
    return Nav.filter(F.action == action)

"""FSM states of the MAX customer bot: one per screen of the Telegram dialogs."""

from __future__ import annotations

from maxapi.context.state_machine import State, StatesGroup


class Screen(StatesGroup):
    consent = State()
    notice = State()
    projects = State()
    menu = State()
    unsubscribe = State()
    types = State()
    compose = State()
    thread = State()
    confirm_close = State()
    my_tickets = State()


# keys of the FSM data the MAX screens add to services.customer_flow's (PROJECT, TICKET, ...)
BACK = "back"  # where [Back] in a thread goes: the menu or my tickets
CHOSEN_TYPE = "chosen_type"  # the type of the ticket being composed

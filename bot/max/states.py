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


# keys of the FSM data (the ids the current screen works for)
PROJECT = "project"
SUBSCRIBER = "subscriber"
TICKET = "ticket"
TICKET_TYPE = "type"
TYPE_USED = "type_used"  # a deep link's preselected type serves the first ticket only
REQUEST = "request"
NOTICE = "notice"
NOTICE_ARGS = "notice_args"
PARTS = "parts"
ERROR = "error"
PAGE = "page"
BACK = "back"  # where [Back] in a thread goes: the menu or my tickets
CHOSEN_TYPE = "chosen_type"  # the type of the ticket being composed

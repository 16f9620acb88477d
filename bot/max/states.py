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
    rating_comment = State()  # after a survey press: the next text is the comment


# keys of the FSM data the MAX screens add to services.customer_flow's (PROJECT, TICKET, ...)
BACK = "back"  # where [Back] in a thread goes: the menu or my tickets
CHOSEN_TYPE = "chosen_type"  # the type of the ticket being composed
RATING_SURVEY = "rating_survey"  # the survey a comment joins (the rating_comment screen)
RATING_PROMPT = "rating_prompt"  # the answer that screen shows (asked, or asked for text)
RATING_BACK = "rating_back"  # the screen the customer was on before the press

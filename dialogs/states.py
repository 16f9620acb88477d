"""Dialog states: one StatesGroup per dialog (each group is one dialog module)."""

from aiogram.fsm.state import State, StatesGroup


class ConsentSG(StatesGroup):
    main = State()


class NoticeSG(StatesGroup):
    main = State()


class ProjectsSG(StatesGroup):
    main = State()


class MenuSG(StatesGroup):
    main = State()
    unsubscribe = State()


class TypePickerSG(StatesGroup):
    main = State()


class NewTicketSG(StatesGroup):
    compose = State()


class ThreadSG(StatesGroup):
    main = State()
    confirm_close = State()


class MyTicketsSG(StatesGroup):
    main = State()


class RatingSG(StatesGroup):
    comment = State()  # "anything to add?" after a survey press: the next text is the comment

"""aiogram-dialog flows of the customer bot, one module per dialog (see states.py)."""

from __future__ import annotations

from aiogram_dialog import Dialog


def create_dialogs() -> list[Dialog]:
    """Fresh Dialog objects: a dialog attaches to one Dispatcher only (tests build many)."""
    from dialogs.consent import consent_dialog
    from dialogs.menu import menu_dialog
    from dialogs.my_tickets import my_tickets_dialog
    from dialogs.new_ticket import new_ticket_dialog
    from dialogs.notice import notice_dialog
    from dialogs.projects import projects_dialog
    from dialogs.rating import rating_dialog
    from dialogs.thread import thread_dialog
    from dialogs.type_picker import type_picker_dialog

    # a dialog's router takes only its own states, so order is free: the ticket thread, where
    # customers write most, is tried first (each router passed costs every update its checks)
    return [
        thread_dialog(),
        consent_dialog(),
        notice_dialog(),
        projects_dialog(),
        menu_dialog(),
        type_picker_dialog(),
        new_ticket_dialog(),
        my_tickets_dialog(),
        rating_dialog(),
    ]

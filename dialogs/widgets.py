"""Shared widgets: Fluent-backed text (aiogram-dialog has no i18n of its own), a column of
choices, a yes/no question."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from aiogram.fsm.state import State
from aiogram_dialog import Window
from aiogram_dialog.api.protocols import DialogManager
from aiogram_dialog.widgets.common import WhenCondition
from aiogram_dialog.widgets.kbd import Button, Column, Row, Select, SwitchTo
from aiogram_dialog.widgets.kbd.button import OnClick
from aiogram_dialog.widgets.kbd.select import OnItemClick
from aiogram_dialog.widgets.text import Format, Text
from fluent.syntax import FluentParser
from fluent.syntax import ast as fluent_ast

from bot.presentation import clip
from delivery.telegram import TEXT_LIMIT as TELEGRAM_TEXT_LIMIT
from services.i18n import LOCALES_DIR, SUPPORTED, Translator, translator

TRANSLATOR_KEY = "translator"  # middleware data key set by bot/telegram/i18n.py


def translator_of(manager: DialogManager) -> Translator:
    return manager.middleware_data[TRANSLATOR_KEY]


def _scalars(source: Any) -> dict[str, Any]:
    if not isinstance(source, Mapping):
        return {}
    return {k: v for k, v in source.items() if isinstance(v, str | int | float)}


def _references(node: Any, variables: set[str], messages: set[str]) -> None:
    """Variable and message names a Fluent syntax node uses (recursively)."""
    if isinstance(node, fluent_ast.VariableReference):
        variables.add(node.id.name)
    elif isinstance(node, fluent_ast.MessageReference):
        messages.add(node.id.name)
    if isinstance(node, fluent_ast.BaseNode):
        for value in vars(node).values():
            for child in value if isinstance(value, list) else [value]:
                _references(child, variables, messages)


@lru_cache(maxsize=1)
def _message_variables() -> dict[str, frozenset[str]]:
    """Per message id, the variables it may read in any locale, through the messages it
    references too (they are formatted with the same arguments)."""
    direct: dict[str, tuple[set[str], set[str]]] = {}
    for locale in SUPPORTED:
        for path in sorted((LOCALES_DIR / locale).glob("*.ftl")):
            for entry in FluentParser().parse(path.read_text(encoding="utf-8")).body:
                if isinstance(entry, fluent_ast.Message):
                    found = direct.setdefault(entry.id.name, (set(), set()))
                    _references(entry, *found)

    def closure(key: str, seen: set[str]) -> set[str]:
        variables, messages = direct.get(key, (set(), set()))
        out = set(variables)
        for other in messages - seen:
            out |= closure(other, seen | {other})
        return out

    return {key: frozenset(closure(key, {key})) for key in direct}


@lru_cache(maxsize=4096)
def _render(locale: str, key: str, args: tuple[tuple[str, Any], ...]) -> str:
    """A key rendered with plain arguments: the same windows are drawn over and over (the
    thread after every message), so each distinct text is formatted by Fluent once."""
    return clip(translator(locale)(key, **dict(args)), TELEGRAM_TEXT_LIMIT)


class T(Text):
    """Renders a Fluent key; its arguments are the getter's plain values.

    Inside a Select/List the current item (a dict) is merged in, so `T("ticket-row")` can use
    the item's `number` and `subject`. The result is clipped to Telegram's message limit.
    """

    def __init__(self, key: str, when: WhenCondition = None, **fixed: Any) -> None:
        super().__init__(when=when)
        self.key = key
        self.fixed = fixed
        self._uses: frozenset[str] | None = None

    async def _render_text(self, data: dict[str, Any], manager: DialogManager) -> str:
        args = {**_scalars(data.get("data")), **_scalars(data), **_scalars(data.get("item"))}
        args.update(self.fixed)
        if self._uses is None:
            self._uses = _message_variables().get(self.key, frozenset())
        # only what the text reads: the cache key stays small and repeats (not the history)
        used = tuple((k, v) for k, v in args.items() if k in self._uses)
        return _render(translator_of(manager).locale, self.key, used)


def _item_id(item: dict[str, Any]) -> str:
    return str(item["id"])


def choices(
    widget_id: str, items: str, on_click: OnItemClick[Any, Any], label: str = "{item[name]}"
) -> Column:
    """A column of buttons, one per item of the getter's `items` list (dicts with an `id`)."""
    return Column(
        Select(Format(label), id=widget_id, item_id_getter=_item_id, items=items, on_click=on_click)
    )


def confirm_window(
    name: str, widget_id: str, on_yes: OnClick, state: State, back: State, getter: Any
) -> Window:
    """A yes/no question (close a ticket, unsubscribe): the text `<name>-confirm` over
    [button-<name>-yes] → `on_yes` and [button-<name>-no] → back to `back`, in one row."""
    return Window(
        T(f"{name}-confirm"),
        Row(
            Button(T(f"button-{name}-yes"), id=f"{widget_id}_yes", on_click=on_yes),
            SwitchTo(T(f"button-{name}-no"), id=f"{widget_id}_no", state=back),
        ),
        state=state,
        getter=getter,
    )

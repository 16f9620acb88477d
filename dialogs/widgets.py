"""Shared widgets: Fluent-backed text (aiogram-dialog has no i18n of its own)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from aiogram_dialog.api.protocols import DialogManager
from aiogram_dialog.widgets.common import WhenCondition
from aiogram_dialog.widgets.text import Text
from fluent.syntax import FluentParser
from fluent.syntax import ast as fluent_ast

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
    text = translator(locale)(key, **dict(args))
    if len(text) > TELEGRAM_TEXT_LIMIT:
        text = text[: TELEGRAM_TEXT_LIMIT - 1] + "…"
    return text


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

"""Every text exists in both locales and renders; the agent-reply hook re-renders the thread."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import TypeVar

import pytest
from fluent.runtime import FluentBundle, FluentResource
from fluent.syntax import FluentParser, ast

from bot.telegram.hooks import thread_refresher
from models import Ticket
from models.enums import Channel
from services import errors, tickets
from services.i18n import LOCALES_DIR, SUPPORTED
from tests.dialogs.conftest import CHAT_ID, Customer, new_user

ARGS = {
    "project": "Acme",
    "description": "About",
    "notice": "note",
    "count": 3,
    "messages": 2,
    "files": 1,
    "number": 42,
    "status": "open",
    "ticket_type": "Billing",
    "subject": "Subject",
    "text": "Hello",
    "time": datetime(2026, 3, 5, 12, 0, tzinfo=UTC),
    "page": 1,
    "pages": 2,
    "error": "oops",
}
LEFTOVER = re.compile(r"\{|\}|\?\?\?")
E = TypeVar("E")


def keys(locale: str) -> dict[str, set[str]]:
    found = {}
    for path in sorted((LOCALES_DIR / locale).glob("*.ftl")):
        resource = FluentParser().parse(path.read_text("utf-8"))
        found[path.name] = {e.id.name for e in resource.body if isinstance(e, ast.Message)}
        assert not [e for e in resource.body if isinstance(e, ast.Junk)], path
    return found


def test_every_locale_has_the_same_keys():
    english = keys("en")
    for locale in SUPPORTED:
        assert keys(locale) == english, locale


@pytest.mark.parametrize("locale", SUPPORTED)
def test_every_bot_key_renders_without_errors(locale):
    bundle = FluentBundle([locale], use_isolating=False)
    bundle.add_resource(FluentResource((LOCALES_DIR / locale / "bot.ftl").read_text("utf-8")))
    for key in keys(locale)["bot.ftl"]:
        for count in (0, 1, 3, 5, 21):
            args = {**ARGS, "count": count, "messages": count or 1, "files": count}
            pattern = bundle.get_message(key).value
            assert pattern is not None, (locale, key)  # a key with attributes only
            text, problems = bundle.format_pattern(pattern, args)
            assert not problems, (locale, key, problems)
            assert isinstance(text, str), (locale, key, text)
            assert text.strip() and not LEFTOVER.search(text), (locale, key, text)


def test_every_domain_error_has_a_text():
    codes = {cls.code for cls in _subclasses(errors.HelpdeskError)} | {"internal_error"}
    every_key = set().union(*keys("en").values())  # a feature keeps its own keys in its file
    for code in codes:
        assert f"error-{code}" in every_key, code


def _subclasses(cls: type[E]) -> set[type[E]]:
    return {c for s in cls.__subclasses__() for c in (s, *_subclasses(s))}


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_every_window_renders_in_both_locales(db, bot_dp, project, language):
    dp, mm = bot_dp
    customer = Customer(dp, mm, new_user(language=language))
    texts = await walk(customer, project)
    assert len(texts) > 20
    for text in texts:
        assert text.strip() and not LEFTOVER.search(text), text
    joined = "\n".join(texts)
    if language == "ru":
        assert "Подписаться" in joined and "Обращение №1" in joined and "Subscribe" not in joined


async def walk(customer: Customer, project) -> list[str]:
    from aiogram_dialog.test_tools.keyboard import InlineButtonPositionLocator

    from services import catalog

    await catalog.create_ticket_type(project, name="Billing")
    seen: list[str] = []

    def grab() -> None:
        for message in customer.mm.sent_messages:
            if message.text:
                seen.append(message.text)
            if message.reply_markup:
                seen.extend(b.text for row in message.reply_markup.inline_keyboard for b in row)

    async def click(row: int, column: int = 0) -> None:
        target = customer.last()
        customer.mm.reset_history()
        await customer.client.click(target, InlineButtonPositionLocator(row, column))
        grab()

    await customer.send(f"/start help_{project.slug}")
    grab()
    await click(0, 0)  # subscribe → menu
    await click(0)  # new ticket → type picker
    await click(0)  # Billing → compose
    await customer.send("Printer on fire\nsecond line")
    grab()
    await click(0, 0)  # send → thread
    await click(0, 0)  # close → confirm
    await click(0, 0)  # yes → closed thread
    await click(0, 0)  # back → menu
    await click(1)  # my tickets
    await click(1)  # back → menu
    await click(2)  # unsubscribe → confirm
    await click(0, 1)  # back → menu
    await click(2)
    await click(0, 0)  # yes → notice
    return seen


async def test_agent_reply_rerenders_the_thread_below_it(customer, project, bot_dp):
    dp, mm = bot_dp
    await customer.send(f"/start help_{project.slug}")
    await customer.click("✅ Subscribe")
    await customer.click("📝 New ticket")
    await customer.send("Where is my parcel?")
    await customer.click("📨 Send")
    ticket = await Ticket.get(subscriber__chat_id=CHAT_ID)
    await tickets.agent_reply(project, ticket.id, "It ships tomorrow")

    bg_factory = dp["bg_factory"]
    hook = thread_refresher(bg_factory, customer.client.bot)
    mm.reset_history()
    # a "ticket created" notice carries its own button: no re-render for it
    created = SimpleNamespace(
        channel="telegram",
        chat_id=CHAT_ID,
        ticket_id=ticket.id,
        payload={"ticket_id": str(ticket.id), "buttons": [[{"text": "Open"}]]},
    )
    await hook(created, {"message_id": 1})
    assert mm.sent_messages == []

    reply = SimpleNamespace(
        channel="telegram", chat_id=CHAT_ID, ticket_id=ticket.id, payload={"text": "..."}
    )
    await hook(reply, {"message_id": 2})
    assert "It ships tomorrow" in customer.text() and "Ticket #1" in customer.text()
    assert "💬 answered" in customer.text()


async def test_agent_reply_takes_a_customer_in_the_menu_to_the_ticket(customer, project, bot_dp):
    dp, mm = bot_dp
    ticket = await tickets.create_ticket(
        project,
        tickets.NewTicket(text="From the site", channel=Channel.TELEGRAM, chat_id=CHAT_ID),
    )
    await customer.send("/start")
    assert "helpdesk" in customer.text()
    await tickets.agent_reply(project, ticket.id, "Answer from an agent")
    hook = thread_refresher(dp["bg_factory"], customer.client.bot)
    mm.reset_history()
    reply = SimpleNamespace(channel="telegram", chat_id=CHAT_ID, ticket_id=ticket.id, payload={})
    await hook(reply, None)
    assert "Answer from an agent" in customer.text()
    await customer.click("⬅️ Back")
    assert "helpdesk" in customer.text()

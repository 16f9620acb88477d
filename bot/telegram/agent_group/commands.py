"""Commands inside a ticket topic (or in reply to a ticket message in a plain group)."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.telegram.agent_group.context import acting_agent, reply, ticket_of, user_t
from bot.telegram.agent_group.relay import save_agent_message
from models import Agent, Project, Ticket
from models.enums import TicketStatus
from services import agent_chat, tickets
from services.i18n import Translator


def commands_router() -> Router:
    router = Router(name="agent_group.commands")
    router.message.register(on_assign, Command("assign"))
    router.message.register(on_priority, Command("priority"))
    router.message.register(on_status, Command("status"))
    router.message.register(on_close, Command("close"))
    router.message.register(on_reopen, Command("reopen"))
    router.message.register(on_note, Command("note"))
    return router


async def _target(
    message: Message, bot: Bot, project: Project
) -> tuple[Ticket, Agent, Translator] | None:
    """The ticket and the acting agent, or None (after telling the agent why, if useful)."""
    t = user_t(message.from_user)
    agent = await acting_agent(bot, project, message.chat.id, message.from_user)
    if agent is None:
        return None
    ticket = await ticket_of(project, message)
    if ticket is None:
        await reply(message, t("agent-not-a-ticket"))
        return None
    return ticket, agent, t


async def on_assign(message: Message, command: CommandObject, bot: Bot, project: Project) -> None:
    target = await _target(message, bot, project)
    if target is None:
        return
    ticket, agent, t = target
    if not command.args:
        await reply(message, t("agent-usage-assign"))
        return
    assignee = await agent_chat.find_agent(project, command.args, agent)
    await tickets.assign(project, ticket.id, assignee.id)
    await reply(message, t("agent-assigned", agent=assignee.name))


async def on_priority(message: Message, command: CommandObject, bot: Bot, project: Project) -> None:
    target = await _target(message, bot, project)
    if target is None:
        return
    ticket, _, t = target
    if not command.args:
        await reply(message, t("agent-usage-priority"))
        return
    changed = await tickets.set_priority(project, ticket.id, command.args.strip().lower())
    await reply(message, t("agent-priority-set", priority=t(f"agent-priority-{changed.priority}")))


async def on_status(message: Message, command: CommandObject, bot: Bot, project: Project) -> None:
    target = await _target(message, bot, project)
    if target is None:
        return
    ticket, _, t = target
    if not command.args:
        await reply(message, t("agent-usage-status"))
        return
    await _set_status(message, project, ticket, command.args.strip().lower(), t)


async def on_close(message: Message, bot: Bot, project: Project) -> None:
    target = await _target(message, bot, project)
    if target is not None:
        await _set_status(message, project, target[0], TicketStatus.CLOSED, target[2])


async def on_reopen(message: Message, bot: Bot, project: Project) -> None:
    target = await _target(message, bot, project)
    if target is not None:
        await _set_status(message, project, target[0], TicketStatus.OPEN, target[2])


async def _set_status(
    message: Message, project: Project, ticket: Ticket, status: str, t: Translator
) -> None:
    changed = await tickets.change_status(project, ticket.id, status)
    await reply(message, t("agent-status-set", status=t(f"agent-status-{changed.status}")))


async def on_note(message: Message, command: CommandObject, bot: Bot, project: Project) -> None:
    target = await _target(message, bot, project)
    if target is None:
        return
    ticket, agent, t = target
    if not command.args:
        await reply(message, t("agent-usage-note"))
        return
    await save_agent_message(project, ticket, agent, message, text=command.args, internal=True)
    await reply(message, t("agent-note-saved"))

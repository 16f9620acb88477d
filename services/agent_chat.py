"""A project's agent chat (a Telegram group or a MAX chat): binding it with a one-time code,
handing over from a chat bound before, a chat lost and found again or migrated to a
supergroup, and a project's ticket as agents there reach it.

Edits on either side are `services.agent_chat_edits`; what the agent-event senders read and
record is `services.agent_chat_events`. What agents do in a bound chat (messages, commands,
card buttons) goes through `services.agent_desk`; every change to a ticket still goes
through `services.tickets`, so webhooks fire exactly as for the REST API.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import timedelta

from tortoise.transactions import in_transaction

from models import AgentChatCode, OutboundMessage, Project, Ticket
from models.enums import Channel, DeliveryStatus
from services import clock, notifications, ticket_queries
from services.errors import NotFound, ValidationFailed
from services.outbox import enqueue_message
from services.validation import parse_uuid

log = logging.getLogger(__name__)

CODE_TTL = timedelta(minutes=15)
# outbound kind: a short localized notice to an agent chat (payload: key + its arguments)
AGENT_CHAT_NOTICE = "agent_chat_notice"


class CodeUnknown(ValidationFailed):
    """No such binding code, or it was already used."""


class CodeExpired(ValidationFailed):
    """The binding code is older than 15 minutes."""


@dataclass(frozen=True)
class ChatRef:
    platform: Channel
    chat_id: int


@dataclass(frozen=True)
class BoundChat:
    """A chat bound to a project as its agent chat."""

    project_id: uuid.UUID
    project_name: str
    chat_id: int
    is_forum: bool
    platform: Channel = Channel.TELEGRAM
    replaced: ChatRef | None = None  # the project's agent chat before this binding

    @classmethod
    def of(cls, project: Project) -> BoundChat:
        assert project.agent_chat_id is not None
        return cls(
            project.id,
            project.name,
            project.agent_chat_id,
            project.agent_chat_is_forum,
            Channel(project.agent_chat_platform),
        )


# --- binding ---------------------------------------------------------------------------


async def create_binding_code(project_id: object) -> AgentChatCode:
    """A one-time code for `/connect CODE`, valid for 15 minutes."""
    project = await Project.get_or_none(id=parse_uuid(project_id, what="project"))
    if project is None:
        raise NotFound("project not found")
    code = secrets.token_urlsafe(9).replace("-", "x").replace("_", "y")
    return await AgentChatCode.create(code=code, project=project, expires_at=clock.now() + CODE_TTL)


async def bind_chat(
    code: str, chat_id: int, *, is_forum: bool, platform: Channel = Channel.TELEGRAM
) -> BoundChat:
    """Use the code: the chat becomes the project's agent chat (and no other project's).

    A project has one agent chat, in Telegram or MAX: a chat bound before is told it no longer
    is (a notice queued in the same transaction), and the agent events still waiting for it
    move to the new chat, so nothing a customer sent meanwhile is lost."""
    code = (code or "").strip()
    async with in_transaction():
        record = await AgentChatCode.filter(code=code).select_for_update().first() if code else None
        if record is None or record.used_at is not None:
            raise CodeUnknown("unknown or used code")
        if record.expires_at <= clock.now():
            raise CodeExpired("the code has expired")
        record.used_at = clock.now()
        await record.save(update_fields=["used_at"])
        await (
            Project.filter(agent_chat_id=chat_id, agent_chat_platform=platform)
            .exclude(id=record.project_id)
            .update(agent_chat_id=None, agent_chat_is_forum=False)
        )
        before = await Project.filter(id=record.project_id).select_for_update().get()
        replaced = _previous_chat(before, platform, chat_id)
        await Project.filter(id=record.project_id).update(
            agent_chat_id=chat_id,
            agent_chat_is_forum=is_forum,
            agent_chat_platform=platform,
            agent_chat_lost_at=None,
        )
        if replaced is not None:
            await _hand_over(before, replaced, platform, chat_id)
    bound = BoundChat.of(await Project.get(id=record.project_id))
    return replace(bound, replaced=replaced)


def _previous_chat(project: Project, platform: Channel, chat_id: int) -> ChatRef | None:
    if project.agent_chat_id is None:
        return None
    previous = ChatRef(Channel(project.agent_chat_platform), project.agent_chat_id)
    return None if previous == ChatRef(platform, chat_id) else previous


async def _hand_over(project: Project, old: ChatRef, platform: Channel, chat_id: int) -> None:
    """The old chat hears where the agents went; its waiting agent events go there too."""
    await enqueue_message(
        channel=str(old.platform),
        chat_id=old.chat_id,
        kind=AGENT_CHAT_NOTICE,
        payload={"key": "agent-chat-moved", "project": project.name, "to": str(platform)},
        project_id=project.id,
    )
    await OutboundMessage.filter(
        project_id=project.id,
        kind=notifications.AGENT_EVENT,
        status=DeliveryStatus.PENDING,
        channel=str(old.platform),
        chat_id=old.chat_id,
    ).update(channel=str(platform), chat_id=chat_id)


async def unbind_chat(chat_id: int, platform: Channel = Channel.TELEGRAM) -> BoundChat | None:
    """The binding removed, or None when the chat was not bound."""
    project = await project_for_chat(chat_id, platform)
    if project is None:
        return None
    await Project.filter(id=project.id).update(
        agent_chat_id=None, agent_chat_is_forum=False, agent_chat_lost_at=None
    )
    return BoundChat.of(project)


async def project_for_chat(chat_id: int, platform: Channel = Channel.TELEGRAM) -> Project | None:
    return await Project.filter(agent_chat_id=chat_id, agent_chat_platform=platform).first()


async def mark_lost(chat_id: int, platform: Channel) -> Project | None:
    """The bot was removed from the agent chat: the binding stays (add the bot back and its
    events go out), the agent events wait in the outbox, REST still reads everything."""
    project = await project_for_chat(chat_id, platform)
    if project is None:
        return None
    if project.agent_chat_lost_at is None:
        project.agent_chat_lost_at = clock.now()
        await Project.filter(id=project.id).update(agent_chat_lost_at=project.agent_chat_lost_at)
        log.warning(
            "agent chat %s (%s) of project %s is lost: the bot was removed from it; "
            "agent events wait until it is added back",
            chat_id, platform, project.id,
        )
    return project


async def mark_found(chat_id: int, platform: Channel) -> Project | None:
    """The bot is back in a lost agent chat: the waiting events go out on their next try."""
    project = await project_for_chat(chat_id, platform)
    if project is None or project.agent_chat_lost_at is None:
        return project
    await Project.filter(id=project.id).update(agent_chat_lost_at=None)
    project.agent_chat_lost_at = None
    log.info("agent chat %s (%s) of project %s is back", chat_id, platform, project.id)
    return project


async def migrate_chat(old_chat_id: int, new_chat_id: int) -> Project | None:
    """A group became a supergroup: move the binding and the tickets' topic records."""
    async with in_transaction():
        project = await project_for_chat(old_chat_id, Channel.TELEGRAM)
        if project is None:
            return None
        await Project.filter(id=project.id).update(agent_chat_id=new_chat_id)
        # a migrated group has no topics yet: the old message ids mean nothing there
        await Ticket.filter(project_id=project.id, agent_chat_id=old_chat_id).update(
            agent_chat_id=new_chat_id, agent_topic_id=None, agent_card_message_id=None
        )
        await OutboundMessage.filter(
            project_id=project.id, chat_id=old_chat_id, sent_at=None
        ).update(chat_id=new_chat_id)
    return await Project.get(id=project.id)


async def set_forum(project: Project, is_forum: bool) -> None:
    if project.agent_chat_is_forum != is_forum:
        await Project.filter(id=project.id).update(agent_chat_is_forum=is_forum)
        project.agent_chat_is_forum = is_forum


# --- tickets ----------------------------------------------------------------------------


async def ticket_of_project(project: Project, ticket_id: object) -> Ticket:
    ticket = await Ticket.filter(
        id=parse_uuid(ticket_id, what="ticket"), project_id=project.id
    ).first()
    if ticket is None:
        raise NotFound("ticket not found")
    return await ticket_queries.load(ticket)

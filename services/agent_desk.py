"""The agent desk: one use case per update in a bound agent chat, whatever the messenger.

A front end turns its update into a `DeskMessage` (a message or an edit), a `DeskCommand` or a
`DeskPress` (a card button), hands over the one thing only it can answer — "is this user a
member of that chat?" — as `is_member`, and renders the `DeskResult` it gets back (that
vocabulary is `services.agent_desk_types`). Everything else is decided here: whether the chat
is bound, who may act (a known agent, or a member of the chat, registered on first action),
which ticket the update is about (its topic, or the message it replies to), the `!` note rule,
and the ticket use case it ends in. `/r` and `/find` enter here too and are carried out by
`services.agent_desk_canned` and `services.agent_desk_find`.

An agent's reply travels in four hops: the messenger handler (`bot/telegram/agent_group/
relay.py`) → `post` here → `tickets.agent_reply`, which stores the message and writes the
customer's `OutboundMessage` in the same transaction → the delivery worker, which sends it to
the customer's chat.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from models import Agent, Project, Ticket
from models.enums import Channel, MessageSource, Priority, TicketStatus
from services import (
    agent_chat,
    agent_chat_edits,
    agent_chat_events,
    agent_chat_posts,
    agent_desk_canned,
    agent_desk_find,
    catalog,
    ticket_queries,
    tickets,
)
from services.agent_desk_types import (
    IGNORED,
    AgentRef,
    CardButton,
    Command,
    DeskCommand,
    DeskMessage,
    DeskPress,
    DeskResult,
    DeskUser,
    IsMember,
    Outcome,
    TicketCard,
    TypeRef,
)
from services.errors import NotFound, ValidationFailed

NOTE_PREFIX = "!"  # "!text" in a ticket's place is an internal note, not a reply
COMMAND_PREFIX = "/"
_USER_ID_FIELDS = {Channel.TELEGRAM: "telegram_user_id", Channel.MAX: "max_user_id"}

_TAKES_ARGUMENT = (Command.ASSIGN, Command.PRIORITY, Command.STATUS, Command.NOTE)
# the close and reopen commands and buttons share their words
_STATUS_OF: dict[str, TicketStatus] = {"close": TicketStatus.CLOSED, "reopen": TicketStatus.OPEN}
_MENUS = (CardButton.PRIORITY_MENU, CardButton.STATUS_MENU)


# --- the use cases: one per update ------------------------------------------------------


async def post(message: DeskMessage, is_member: IsMember) -> DeskResult:
    """An agent's message in a ticket's place: a reply to the customer, or a `!` note."""
    if message.as_chat or (not message.attachments and message.text.startswith(COMMAND_PREFIX)):
        return IGNORED  # channel posts, anonymous admins, commands this bot does not know
    if message.user is None or message.user.is_bot:
        return IGNORED  # bots (this one's own posts included) are never answered
    project = await _bound_project(message)
    if project is None:
        return IGNORED
    ticket = await _ticket_of(project, message)
    if ticket is None:
        # ordinary talk between agents: where a ticket's place is a reply (a chat without
        # topics), the front end may hint how to answer a ticket
        return DeskResult(Outcome.NO_TICKET)
    agent = await _acting_agent(project, message, is_member)
    if agent is None:
        return IGNORED
    text, internal = _without_note_prefix(message.text)
    await _save_reply(project, ticket, agent, message, text, internal=internal)
    return DeskResult(Outcome.NOTE_SAVED if internal else Outcome.REPLIED)


async def edit(message: DeskMessage, is_member: IsMember) -> DeskResult:
    """An agent edited a relayed message: within 48 hours the customer's copy follows."""
    acting = await _project_and_agent(message, is_member)
    if acting is None:
        return IGNORED
    project, _agent = acting
    text, _ = _without_note_prefix(message.text)
    try:
        edited = await agent_chat_edits.agent_edited(
            project, message.chat_id, message.message_id, text
        )
    except agent_chat_edits.EditTooLate:
        return DeskResult(Outcome.EDIT_TOO_LATE)
    return DeskResult(Outcome.EDITED) if edited is not None else IGNORED


async def command(request: DeskCommand, is_member: IsMember) -> DeskResult:
    """/assign, /priority, /status, /close, /reopen, /note, /r in a ticket's place; /find
    anywhere in the chat."""
    message = request.message
    acting = await _project_and_agent(message, is_member)
    if acting is None:
        return IGNORED
    project, agent = acting
    args = request.args
    if request.command == Command.FIND:  # a search needs no ticket's place
        return await agent_desk_find.command(project, args)
    ticket = await _ticket_of(project, message)
    if ticket is None:
        return DeskResult(Outcome.NO_TICKET)
    if request.command in _TAKES_ARGUMENT and not args:
        return DeskResult(Outcome.USAGE, command=request.command)
    if request.command == Command.REPLY:
        return await agent_desk_canned.command(project, ticket, agent, args)
    if request.command == Command.ASSIGN:
        assignee = await _assignee(project, args or "", agent)
        await tickets.assign(project, ticket.id, assignee.id)
        return DeskResult(Outcome.ASSIGNED, assignee=assignee.name)
    if request.command == Command.PRIORITY:
        changed = await tickets.set_priority(project, ticket.id, _word(args))
        return DeskResult(Outcome.PRIORITY_SET, priority=Priority(changed.priority))
    if request.command == Command.NOTE:
        await _save_reply(project, ticket, agent, message, args, internal=True)
        return DeskResult(Outcome.NOTE_SAVED)
    status = _STATUS_OF.get(request.command) or _word(args)
    changed = await tickets.change_status(project, ticket.id, status, reason=tickets.REASON_AGENT)
    return DeskResult(Outcome.STATUS_SET, status=TicketStatus(changed.status))


async def press(button: DeskPress, is_member: IsMember) -> DeskResult:
    """A button on a ticket card: take it, set priority or status, close, reopen, or open a
    sub-menu. The result carries the card as it now stands, to redraw it at once."""
    project = await _bound_project(button)
    if project is None:
        return IGNORED
    if not button.card_editable:
        return DeskResult(Outcome.STALE)
    agent = await _acting_agent(project, button, is_member)
    if agent is None:
        return DeskResult(Outcome.NOT_ALLOWED)
    ticket = await agent_chat.ticket_of_project(project, button.ticket)
    result = DeskResult(Outcome.MENU)
    if button.button == CardButton.TAKE:
        ticket = await tickets.assign(project, ticket.id, agent.id)
        result = DeskResult(Outcome.ASSIGNED, assignee=agent.name)
    elif button.button in _MENUS:
        result = DeskResult(Outcome.MENU, menu=CardButton(button.button))
    elif button.button == CardButton.SET_PRIORITY:
        ticket = await tickets.set_priority(project, ticket.id, button.value)
        result = DeskResult(Outcome.PRIORITY_SET, priority=Priority(ticket.priority))
    elif button.button in (CardButton.SET_STATUS, CardButton.CLOSE, CardButton.REOPEN):
        status = _STATUS_OF.get(button.button) or button.value
        ticket = await tickets.change_status(
            project, ticket.id, status, reason=tickets.REASON_AGENT
        )
        result = DeskResult(Outcome.STATUS_SET, status=TicketStatus(ticket.status))
    await agent_chat_events.with_timezone(ticket)
    return replace(result, card=card_of(await ticket_queries.load(ticket)))


async def pick_canned(pick: DeskPress, is_member: IsMember) -> DeskResult:
    """A button of the `/r` list: `pick.ticket` is the ticket's number, `pick.value` the
    canned reply's id (the button data must stay within 64 bytes)."""
    project = await _bound_project(pick)
    if project is None:
        return IGNORED
    agent = await _acting_agent(project, pick, is_member)
    if agent is None:
        return DeskResult(Outcome.NOT_ALLOWED)
    return await agent_desk_canned.pick(project, agent, pick.ticket, pick.value)


# --- who may act -----------------------------------------------------------------------


async def is_known_agent(
    project: Project, user_id: int, platform: Channel = Channel.TELEGRAM
) -> bool:
    platform_user = {_USER_ID_FIELDS[platform]: user_id}
    # a removed agent is asked about again (still a member of the group: an agent again)
    return await Agent.filter(project_id=project.id, removed_at=None, **platform_user).exists()


async def _bound_project(update: DeskMessage | DeskPress) -> Project | None:
    """The project whose agent chat this is, in this messenger."""
    return await agent_chat.project_for_chat(update.chat_id, update.platform)


async def _acting_agent(
    project: Project, update: DeskMessage | DeskPress, is_member: IsMember
) -> Agent | None:
    """The agent behind a chat member's action, registered on their first action; None for
    bots and for people who are not members of the bound chat."""
    user = update.user
    if user is None or user.is_bot:
        return None
    if not await is_known_agent(project, user.id, update.platform) and not await is_member(
        update.chat_id, user.id
    ):
        return None
    return await _registered(project, update.platform, user)


async def _project_and_agent(
    message: DeskMessage, is_member: IsMember
) -> tuple[Project, Agent] | None:
    project = await _bound_project(message)
    if project is None:
        return None
    agent = await _acting_agent(project, message, is_member)
    return (project, agent) if agent is not None else None


async def _registered(project: Project, platform: Channel, user: DeskUser) -> Agent:
    if platform not in _USER_ID_FIELDS:
        raise ValidationFailed(f"agents are not registered from {platform} chats")
    return await catalog.register_agent(
        project.id, _USER_ID_FIELDS[platform], user.id, user.name, user.username
    )


async def _assignee(project: Project, ref: str, me: Agent) -> Agent:
    """`/assign me` or `/assign @username` (an agent already seen in the chat)."""
    ref = ref.strip()
    if ref.lower() in ("me", ""):
        return me
    agent = await Agent.filter(
        project_id=project.id, username__iexact=ref.lstrip("@"), removed_at=None
    ).first()
    if agent is None:
        raise NotFound(f"agent {ref} not found")
    return agent


# --- which ticket ----------------------------------------------------------------------


async def _ticket_of(project: Project, message: DeskMessage) -> Ticket | None:
    """A topic message → that topic's ticket; otherwise the ticket of the replied-to message
    (its card, or a relayed message of it), looked up in this order. A MAX message id is a
    string: its ticket is found in the chat's post records."""
    if isinstance(message.reply_to_id, str):
        return await agent_chat_posts.ticket_of(project, message.chat_id, message.reply_to_id)
    places: list[dict[str, Any]] = []
    if message.topic_id is not None:
        places.append({"agent_topic_id": message.topic_id})
    if message.reply_to_id is not None:
        places.append({"agent_card_message_id": message.reply_to_id})
        places.append({"messages__agent_chat_message_id": message.reply_to_id})
    for place in places:
        ticket = await Ticket.filter(
            project_id=project.id, agent_chat_id=message.chat_id, **place
        ).first()
        if ticket is not None:
            return ticket
    return None


# --- helpers ---------------------------------------------------------------------------


def _without_note_prefix(text: str) -> tuple[str, bool]:
    """("!text") → ("text", internal)."""
    if text.startswith(NOTE_PREFIX):
        return text[len(NOTE_PREFIX) :], True
    return text, False


def _word(args: str | None) -> str:
    return (args or "").strip().lower()


async def _save_reply(
    project: Project,
    ticket: Ticket,
    agent: Agent,
    message: DeskMessage,
    text: str | None,
    *,
    internal: bool,
) -> None:
    """Store the agent's message; a public one also queues the customer's copy (the outbox
    row is written in the same transaction, see `tickets.agent_reply`). A MAX message is
    recorded as the ticket's, so a reply to it finds the ticket too."""
    telegram_id = message.message_id if isinstance(message.message_id, int) else None
    saved = await tickets.agent_reply(
        project,
        ticket.id,
        text,
        internal=internal,
        agent_id=agent.id,
        source=MessageSource.AGENT_CHAT,
        attachments=message.attachments,
        agent_chat_message_id=telegram_id,
    )
    if isinstance(message.message_id, str):
        await agent_chat_posts.record(
            ticket, message.chat_id, message.message_id, agent_chat_posts.AGENT, saved.id
        )


def card_of(ticket: Ticket) -> TicketCard:
    """The card view of a ticket whose type and assignee are fetched (`ticket_queries.load`)."""
    ticket_type, assignee = ticket.ticket_type, ticket.assignee
    return TicketCard(
        id=ticket.id,
        number=ticket.number,
        subject=ticket.subject,
        status=TicketStatus(ticket.status),
        priority=Priority(ticket.priority),
        channel=Channel(ticket.channel),
        customer_first_name=ticket.customer_first_name,
        customer_username=ticket.customer_username,
        ticket_type=TypeRef(ticket_type.name) if ticket_type else None,
        assignee=AgentRef(assignee.name, assignee.username) if assignee else None,
        sla_warn_before_minutes=ticket.sla_warn_before_minutes,
        sla_due_at=ticket.sla_due_at,
        sla_first_response_due_at=ticket.sla_first_response_due_at,
        sla_next_response_due_at=ticket.sla_next_response_due_at,
        sla_resolution_due_at=ticket.sla_resolution_due_at,
        sla_timezone=getattr(ticket, "sla_timezone", "UTC"),
    )

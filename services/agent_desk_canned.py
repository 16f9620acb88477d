"""`/r` in an agent chat: a project's canned reply sent to the ticket's customer.

`/r` alone lists the replies (`CANNED_MENU`, a button each where the messenger has buttons),
`/r CODE [extra text]` sends one (`CANNED_SENT`), an unknown code sends nothing and names the
nearest codes (`CANNED_UNKNOWN`); a press on a listed reply sends it as `/r CODE` would.
`services.agent_desk` has already decided who acts and on which ticket (`command`,
`pick_canned`); what is sent takes the typed reply's path, `tickets.agent_reply`.
"""

from __future__ import annotations

import uuid

from models import Agent, Project, Ticket
from models.enums import MessageSource
from services import canned_replies, tickets
from services.agent_desk_types import CannedChoice, DeskResult, Outcome
from services.errors import NotFound


async def command(project: Project, ticket: Ticket, agent: Agent, args: str | None) -> DeskResult:
    """`/r` lists the replies; `/r CODE [extra]` sends one; an unknown code sends nothing."""
    if not args or not args.strip():
        replies = await canned_replies.list_replies(project)
        choices = tuple(CannedChoice(r.id, r.code, r.title) for r in replies)
        return DeskResult(Outcome.CANNED_MENU, ticket_number=ticket.number, choices=choices)
    code, *rest = args.strip().split(maxsplit=1)
    reply = await canned_replies.reply_by_code(project, code)
    if reply is None:
        near = await canned_replies.nearest_codes(project, code)
        return DeskResult(Outcome.CANNED_UNKNOWN, code=code, suggestions=tuple(near))
    return await _send(project, ticket, agent, reply.id, rest[0] if rest else None)


async def pick(project: Project, agent: Agent, ticket_number: str, reply_id: str) -> DeskResult:
    """A press on the `/r` list: the ticket by its number (as the button carries it), the
    canned reply by its id."""
    number = int(ticket_number) if ticket_number.isdigit() else 0
    ticket = await Ticket.filter(project_id=project.id, number=number).first()
    if ticket is None:
        raise NotFound("ticket not found")
    reply = await canned_replies.get_reply(project, reply_id)
    return await _send(project, ticket, agent, reply.id, None)


async def _send(
    project: Project, ticket: Ticket, agent: Agent, reply_id: uuid.UUID, extra: str | None
) -> DeskResult:
    """The same path as a typed reply (`tickets.agent_reply` from the agent chat): the
    customer's copy, the webhook and the status change in one transaction."""
    message = await tickets.agent_reply(
        project,
        ticket.id,
        extra,
        agent_id=agent.id,
        source=MessageSource.AGENT_CHAT,
        canned_reply_id=reply_id,
    )
    return DeskResult(Outcome.CANNED_SENT, text=message.text)

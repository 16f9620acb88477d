"""/v1/helpdesk/tickets: thin views — parse, call one use case, render its view."""

from __future__ import annotations

from aiohttp import web

from api import schemas
from api.context import Operation, caller_of
from api.parsing import json, parse_body, parse_query
from models.enums import MessageSource
from services import customer_messages, search, ticket_queries, tickets
from services.serializers import message_view, ticket_summary


async def create_ticket(request: web.Request) -> web.Response:
    body = await parse_body(request, schemas.CreateTicket)
    # the body's fields are NewTicket's own (the schema is the REST face of it)
    new = tickets.NewTicket(**body.model_dump())
    ticket = await tickets.create_ticket(caller_of(request).project, new)
    return json(ticket_summary(ticket), status=201)


async def list_tickets(request: web.Request) -> web.Response:
    query = parse_query(request, schemas.ListQuery)
    found, total = await search.search_tickets(
        caller_of(request).project,
        query.q,
        statuses=query.statuses(),
        assigned_to=query.assigned_to,
        channel=query.channel,
        sla=query.sla,
        sort=query.sort,
        limit=query.limit,
        offset=query.offset,
    )
    return json(
        {
            "tickets": found,
            "total": total,
            "limit": query.limit,
            "offset": query.offset,
        }
    )


async def get_ticket(request: web.Request) -> web.Response:
    project, ticket_id = caller_of(request).project, request.match_info["id"]
    return json(await ticket_queries.ticket_details_view(project, ticket_id))


async def agent_reply(request: web.Request) -> web.Response:
    body = await parse_body(request, schemas.AgentReply)
    message = await tickets.agent_reply(
        caller_of(request).project,
        request.match_info["id"],
        body.text,
        internal=body.internal,
        agent_id=body.user_id,
        canned_reply_id=body.canned_reply_id,
    )
    return json(message_view(message), status=201)


async def customer_reply(request: web.Request) -> web.Response:
    body = await parse_body(request, schemas.CustomerReply)
    project, ticket_id = caller_of(request).project, request.match_info["id"]
    written = await customer_messages.customer_message(
        project, ticket_id, body.text, source=MessageSource.API
    )
    return json(message_view(written.message), status=201)


async def change_status(request: web.Request) -> web.Response:
    body = await parse_body(request, schemas.ChangeStatus)
    project, ticket_id = caller_of(request).project, request.match_info["id"]
    ticket = await tickets.change_status(project, ticket_id, body.status)
    return json(ticket_summary(ticket))


async def assign(request: web.Request) -> web.Response:
    body = await parse_body(request, schemas.Assign)
    project, ticket_id = caller_of(request).project, request.match_info["id"]
    ticket = await tickets.assign(project, ticket_id, body.user_id)
    return json(ticket_summary(ticket))


async def set_priority(request: web.Request) -> web.Response:
    body = await parse_body(request, schemas.SetPriority)
    project, ticket_id = caller_of(request).project, request.match_info["id"]
    ticket = await tickets.set_priority(project, ticket_id, body.priority)
    return json(ticket_summary(ticket))


_TICKET = "/tickets/{id}"
_TAG = "tickets"
OPERATIONS = [
    Operation(
        "POST", "/tickets", create_ticket, "create_ticket", "Create a ticket", _TAG,
        schemas.TicketSummary, status=201, body=schemas.CreateTicket, errors=(400,),
        description="telegram/max: the chat is subscribed and the customer is messaged; "
        "webhook `ticket.created`.",
    ),
    Operation(
        "GET", "/tickets", list_tickets, "list_tickets", "List or search tickets", _TAG,
        schemas.TicketList, query=schemas.ListQuery, errors=(400,),
        description="Newest first; with `q`, only tickets whose subject or messages (internal "
        "notes too) hold every word (word forms by prefix), ranked by relevance, ties newest "
        "first. `total` counts the matches.",
    ),
    Operation(
        "GET", _TICKET, get_ticket, "get_ticket", "A ticket with its messages", _TAG,
        schemas.TicketDetails, errors=(404,),
    ),
    Operation(
        "POST", _TICKET + "/reply", agent_reply, "agent_reply", "Agent reply or internal note",
        _TAG, schemas.MessageOut, status=201, body=schemas.AgentReply, errors=(400, 404, 409),
        description="Not internal: the customer gets the text, status → `waiting`; "
        "webhook `ticket.replied`.",
    ),
    Operation(
        "POST", _TICKET + "/customer-reply", customer_reply, "customer_reply",
        "Virtual customer reply", _TAG, schemas.MessageOut, status=201,
        body=schemas.CustomerReply, errors=(400, 404, 409),
        description="Only for `channel=virtual` tickets (else 409 `wrong_channel`).",
    ),
    Operation(
        "PATCH", _TICKET + "/status", change_status, "change_status", "Change status", _TAG,
        schemas.TicketSummary, body=schemas.ChangeStatus, errors=(400, 404),
    ),
    Operation(
        "PATCH", _TICKET + "/assign", assign, "assign", "Assign an agent", _TAG,
        schemas.TicketSummary, body=schemas.Assign, errors=(400, 404),
    ),
    Operation(
        "PATCH", _TICKET + "/priority", set_priority, "set_priority", "Change priority", _TAG,
        schemas.TicketSummary, body=schemas.SetPriority, errors=(400, 404),
    ),
]

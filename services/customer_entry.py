"""Where a customer of the messenger bots lands, and subscribing: /start, the deep links
(`hdreq_`, `help_`, `sub_`), the "open ticket" button and the project picker each become a
`Route`; consent subscribes (accepting the website's request, or taking a subscribe link's
tags), declining cancels the request; unsubscribing, or the messenger saying the chat stopped
the bot, ends the subscriptions.

The helpdesk menu and the tickets a route leads to are customers.py; what the screens of both
bots do with a route is customer_flow.py.
"""

from __future__ import annotations

import re

from models import Project, Subscriber, Ticket
from models.enums import Channel
from services import notify_events, requests, subscriber_api, subscribers
from services.customer_views import ConsentView, Customer, ProjectChoice, Route, Screen
from services.errors import Conflict, NotFound
from services.validation import parse_uuid

HELP_LINK_PREFIX = "help_"
REQUEST_ID = re.compile(r"[A-Za-z0-9]{16}")


async def subscriptions(channel: Channel, chat_id: int) -> list[ProjectChoice]:
    """Projects this chat is subscribed to (unsubscribed ones excluded), oldest first."""
    rows = (
        await Subscriber.filter(channel=channel, chat_id=chat_id, blocked=False)
        .order_by("created_at")
        .select_related("project")
    )
    return [ProjectChoice(str(s.project_id), str(s.id), s.project.name) for s in rows]


async def _active_subscriber(project_id: object, customer: Customer) -> Subscriber | None:
    return await Subscriber.get_or_none(
        project_id=project_id,
        channel=customer.channel,
        chat_id=customer.chat_id,
        blocked=False,
    )


def _disabled(project: Project) -> Route:
    return Route(
        Screen.NOTICE, notice="notice-helpdesk-disabled", notice_args={"project": project.name}
    )


async def _existing(customer: Customer, notice: str | None = None) -> Route:
    """The chat's own projects: its menu, a picker, or just the notice when there are none."""
    subs = await subscriptions(customer.channel, customer.chat_id)
    if len(subs) == 1:
        project = await Project.get(id=subs[0].project_id)
        if not project.helpdesk_enabled:
            return _disabled(project) if notice is None else Route(Screen.NOTICE, notice=notice)
        return Route(Screen.MENU, subs[0].project_id, subs[0].subscriber_id, notice=notice)
    if subs:
        return Route(Screen.PICKER, notice=notice)
    return Route(Screen.NOTICE, notice=notice or "notice-no-project")


async def route_start(customer: Customer) -> Route:
    """Plain /start or /menu: the chat's project, a picker of several, or the only project."""
    route = await _existing(customer)
    if route.screen != Screen.NOTICE or route.notice != "notice-no-project":
        return route
    projects = await Project.all().limit(2)
    if len(projects) == 1:
        return await _enter_project(projects[0], customer)
    return route


async def route_deep_link(customer: Customer, payload: str) -> Route:
    if payload.startswith(subscriber_api.SUBSCRIBE_PREFIX):
        return await route_subscribe_link(
            customer, payload.removeprefix(subscriber_api.SUBSCRIBE_PREFIX)
        )
    if payload.startswith(requests.DEEP_LINK_PREFIX):
        return await route_request(customer, payload.removeprefix(requests.DEEP_LINK_PREFIX))
    if payload.startswith(HELP_LINK_PREFIX):
        return await route_project(customer, payload.removeprefix(HELP_LINK_PREFIX))
    return await route_start(customer)


async def route_request(customer: Customer, request_id: str) -> Route:
    """`hdreq_<id>`: consent for a newcomer, the menu (request accepted) for a subscriber."""
    if not REQUEST_ID.fullmatch(request_id):  # a mangled link is just an unknown one
        return await _existing(customer, "notice-link-expired")
    try:
        request = await requests.open_request(request_id)
    except NotFound:
        return await _existing(customer, "notice-link-expired")
    except Conflict:
        return await _existing(customer, "notice-link-used")
    project = request.project
    if not project.helpdesk_enabled:
        return _disabled(project)
    type_id = str(request.ticket_type_id) if request.ticket_type_id else None
    if await _active_subscriber(project.id, customer) is None:
        return Route(Screen.CONSENT, str(project.id), request_id=request.id, ticket_type_id=type_id)
    return await accept(customer, str(project.id), request.id)


async def route_subscribe_link(customer: Customer, link_id: str) -> Route:
    """`sub_<id>`: consent for a newcomer; a subscriber gets the link's tags at once. Either
    way no helpdesk menu: the link is for notifications."""
    link = await subscriber_api.open_link(link_id)
    if link is None:
        return await _existing(customer, "notice-link-unknown")
    if await _active_subscriber(link.project_id, customer) is None:
        return Route(Screen.CONSENT, str(link.project_id), link_id=link.id)
    return await accept(customer, str(link.project_id), link_id=link.id)


async def route_project(customer: Customer, slug: str) -> Route:
    """`help_<slug>`: a permanent link to one project's helpdesk."""
    project = await Project.get_or_none(slug=slug)
    if project is None:
        return await _existing(customer, "notice-link-unknown")
    return await _enter_project(project, customer)


async def _enter_project(project: Project, customer: Customer) -> Route:
    if not project.helpdesk_enabled:
        return _disabled(project)
    subscriber = await _active_subscriber(project.id, customer)
    if subscriber is None:
        return Route(Screen.CONSENT, str(project.id))
    return Route(Screen.MENU, str(project.id), str(subscriber.id))


async def route_to_ticket(customer: Customer, ticket_id: str) -> Route:
    """The "open ticket #N" button: the ticket's thread, if it belongs to this chat."""
    try:
        tid = parse_uuid(ticket_id, what="ticket")
    except NotFound:
        return await _existing(customer, "notice-ticket-missing")
    ticket = await Ticket.get_or_none(id=tid).select_related("subscriber")
    subscriber = ticket.subscriber if ticket else None
    if (
        ticket is None
        or subscriber is None
        or subscriber.channel != customer.channel
        or subscriber.chat_id != customer.chat_id
    ):
        return await _existing(customer, "notice-ticket-missing")
    if subscriber.blocked:  # an unsubscribed customer tapped an old button: subscribe again
        return Route(Screen.CONSENT, str(ticket.project_id))
    return Route(Screen.MENU, str(ticket.project_id), str(subscriber.id), ticket_id=str(ticket.id))


async def choose_project(customer: Customer, project_id: str) -> Route:
    project = await Project.get_or_none(id=parse_uuid(project_id, what="project"))
    if project is None:
        return await _existing(customer, "notice-link-unknown")
    return await _enter_project(project, customer)


# --- consent, unsubscribing --------------------------------------------------------------


async def consent_view(project_id: str) -> ConsentView:
    project = await Project.get_or_none(id=parse_uuid(project_id, what="project"))
    if project is None:
        raise NotFound("project not found")
    return ConsentView(str(project.id), project.name, project.description, project.helpdesk_enabled)


async def accept(
    customer: Customer,
    project_id: str,
    request_id: str | None = None,
    *,
    link_id: str | None = None,
) -> Route:
    """Consent given (or implied by an existing subscription): subscribe, open the menu —
    or, for a subscribe link, subscribe with its tags and say so."""
    project = await Project.get_or_none(id=parse_uuid(project_id, what="project"))
    if project is None:
        return await _existing(customer, "notice-link-unknown")
    if link_id is not None:
        link = await subscriber_api.open_link(link_id)
        if link is None or link.project_id != project.id:
            return await _existing(customer, "notice-link-unknown")
        await subscribers.ensure_subscriber(
            project.id, customer.channel, customer.chat_id, link.tags, **customer.profile()
        )
        return Route(Screen.NOTICE, notice="subscribe-done", notice_args={"project": project.name})
    if not project.helpdesk_enabled:
        return _disabled(project)
    profile = customer.profile()
    type_id = None
    if request_id is None:
        subscriber = await subscribers.ensure_subscriber(
            project.id, customer.channel, customer.chat_id, **profile
        )
    else:
        try:
            request, subscriber = await requests.accept_request(
                request_id, customer.channel, customer.chat_id, **profile
            )
        except NotFound:
            return await _existing(customer, "notice-link-expired")
        except Conflict:
            return await _existing(customer, "notice-link-used")
        type_id = str(request.ticket_type_id) if request.ticket_type_id else None
    return Route(Screen.MENU, str(project.id), str(subscriber.id), ticket_type_id=type_id)


async def decline(request_id: str | None) -> None:
    """Consent refused: the website sees the request `cancelled` (if it is still pending)."""
    if request_id is None:
        return
    try:
        await requests.cancel_request(request_id)
    except (NotFound, Conflict):
        pass  # expired or used meanwhile: nothing left to cancel


async def unsubscribe(subscriber_id: str) -> None:
    """Stop messaging this chat for the project; `blocked` is the flag delivery honours.

    Open tickets keep their history; subscribing again (consent) clears the flag.
    """
    await subscribers.end_subscription(
        parse_uuid(subscriber_id, what="subscriber"), notify_events.REASON_UNSUBSCRIBED
    )


async def blocked_by_messenger(customer: Customer) -> None:
    """The messenger says the chat stopped the bot: each of its subscriptions is blocked."""
    for choice in await subscriptions(customer.channel, customer.chat_id):
        project_id = parse_uuid(choice.project_id)
        await subscribers.mark_blocked(project_id, customer.channel, customer.chat_id)

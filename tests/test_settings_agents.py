"""Agents through the settings use cases: add, role, remove (tickets unassigned, messages
keep their author's name), origin, and the audit entries."""

from __future__ import annotations

import pytest

from models import Agent, AuditEntry, Message, OutboundMessage, OutboxEvent, Project, Ticket
from services import agents, catalog, tickets
from services.audit import CLI
from services.errors import NotFound, ValidationFailed


async def actions(project: Project) -> list[str]:
    return [e.action for e in await AuditEntry.filter(project_id=project.id).order_by("id")]


async def test_list_shows_role_and_where_each_agent_came_from(project):
    added = await agents.add_agent(project, CLI, name="Olga", telegram_user_id=11, role="admin")
    from_chat = await catalog.register_telegram_agent(project.id, 22, "Ivan", "ivan")
    listed = [agents.agent_admin_view(a) for a in await agents.list_project_agents(project)]
    assert [(a["name"], a["role"], a["origin"]) for a in listed] == [
        ("Olga", "admin", "manual"),
        ("Ivan", "agent", "agent_chat"),
    ]
    assert {a["id"] for a in listed} == {str(added.id), str(from_chat.id)}
    assert await actions(project) == ["agent.added"]


async def test_invalid_agents_are_refused_and_nothing_is_written(project):
    await agents.add_agent(project, CLI, name="Olga", telegram_user_id=11)
    for bad in (
        {"name": ""},
        {"name": "x" * 201},
        {"name": "Ok", "role": "boss"},
        {"name": "Ok", "telegram_user_id": -5},
        {"name": "Again", "telegram_user_id": 11},  # already an agent
    ):
        with pytest.raises(ValidationFailed):
            await agents.add_agent(project, CLI, **bad)
    assert await Agent.filter(project_id=project.id).count() == 1
    assert await actions(project) == ["agent.added"]


async def test_change_role_is_audited_and_keeps_a_last_owner(project):
    owner = await agents.add_agent(project, CLI, name="Owner", role="owner")
    helper = await agents.add_agent(project, CLI, name="Helper")
    await agents.change_role(project, CLI, helper.id, "viewer")
    assert (await Agent.get(id=helper.id)).role == "viewer"
    with pytest.raises(ValidationFailed, match="last owner"):
        await agents.change_role(project, CLI, owner.id, "admin")
    with pytest.raises(ValidationFailed, match="last owner"):
        await agents.remove_agent(project, CLI, owner.id)
    with pytest.raises(ValidationFailed):
        await agents.change_role(project, CLI, helper.id, "root")
    assert (await Agent.get(id=owner.id)).role == "owner"
    await agents.change_role(project, CLI, helper.id, "owner")  # now there are two owners
    await agents.change_role(project, CLI, owner.id, "admin")
    entry = await AuditEntry.filter(action="agent.role_changed").order_by("-id").first()
    assert entry is not None and entry.changes == {"role": ["owner", "admin"]}
    assert await actions(project) == ["agent.added"] * 2 + ["agent.role_changed"] * 3


async def test_removed_agent_tickets_are_unassigned_and_messages_keep_the_name(project):
    bob = await agents.add_agent(project, CLI, name="Bob", telegram_user_id=7)
    kept = await agents.add_agent(project, CLI, name="Kept")
    first = await tickets.create_ticket(project, tickets.NewTicket(text="one"))
    second = await tickets.create_ticket(project, tickets.NewTicket(text="two"))
    other = await tickets.create_ticket(project, tickets.NewTicket(text="three"))
    await tickets.assign(project, first.id, bob.id)
    await tickets.assign(project, second.id, bob.id)
    await tickets.assign(project, other.id, kept.id)
    reply = await tickets.agent_reply(project, first.id, "Hello from Bob", agent_id=bob.id)

    result = await agents.remove_agent(project, CLI, bob.id)

    assert result == {"id": str(bob.id), "removed": True, "unassigned_tickets": 2}
    assigned = dict(await Ticket.filter(project_id=project.id).values_list("id", "assignee_id"))
    assert assigned == {first.id: None, second.id: None, other.id: kept.id}
    for ticket in (first, second):  # webhook receivers hear of it
        last = await OutboxEvent.filter(ticket_id=ticket.id).order_by("-seq").first()
        assert last is not None and last.event == "ticket.assigned"
        assert last.payload["data"]["assignee"] is None
        assert last.payload["data"]["ticket"]["assignee"] is None
    message = await Message.get(id=reply.id).prefetch_related("agent")
    assert message.agent is not None and message.agent.name == "Bob"
    assert [a.name for a in await agents.list_project_agents(project)] == ["Kept"]
    assert [a.name for a in await catalog.list_agents(project.id)] == ["Kept"]  # REST list
    with pytest.raises(ValidationFailed):  # REST assign refuses a removed agent
        await tickets.assign(project, first.id, bob.id)
    with pytest.raises(NotFound):
        await agents.remove_agent(project, CLI, bob.id)
    entry = await AuditEntry.get(action="agent.removed")
    assert entry.target_id == str(bob.id) and entry.changes["name"] == ["Bob", None]


async def test_a_removed_agent_added_again_is_the_same_agent(project):
    bob = await agents.add_agent(project, CLI, name="Bob", telegram_user_id=7)
    await agents.remove_agent(project, CLI, bob.id)
    again = await agents.add_agent(project, CLI, name="Robert", telegram_user_id=7)
    assert again.id == bob.id and again.name == "Robert" and again.removed_at is None
    await agents.remove_agent(project, CLI, bob.id)
    # acting in the bound group again makes them an agent again (documented)
    back = await catalog.register_telegram_agent(project.id, 7, "Bob", None)
    assert back.id == bob.id and back.removed_at is None


async def test_removing_agent_of_another_project_is_not_found(project):
    other = await Project.create(name="Other", slug="other-ag", webhook_secret="whsec_x")
    theirs = await agents.add_agent(other, CLI, name="Theirs")
    with pytest.raises(NotFound):
        await agents.remove_agent(project, CLI, theirs.id)
    with pytest.raises(NotFound):
        await agents.change_role(project, CLI, theirs.id, "viewer")
    assert (await Agent.get(id=theirs.id)).removed_at is None


async def test_removal_updates_the_agent_chat_card(project):
    project.agent_chat_id = -100123
    await project.save()
    bob = await agents.add_agent(project, CLI, name="Bob")
    ticket = await tickets.create_ticket(project, tickets.NewTicket(text="one"))
    await tickets.assign(project, ticket.id, bob.id)
    before = await OutboundMessage.filter(chat_id=-100123).count()
    await agents.remove_agent(project, CLI, bob.id)
    queued = await OutboundMessage.filter(chat_id=-100123).order_by("-created_at").first()
    assert await OutboundMessage.filter(chat_id=-100123).count() == before + 1
    assert queued is not None and queued.payload["event"] == "assigned"

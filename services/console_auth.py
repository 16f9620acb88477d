"""Who is signed in to the web console, and what they may do.

Sign-in has no passwords: a one-time link (valid 15 minutes, used once) made by
`helpdesk console link` or by `/console` in the agent group opens a browser session. Only
hashes of the link and session tokens are stored; the session row also holds the CSRF token
its forms carry. A session is over after 7 days without a request.

Roles (`Agent.role`): owner and admin do everything, an agent works tickets, a viewer only
reads. Front ends ask `require_writer` / `require_admin` before a change.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

from tortoise.transactions import in_transaction

from models import Agent, ConsoleSession, LoginLink, Project
from models.enums import AgentRole, Channel
from services import agent_chat, agent_desk, agents, audit, catalog, clock, sql
from services.agent_desk_types import DeskUser, IsMember
from services.errors import Forbidden, HelpdeskError
from services.projects import get_project
from services.validation import one_of

log = logging.getLogger(__name__)

LINK_TTL = timedelta(minutes=15)
SESSION_IDLE = timedelta(days=7)
# last_seen_at is written at most this often (not on every page view)
TOUCH_EVERY = timedelta(minutes=5)
WRITER_ROLES = (AgentRole.OWNER, AgentRole.ADMIN, AgentRole.AGENT)
ADMIN_ROLES = (AgentRole.OWNER, AgentRole.ADMIN)
LOGIN_PATH = "/console/login/"
_ROLE_NAMES = {
    AgentRole.OWNER: "Owner",
    AgentRole.ADMIN: "Admin",
    AgentRole.AGENT: "Agent",
    AgentRole.VIEWER: "Viewer",
}


class LinkGone(HelpdeskError, code="link_gone", http_status=410):
    """The sign-in link was used already, has expired, or never existed."""


@dataclass(frozen=True)
class IssuedLink:
    token: str  # shown once, in the URL; never logged
    agent: Agent
    expires_in: int  # seconds
    agent_project_name: str = ""

    def url(self, base_url: str) -> str:
        return f"{base_url.rstrip('/')}{LOGIN_PATH}{self.token}"


@dataclass(frozen=True)
class ConsoleIdentity:
    """A signed-in browser: the agent, their project and role, the session's CSRF token."""

    session_id: uuid.UUID
    project: Project
    agent: Agent
    csrf_token: str

    @property
    def role(self) -> AgentRole:
        return AgentRole(self.agent.role)

    @property
    def can_write(self) -> bool:
        return self.role in WRITER_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role in ADMIN_ROLES


@dataclass(frozen=True)
class OpenedSession:
    token: str  # for the cookie; only its hash is stored
    identity: ConsoleIdentity


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def require_writer(identity: ConsoleIdentity) -> None:
    if not identity.can_write:
        raise Forbidden("a viewer cannot change tickets")


def require_admin(identity: ConsoleIdentity) -> None:
    if not identity.is_admin:
        raise Forbidden("only an owner or an admin can do this")


def check_csrf(identity: ConsoleIdentity, submitted: str | None) -> None:
    """A state-changing form must carry its session's CSRF token."""
    if not submitted or not hmac.compare_digest(submitted, identity.csrf_token):
        raise Forbidden("the form is outdated or was not sent by the console; reload the page")


# --- sign-in links -------------------------------------------------------------------


async def agent_with_role(project: Project, role: AgentRole) -> Agent:
    """The project's first agent with `role`, created on first use (`console link` without
    `--agent` signs in the owner this way)."""
    agent = (
        await Agent.filter(project_id=project.id, role=role, removed_at=None)
        .order_by("created_at")
        .first()
    )
    if agent is None:
        agent = await Agent.create(
            project=project, name=_ROLE_NAMES[role], role=role, origin=agents.ORIGIN_MANUAL
        )
    return agent


async def create_login_link(
    project_id: object, agent_id: object | None = None, role: str | None = None
) -> IssuedLink:
    """A one-time link for `agent_id` (its role set to `role` when given), or without an
    agent for the project's agent of `role` (default: the owner), created on first use."""
    project = await get_project(project_id)
    wanted = one_of("role", role, tuple(AgentRole)) if role else None
    if agent_id is None:
        agent = await agent_with_role(project, wanted or AgentRole.OWNER)
    else:
        agent = await catalog.project_agent(project.id, agent_id, "agent")
        if wanted is not None:
            # the same rule and audit entry as `helpdesk agent role` (the last owner stays)
            agent = await agents.change_role(project, audit.CLI, agent.id, wanted)
    return await _issue(project, agent)


async def invite_agent(project: Project, actor: audit.Actor, agent_id: object) -> IssuedLink:
    """A one-time sign-in link for one of the project's agents, made by an admin in the
    console (shown once there): audited, since whoever holds it signs in as that agent."""
    agent = await catalog.project_agent(project.id, agent_id, "agent")
    async with in_transaction():
        issued = await _issue(project, agent)
        await audit.record(
            project, actor, "agent.invited", target_type="agent", target_id=agent.id
        )
    return issued


async def _issue(project: Project, agent: Agent) -> IssuedLink:
    token = secrets.token_urlsafe(32)
    await LoginLink.create(
        project=project,
        agent=agent,
        token_hash=token_hash(token),
        expires_at=clock.now() + LINK_TTL,
    )
    log.info("console sign-in link made for agent %s of project %s", agent.id, project.id)
    return IssuedLink(token, agent, int(LINK_TTL.total_seconds()), project.name)


async def link_for_chat_member(
    chat_id: int, user: DeskUser | None, is_member: IsMember
) -> IssuedLink | None:
    """`/console` in an agent chat: a link for the member who asked (registered as an agent
    on first use, like any action there); None when the chat is bound to no project or the
    sender is not one of its members."""
    project = await agent_chat.project_for_chat(chat_id)
    if project is None or user is None or user.is_bot:
        return None
    known = await agent_desk.is_known_agent(project, user.id, Channel.TELEGRAM)
    if not known and not await is_member(chat_id, user.id):
        return None
    agent = await catalog.register_telegram_agent(project.id, user.id, user.name, user.username)
    return await _issue(project, agent)


async def redeem_login_link(token: str) -> OpenedSession:
    """Use a link once: a session opens; a used, expired or unknown link is LinkGone."""
    now = clock.now()
    digest = token_hash(token)
    async with in_transaction():
        used = await LoginLink.filter(token_hash=digest, used_at=None, expires_at__gt=now).update(
            used_at=now
        )
        if not used:
            raise LinkGone("this sign-in link was already used or has expired")
        link = await LoginLink.get(token_hash=digest).select_related("agent", "project")
        session_token = secrets.token_urlsafe(32)
        session = await ConsoleSession.create(
            project_id=link.project_id,
            agent_id=link.agent_id,
            token_hash=token_hash(session_token),
            csrf_token=secrets.token_urlsafe(24),
            last_seen_at=now,
        )
    identity = ConsoleIdentity(session.id, link.project, link.agent, session.csrf_token)
    log.info("console sign-in of agent %s, project %s", link.agent_id, link.project_id)
    return OpenedSession(session_token, identity)


# --- sessions ------------------------------------------------------------------------


def _split(row: dict[str, Any], prefix: str) -> dict[str, Any]:
    n = len(prefix)
    return {k[n:]: v for k, v in row.items() if k.startswith(prefix)}


@cache
def _session_query() -> str:
    # one joined statement per page view (every console request asks it first)
    return (
        f"SELECT {sql.columns(ConsoleSession, 's', 's_')}, {sql.columns(Agent, 'a', 'a_')},"
        f" {sql.columns(Project, 'p', 'p_')} FROM console_sessions s"
        " JOIN agents a ON a.id = s.agent_id JOIN projects p ON p.id = s.project_id"
        " WHERE s.token_hash = $1 AND s.last_seen_at > $2"
    )


async def session_identity(token: str | None) -> ConsoleIdentity | None:
    """The signed-in agent behind a session cookie, None when signed out or idle too long."""
    if not token:
        return None
    now = clock.now()
    row = await sql.fetch_one(_session_query(), token_hash(token), now - SESSION_IDLE)
    if row is None:
        return None
    session = ConsoleSession._init_from_db(**_split(row, "s_"))
    if now - session.last_seen_at > TOUCH_EVERY:
        await ConsoleSession.filter(id=session.id).update(last_seen_at=now)
    agent = Agent._init_from_db(**_split(row, "a_"))
    project = Project._init_from_db(**_split(row, "p_"))
    return ConsoleIdentity(session.id, project, agent, session.csrf_token)


async def sign_out(identity: ConsoleIdentity) -> None:
    await ConsoleSession.filter(id=identity.session_id).delete()

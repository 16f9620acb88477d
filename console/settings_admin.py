"""Settings pages of who and what: the project itself (with its help links and their QR
codes), ticket types, agents (and their one-time sign-in links) and API keys."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from console.context import resources_of
from console.settings_pages import BASE_URL, Form, area, flag
from services import agents, api_keys, console_auth, project_settings, qr, ticket_types
from services.audit import Actor
from services.console_auth import ConsoleIdentity
from services.validation import invalid


def number(form: Form, name: str) -> int | None:
    """A whole number field ("" = not given); anything else is refused by name."""
    text = form.get(name, "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise invalid(name, "must be a whole number") from None


# --- project -------------------------------------------------------------------------


async def _project(request: web.Request, identity: ConsoleIdentity) -> dict[str, Any]:
    project = identity.project
    await project.refresh_from_db()
    links = project_settings.help_links(project, resources_of(request).links)
    codes = {
        channel: qr.qr_svg(url, title=f"{channel} {links['payload']}")
        for channel in ("telegram", "max")
        if (url := links[channel])
    }
    return {"project": project, "links": links, "qr_codes": codes}


async def _save_project(identity: ConsoleIdentity, actor: Actor, form: Form) -> None:
    rate_limit = number(form, "rate_limit")
    await project_settings.update_settings(
        identity.project.id,
        actor,
        name=form.get("name", ""),
        description=form.get("description", ""),
        slug=form.get("slug", "").strip(),
        helpdesk_enabled=flag(form, "helpdesk_enabled"),
        helpdesk_allow_create=flag(form, "helpdesk_allow_create"),
        rate_limit=0 if rate_limit is None else rate_limit,
    )


area("project", "settings_project.html", _project).actions.update(save=_save_project)

# --- ticket types --------------------------------------------------------------------


async def _types(request: web.Request, identity: ConsoleIdentity) -> dict[str, Any]:
    return {"types": await ticket_types.list_ticket_types(identity.project)}


async def _add_type(identity: ConsoleIdentity, actor: Actor, form: Form) -> None:
    await ticket_types.add_ticket_type(
        identity.project, actor, name=form.get("name", ""), description=form.get("description", "")
    )


async def _edit_type(identity: ConsoleIdentity, actor: Actor, form: Form) -> None:
    await ticket_types.edit_ticket_type(
        identity.project,
        actor,
        form.get("id"),
        name=form.get("name", ""),
        description=form.get("description", ""),
    )


async def _move_type(identity: ConsoleIdentity, actor: Actor, form: Form) -> None:
    position = number(form, "position")
    if position is None:
        raise invalid("position", "is required")
    await ticket_types.move_ticket_type(identity.project, actor, form.get("id"), position)


async def _activate_type(identity: ConsoleIdentity, actor: Actor, form: Form) -> None:
    await ticket_types.set_ticket_type_active(
        identity.project, actor, form.get("id"), flag(form, "active")
    )


area("types", "settings_types.html", _types).actions.update(
    add=_add_type, edit=_edit_type, move=_move_type, active=_activate_type
)

# --- agents --------------------------------------------------------------------------


async def _agents(request: web.Request, identity: ConsoleIdentity) -> dict[str, Any]:
    listed = await agents.list_project_agents(identity.project)
    return {"agents": [agents.agent_admin_view(a) for a in listed], "roles": agents.ROLES}


async def _add_agent(identity: ConsoleIdentity, actor: Actor, form: Form) -> None:
    await agents.add_agent(
        identity.project,
        actor,
        name=form.get("name", ""),
        telegram_user_id=number(form, "telegram_user_id"),
        max_user_id=number(form, "max_user_id"),
        username=form.get("username", "").strip().lstrip("@") or None,
        role=form.get("role", agents.DEFAULT_ROLE),
    )


async def _agent_role(identity: ConsoleIdentity, actor: Actor, form: Form) -> None:
    await agents.change_role(identity.project, actor, form.get("id"), form.get("role", ""))


async def _remove_agent(identity: ConsoleIdentity, actor: Actor, form: Form) -> dict[str, Any]:
    removed = await agents.remove_agent(identity.project, actor, form.get("id"))
    return {"removed": removed}


async def _invite(identity: ConsoleIdentity, actor: Actor, form: Form) -> dict[str, Any]:
    # shown on this answer only; only the link's hash is stored
    issued = await console_auth.invite_agent(identity.project, actor, form.get("id"))
    return {"invite": {"id": form.get("id"), "url": issued.url(form[BASE_URL])}}


area("agents", "settings_agents.html", _agents).actions.update(
    add=_add_agent, role=_agent_role, remove=_remove_agent, invite=_invite
)

# --- API keys ------------------------------------------------------------------------


async def _keys(request: web.Request, identity: ConsoleIdentity) -> dict[str, Any]:
    listed = await api_keys.list_api_keys(identity.project, include_revoked=True)
    return {"keys": [api_keys.api_key_view(k) for k in listed]}


async def _create_key(identity: ConsoleIdentity, actor: Actor, form: Form) -> dict[str, Any]:
    return {"key": await api_keys.create_api_key(identity.project, actor)}


async def _revoke_key(identity: ConsoleIdentity, actor: Actor, form: Form) -> None:
    await api_keys.revoke_api_key(identity.project, actor, form.get("prefix", ""))


area("keys", "settings_keys.html", _keys).actions.update(create=_create_key, revoke=_revoke_key)

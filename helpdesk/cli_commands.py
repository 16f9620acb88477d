"""Handlers of the core `helpdesk` commands: parse arguments, call one use case, return JSON."""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
from collections.abc import Callable
from typing import Any

from helpdesk import cli_settings
from helpdesk.settings import Settings, load_settings
from services import (
    agents,
    api_keys,
    catalog,
    console_auth,
    project_settings,
    projects,
    ticket_types,
    webhook_settings,
)
from services.audit import CLI

DEMO_SLUG = "demo"


class CliError(Exception):
    """A user-facing failure: printed as one line on stderr, exit code 2."""


GC_YOUNG_THRESHOLD = 7_000  # CPython's default is 700 allocations


async def freeze_startup_heap(_: object) -> None:
    """Move what startup built (modules, models, routers, dialogs, pools) out of the garbage
    collector's sight: it lives as long as the process, yet every full collection walked it
    again (~0.3 s each with aiogram loaded), which made the GC a large cost per update."""
    gc.collect()
    gc.freeze()
    # young collections 10x rarer: an update's short-lived objects mostly die before one, so
    # fewer of them are promoted into the older generations that full collections walk
    gc.set_threshold(GC_YOUNG_THRESHOLD, 10, 10)


def serve(args: argparse.Namespace, settings: Settings) -> int:
    from aiohttp import web

    from api import malformed_http
    from helpdesk.app import create_app
    from helpdesk.db import apply_migrations, pending_migrations

    if args.migrate:
        applied = asyncio.run(apply_migrations(settings.database_url))
        for name in applied:
            sys.stderr.write(f"applied migration {name}\n")
    elif asyncio.run(pending_migrations(settings.database_url)):
        raise CliError(
            "the database is not migrated: run `helpdesk migrate` "
            "(or start with `helpdesk serve --migrate`)"
        )
    host = args.host or settings.http_host
    port = args.port or settings.http_port
    malformed_http.install()  # every role: the bots' and workers' ports take requests too
    app = create_app(settings, role=args.role)
    app.on_startup.append(freeze_startup_heap)  # after the resources' startup (cleanup_ctx)

    def announce(_: object) -> None:
        sys.stderr.write(f"helpdesk serving role={args.role} on http://{host}:{port}\n")

    import uvloop  # libuv's event loop: less per-callback and per-socket-write overhead

    web.run_app(
        app,
        host=host,
        port=port,
        shutdown_timeout=5,
        print=announce,
        loop=uvloop.new_event_loop(),
    )
    return 0


def migrate(args: argparse.Namespace, settings: Settings) -> int:
    from helpdesk.db import apply_migrations

    applied = asyncio.run(apply_migrations(settings.database_url))
    sys.stdout.write(_json({"applied": applied}))
    return 0


def _json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


async def project_create(args: argparse.Namespace) -> dict[str, Any]:
    project, api_key = await projects.create_project(
        name=args.name,
        description=args.description or "",
        slug=args.slug,
        webhook_url=args.webhook_url,
        allow_private_networks=load_settings().webhook_allow_private_networks,
    )
    return {
        **projects.project_view(project),
        "api_key": api_key,
        "webhook_secret": project.webhook_secret,
    }


def _options(args: argparse.Namespace, *names: str) -> dict[str, Any]:
    """The named options as a use case's keywords (each option's `dest` is the keyword); an
    option not given is None, which the update use cases leave alone."""
    return {name: getattr(args, name) for name in names}


async def project_update(args: argparse.Namespace) -> dict[str, Any]:
    """The settings and the webhook URL, each through its audited use case; the URL is
    checked first, so a refused URL leaves the settings unchanged too."""
    allow = load_settings().webhook_allow_private_networks
    if args.webhook_url is not None:
        await projects.check_webhook_destination(args.webhook_url, allow_private_networks=allow)
    changes = _options(args, *project_settings.SETTINGS)
    project = await project_settings.update_settings(args.id, CLI, **changes)
    if args.webhook_url is not None:
        await webhook_settings.set_webhook_url(
            project.id, CLI, args.webhook_url, allow_private_networks=allow
        )
        project = await projects.get_project(project.id)
    return projects.project_view(project)


async def project_list(args: argparse.Namespace) -> list[dict[str, Any]]:
    return [projects.project_view(p) for p in await projects.list_projects()]


async def apikey_create(args: argparse.Namespace) -> dict[str, Any]:
    project = await projects.get_project(args.project)
    return {"project_id": str(project.id), **await api_keys.create_api_key(project, CLI)}


async def apikey_revoke(args: argparse.Namespace) -> dict[str, Any]:
    project = await projects.get_project(args.project)
    revoked = await api_keys.revoke_api_key(project, CLI, args.prefix)
    return {"project_id": str(project.id), "revoked": revoked["prefix"], **revoked}


async def ticket_type_create(args: argparse.Namespace) -> dict[str, Any]:
    project = await projects.get_project(args.project)
    created = await ticket_types.add_ticket_type(
        project, CLI, name=args.name, description=args.description or "", position=args.position
    )
    return catalog.ticket_type_admin_view(created)


async def ticket_type_update(args: argparse.Namespace) -> dict[str, Any]:
    """Each option given is one audited change (name, description, position, active)."""
    project = await ticket_types.project_of_type(args.id)
    ticket_type = None
    if args.name is not None:
        ticket_type = await ticket_types.rename_ticket_type(project, CLI, args.id, args.name)
    if args.description is not None:
        ticket_type = await ticket_types.describe_ticket_type(
            project, CLI, args.id, args.description
        )
    if args.position is not None:
        ticket_type = await ticket_types.move_ticket_type(project, CLI, args.id, args.position)
    if args.active is not None:
        ticket_type = await ticket_types.set_ticket_type_active(project, CLI, args.id, args.active)
    if ticket_type is None:
        ticket_type = await ticket_types.get_ticket_type(project, args.id)
    return catalog.ticket_type_admin_view(ticket_type)


async def agent_add(args: argparse.Namespace) -> dict[str, Any]:
    project = await projects.get_project(args.project)
    agent = await agents.add_agent(
        project,
        CLI,
        name=args.name,
        telegram_user_id=args.telegram_user_id,
        max_user_id=args.max_user_id,
        username=args.username,
        role=args.role,
    )
    return agents.agent_admin_view(agent)


async def agent_list(args: argparse.Namespace) -> list[dict[str, Any]]:
    project = await projects.get_project(args.project)
    return [agents.agent_admin_view(a) for a in await agents.list_project_agents(project)]


async def demo(args: argparse.Namespace) -> dict[str, Any]:
    """The demo project of `make run`: created once, a fresh API key on every run."""
    project = await projects.find_project_by_slug(DEMO_SLUG)
    if project is None:
        project, api_key = await projects.create_project(
            name="Demo", description="A demo helpdesk project", slug=DEMO_SLUG
        )
        await catalog.create_ticket_type(project, name="Question", description="Ask us anything")
        await catalog.create_ticket_type(project, name="Bug", description="Something is broken")
    else:
        api_key = await projects.create_api_key(project)
    base = f"http://{args.host}:{args.port}"
    settings = load_settings()
    # the first click lands in the console: a sign-in link for the demo project's owner
    console_base = (settings.console_base_url or settings.public_base_url or base).rstrip("/")
    console_link = await console_auth.create_login_link(project.id)
    return {
        "project_id": str(project.id),
        "api_key": api_key,
        "console": console_link.url(console_base),
        "try": (
            f"curl -s -X POST {base}/v1/helpdesk/tickets -H 'Authorization: Bearer {api_key}' "
            "-H 'Content-Type: application/json' -d '{\"text\": \"Hello, I need help\"}'"
        ),
    }


def _project_arguments(parser: Any, *, creating: bool) -> None:
    """The settings `project create` and `project update` share (a name is required to create)."""
    parser.add_argument("--name", required=creating)
    parser.add_argument("--description")
    parser.add_argument("--slug")
    parser.add_argument(
        "--webhook-url", help=None if creating else 'a URL, or "" to remove the webhook'
    )


def _ticket_type_arguments(parser: Any, *, creating: bool) -> None:
    parser.add_argument("--name", required=creating)
    parser.add_argument("--description")
    parser.add_argument("--position", type=int)


def register(sub: Any, boolean: Callable[[str], bool]) -> None:
    project = sub.add_parser("project", help="projects (tenants)").add_subparsers(
        dest="action", required=True
    )
    create = project.add_parser("create", help="create a project and its first API key")
    _project_arguments(create, creating=True)
    create.set_defaults(handler=project_create)
    update = project.add_parser("update", help="change a project's settings")
    update.add_argument("id")
    _project_arguments(update, creating=False)
    update.add_argument("--helpdesk-enabled", type=boolean)
    update.add_argument(
        "--allow-create", dest="helpdesk_allow_create", metavar="ALLOW_CREATE", type=boolean
    )
    update.add_argument("--rate-limit", type=int, help="requests per minute, 0 = no limit")
    update.set_defaults(handler=project_update)
    project.add_parser("list", help="all projects").set_defaults(handler=project_list)

    apikey = sub.add_parser("apikey", help="API keys").add_subparsers(dest="action", required=True)
    key_create = apikey.add_parser("create", help="a new API key (shown once)")
    key_create.add_argument("--project", required=True)
    key_create.set_defaults(handler=apikey_create)
    revoke = apikey.add_parser("revoke", help="revoke a key by its prefix")
    revoke.add_argument("--project", required=True)
    revoke.add_argument("prefix")
    revoke.set_defaults(handler=apikey_revoke)

    types = sub.add_parser("ticket-type", help="ticket types").add_subparsers(
        dest="action", required=True
    )
    type_create = types.add_parser("create")
    type_create.add_argument("--project", required=True)
    _ticket_type_arguments(type_create, creating=True)
    type_create.set_defaults(handler=ticket_type_create)
    type_update = types.add_parser("update")
    type_update.add_argument("id")
    type_update.add_argument("--active", type=boolean)
    _ticket_type_arguments(type_update, creating=False)
    type_update.set_defaults(handler=ticket_type_update)

    agents_group = sub.add_parser("agent", help="support agents").add_subparsers(
        dest="action", required=True
    )
    add = agents_group.add_parser("add")
    add.add_argument("--project", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--telegram-user-id", type=int)
    add.add_argument("--max-user-id", type=int)
    add.add_argument("--username")
    add.add_argument("--role", choices=agents.ROLES, default=agents.DEFAULT_ROLE)
    add.set_defaults(handler=agent_add)
    listing = agents_group.add_parser("list")
    listing.add_argument("--project", required=True)
    listing.set_defaults(handler=agent_list)
    cli_settings.extend(project=project, apikey=apikey, types=types, agent=agents_group)

    demo_cmd = sub.add_parser("demo", help="ensure the demo project; print a fresh API key")
    demo_cmd.add_argument("--host", default="127.0.0.1")
    demo_cmd.add_argument("--port", type=int, default=8080)
    demo_cmd.set_defaults(handler=demo)

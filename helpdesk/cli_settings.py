"""`helpdesk` commands over the settings use cases (the console's): list and remove where
the CLI had none, roles, the audit log, reports and help links. Parsing only; each command
calls one use case, acts as the "cli" actor (audit log) and returns JSON."""

from __future__ import annotations

import argparse
from typing import Any

from helpdesk.settings import load_settings
from services import (
    agents,
    api_keys,
    audit,
    project_settings,
    projects,
    report_export,
    reports,
    ticket_types,
)
from services.audit import CLI
from services.catalog import ticket_type_admin_view
from services.requests import BotLinks


class RawOutput(str):
    """A command's output printed as it is (CSV), instead of as JSON."""


async def ticket_type_list(args: argparse.Namespace) -> list[dict[str, Any]]:
    project = await projects.get_project(args.project)
    listed = await ticket_types.list_ticket_types(project)
    return [ticket_type_admin_view(t) for t in listed if t.active or not args.active_only]


async def ticket_type_reorder(args: argparse.Namespace) -> list[dict[str, Any]]:
    project = await projects.get_project(args.project)
    ordered = await ticket_types.reorder_ticket_types(project, CLI, args.ids)
    return [ticket_type_admin_view(t) for t in ordered]


async def apikey_list(args: argparse.Namespace) -> list[dict[str, Any]]:
    project = await projects.get_project(args.project)
    keys = await api_keys.list_api_keys(project, include_revoked=args.all)
    return [api_keys.api_key_view(k) for k in keys]


async def agent_remove(args: argparse.Namespace) -> dict[str, Any]:
    project = await projects.get_project(args.project)
    return await agents.remove_agent(project, CLI, args.agent_id)


async def agent_role(args: argparse.Namespace) -> dict[str, Any]:
    project = await projects.get_project(args.project)
    return agents.agent_admin_view(await agents.change_role(project, CLI, args.agent_id, args.role))


async def audit_list(args: argparse.Namespace) -> dict[str, Any]:
    project = await projects.get_project(args.project)
    return await audit.list_entries(project, limit=args.limit, before=args.before)


async def report(args: argparse.Namespace) -> dict[str, Any] | RawOutput:
    project = await projects.get_project(args.project)
    span = await reports.project_period(project, days=args.days, start=args.start, end=args.end)
    result = await reports.ticket_report(project, span)
    return RawOutput(report_export.report_csv(result)) if args.csv else result


async def project_links(args: argparse.Namespace) -> dict[str, Any]:
    from services.qr import qr_svg

    project = await projects.get_project(args.id)
    settings = load_settings()
    bots = BotLinks(telegram=settings.telegram_bot_username, max=settings.max_bot_username)
    links = project_settings.help_links(project, bots)
    if args.qr:
        for channel in ("telegram", "max"):
            url = links[channel]
            links[f"{channel}_qr_svg"] = qr_svg(url) if url else None
    return links


def extend(*, project: Any, apikey: Any, types: Any, agent: Any) -> None:
    """Add this module's commands to the core command groups (`cli_commands.register`)."""
    links = project.add_parser("links", help="the permanent help_<slug> links of a project")
    links.add_argument("id")
    links.add_argument("--qr", action="store_true", help="with each link's QR code as SVG")
    links.set_defaults(handler=project_links)

    keys = apikey.add_parser("list", help="keys by prefix with created and last used times")
    keys.add_argument("--project", required=True)
    keys.add_argument("--all", action="store_true", help="revoked keys too")
    keys.set_defaults(handler=apikey_list)

    type_list = types.add_parser("list", help="every ticket type, inactive ones too")
    type_list.add_argument("--project", required=True)
    type_list.add_argument("--active-only", action="store_true")
    type_list.set_defaults(handler=ticket_type_list)
    reorder = types.add_parser("reorder", help="put every type of the project in this order")
    reorder.add_argument("--project", required=True)
    reorder.add_argument("ids", nargs="+", metavar="TYPE_ID")
    reorder.set_defaults(handler=ticket_type_reorder)

    remove = agent.add_parser("remove", help="remove an agent; their tickets become unassigned")
    remove.add_argument("--project", required=True)
    remove.add_argument("agent_id")
    remove.set_defaults(handler=agent_remove)
    role = agent.add_parser("role", help="change an agent's role")
    role.add_argument("--project", required=True)
    role.add_argument("agent_id")
    role.add_argument("role", choices=agents.ROLES)
    role.set_defaults(handler=agent_role)


def register(subparsers: Any) -> None:
    group = subparsers.add_parser("audit", help="the audit log of settings changes")
    commands = group.add_subparsers(dest="audit_command", required=True)
    listing = commands.add_parser("list", help="entries, newest first")
    listing.add_argument("--project", required=True)
    listing.add_argument("--limit", type=int, default=audit.PAGE_SIZE)
    listing.add_argument("--before", type=int, help="the next_before of the previous page")
    listing.set_defaults(handler=audit_list)

    figures = subparsers.add_parser("report", help="tickets created/closed, response times")
    figures.add_argument("--project", required=True)
    figures.add_argument("--days", type=int, help="the last 7, 30 or 90 days")
    figures.add_argument("--from", dest="start", help="first day, YYYY-MM-DD")
    figures.add_argument("--to", dest="end", help="last day, YYYY-MM-DD (default: today)")
    figures.add_argument("--csv", action="store_true", help="print CSV instead of JSON")
    figures.set_defaults(handler=report)

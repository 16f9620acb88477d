"""`helpdesk console link --project ID [--agent ID] [--role ROLE]`: a one-time sign-in link."""

from __future__ import annotations

import argparse
from typing import Any

from helpdesk.settings import console_base_url, load_settings
from models.enums import AgentRole
from services import console_auth


async def create_link(args: argparse.Namespace) -> dict[str, Any]:
    issued = await console_auth.create_login_link(args.project, args.agent, args.role)
    return {"url": issued.url(console_base_url(load_settings())), "expires_in": issued.expires_in}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("console", help="the web console")
    commands = parser.add_subparsers(dest="console_command", required=True)
    link = commands.add_parser(
        "link", help="print a one-time sign-in link (valid 15 minutes, used once)"
    )
    link.add_argument("--project", required=True, help="project id")
    link.add_argument(
        "--agent", help="agent id (default: the project's agent of --role, created if none)"
    )
    link.add_argument(
        "--role",
        choices=[str(role) for role in AgentRole],
        help="the agent's console role (sets it); without --agent default owner",
    )
    link.set_defaults(handler=create_link)

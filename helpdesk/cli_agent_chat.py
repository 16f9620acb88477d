"""`helpdesk agent-chat …`: a one-time code that binds a Telegram group or a MAX group chat
(`/connect CODE` sent there) as the project's one agent chat, which chat is bound, unbinding
it. Parsing only; the work is in services."""

from __future__ import annotations

import argparse
from typing import Any

from services import agent_chat_settings
from services.audit import CLI


async def create_code(args: argparse.Namespace) -> dict[str, Any]:
    return await agent_chat_settings.new_bind_code(args.project, CLI)


async def status(args: argparse.Namespace) -> dict[str, Any]:
    return await agent_chat_settings.agent_chat_status(args.project)


async def unbind(args: argparse.Namespace) -> dict[str, Any]:
    return await agent_chat_settings.unbind(args.project, CLI)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "agent-chat", help="bind a Telegram or MAX agent chat to a project"
    )
    commands = parser.add_subparsers(dest="agent_chat_command", required=True)
    code = commands.add_parser("code", help="print a one-time /connect code (valid 15 minutes)")
    code.add_argument("--project", required=True, help="project id")
    code.set_defaults(handler=create_code)
    shown = commands.add_parser("status", help="which group is bound")
    shown.add_argument("--project", required=True, help="project id")
    shown.set_defaults(handler=status)
    forget = commands.add_parser("unbind", help="forget the project's agent group")
    forget.add_argument("--project", required=True, help="project id")
    forget.set_defaults(handler=unbind)

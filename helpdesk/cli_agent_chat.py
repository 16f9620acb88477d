"""`helpdesk agent-chat code --project ID`: a one-time code that binds a Telegram group or a
MAX group chat (`/connect CODE` sent there) as the project's one agent chat."""

from __future__ import annotations

import argparse
from typing import Any

from services import agent_chat


async def create_code(args: argparse.Namespace) -> dict[str, Any]:
    record = await agent_chat.create_binding_code(args.project)
    return {
        "code": record.code,
        "expires_in": int(agent_chat.CODE_TTL.total_seconds()),
        "connect": f"/connect {record.code}",
    }


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "agent-chat", help="bind a Telegram or MAX agent chat to a project"
    )
    commands = parser.add_subparsers(dest="agent_chat_command", required=True)
    code = commands.add_parser("code", help="print a one-time /connect code (valid 15 minutes)")
    code.add_argument("--project", required=True, help="project id")
    code.set_defaults(handler=create_code)

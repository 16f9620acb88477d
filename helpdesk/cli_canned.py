"""`helpdesk canned add|list|update|remove --project ID`: a project's canned replies.
Parsing only; the rules (code pattern, variables, uniqueness) are in services.canned_replies."""

from __future__ import annotations

import argparse
from typing import Any

from services import canned_replies, projects
from services.audit import CLI
from services.canned_replies import CannedReplyInput, reply_view


async def _add(args: argparse.Namespace) -> Any:
    project = await projects.get_project(args.project)
    new = CannedReplyInput(code=args.code, title=args.title, text=args.text)
    return reply_view(await canned_replies.create_reply(project, new, actor=CLI))


async def _list(args: argparse.Namespace) -> Any:
    project = await projects.get_project(args.project)
    return [reply_view(r) for r in await canned_replies.list_replies(project)]


async def _update(args: argparse.Namespace) -> Any:
    project = await projects.get_project(args.project)
    change = CannedReplyInput(code=args.code, title=args.title, text=args.text)
    return reply_view(await canned_replies.update_reply(project, args.id, change, actor=CLI))


async def _remove(args: argparse.Namespace) -> Any:
    project = await projects.get_project(args.project)
    await canned_replies.delete_reply(project, args.id, actor=CLI)
    return {"removed": args.id}


def register(subparsers: Any) -> None:
    group = subparsers.add_parser("canned", help="canned replies agents send with /r CODE")
    sub = group.add_subparsers(dest="canned_command", required=True)
    variables = " ".join(f"{{{name}}}" for name in canned_replies.VARIABLES)

    add = sub.add_parser("add", help="save a canned reply")
    add.add_argument("--project", required=True, help="project id")
    add.add_argument("--code", required=True, help="[a-z0-9_-]{1,32}, unique in the project")
    add.add_argument("--title", required=True)
    add.add_argument("--text", required=True, help=f"1–4000 characters; variables: {variables}")
    add.set_defaults(handler=_add)

    listing = sub.add_parser("list", help="the project's canned replies, by code")
    listing.add_argument("--project", required=True, help="project id")
    listing.set_defaults(handler=_list)

    update = sub.add_parser("update", help="change a canned reply's code, title or text")
    update.add_argument("id", help="canned reply id")
    update.add_argument("--project", required=True, help="project id")
    update.add_argument("--code")
    update.add_argument("--title")
    update.add_argument("--text")
    update.set_defaults(handler=_update)

    remove = sub.add_parser("remove", help="delete a canned reply")
    remove.add_argument("id", help="canned reply id")
    remove.add_argument("--project", required=True, help="project id")
    remove.set_defaults(handler=_remove)

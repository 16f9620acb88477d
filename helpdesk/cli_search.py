"""`helpdesk search refresh`: build and refresh the search's cached words now (the workers
do it every minute). Parsing only; the work is in services.search_words."""

from __future__ import annotations

import argparse
from typing import Any

from services import search_words
from services.validation import parse_uuid


async def _refresh(args: argparse.Namespace) -> Any:
    made_due = 0
    if args.all:
        project = parse_uuid(args.project, what="project") if args.project else None
        made_due = await search_words.due_now(project)
    report = await search_words.refresh_due(limit=max(made_due, 100))
    return {"built": report.built, "refreshed": report.refreshed, "dropped": report.dropped}


def register(subparsers: Any) -> None:
    group = subparsers.add_parser("search", help="the search's word cache (PostgreSQL)")
    sub = group.add_subparsers(dest="search_command", required=True)
    refresh = sub.add_parser("refresh", help="build the words waiting, refresh those due")
    refresh.add_argument("--all", action="store_true", help="refresh every cached word")
    refresh.add_argument("--project", help="with --all: only this project's words")
    refresh.set_defaults(handler=_refresh)

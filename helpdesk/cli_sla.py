"""`helpdesk sla show|set`: a project's service levels (API.md "Service levels"). Parsing
only; the rules are services.service_levels'."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from helpdesk.cli_commands import CliError
from services import service_levels
from services.audit import CLI


async def _show(args: argparse.Namespace) -> Any:
    return await service_levels.get_settings(args.project)


async def _set(args: argparse.Namespace) -> Any:
    try:
        text = await asyncio.to_thread(_read, args.file)
        document = json.loads(text)
    except OSError as exc:
        raise CliError(f"cannot read {args.file}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise CliError(f"{args.file} is not valid JSON: {exc}") from None
    return await service_levels.put_settings(args.project, document, actor=CLI)


def _read(name: str) -> str:
    return sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")


def register(subparsers: Any) -> None:
    group = subparsers.add_parser("sla", help="business hours, SLA targets, auto-close")
    sub = group.add_subparsers(dest="sla_command", required=True)

    show = sub.add_parser("show", help="print the project's service levels as JSON")
    show.add_argument("--project", required=True, help="project id")
    show.set_defaults(handler=_show)

    put = sub.add_parser("set", help="replace the service levels with a JSON document")
    put.add_argument("--project", required=True, help="project id")
    put.add_argument("--file", required=True, help="settings JSON file ('-' for stdin)")
    put.set_defaults(handler=_set)

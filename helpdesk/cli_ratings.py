"""`helpdesk ratings show|set|report`: a project's satisfaction survey settings and report.
Parsing only; the work is in services.ratings and services.rating_reports."""

from __future__ import annotations

import argparse
from typing import Any

from services import rating_reports, ratings
from services.audit import CLI
from services.validation import parse_uuid

FLAGS = ("enabled", "ask_when_customer_closes")


def _boolean(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "yes", "1", "on"):
        return True
    if lowered in ("false", "no", "0", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {value!r}")


async def _show(args: argparse.Namespace) -> Any:
    # a mistyped id reads "project not found", like every other command
    return (await ratings.get_settings(args.project, check_project=True)).view()


async def _set(args: argparse.Namespace) -> Any:
    changes: dict[str, Any] = {name: getattr(args, name) for name in FLAGS}
    changes = {name: value for name, value in changes.items() if value is not None}
    if args.question is not None:  # "" goes back to the built-in en/ru question
        changes["question"] = args.question or None
    settings = await ratings.change_settings(
        parse_uuid(args.project, what="project"), **changes, actor=CLI
    )
    return settings.view()


async def _report(args: argparse.Namespace) -> Any:
    project_id = parse_uuid(args.project, what="project")
    await ratings.get_settings(project_id, check_project=True)  # "project not found"
    return await rating_reports.report(project_id, getattr(args, "from"), args.to)


def register(subparsers: Any) -> None:
    group = subparsers.add_parser("ratings", help="satisfaction surveys after a close")
    sub = group.add_subparsers(dest="ratings_command", required=True)

    show = sub.add_parser("show", help="a project's survey settings")
    show.add_argument("--project", required=True, help="project id")
    show.set_defaults(handler=_show)

    change = sub.add_parser("set", help="change a project's survey settings")
    change.add_argument("--project", required=True, help="project id")
    change.add_argument("--enabled", type=_boolean, metavar="true|false")
    change.add_argument(
        "--ask-when-customer-closes",
        dest="ask_when_customer_closes",
        type=_boolean,
        metavar="true|false",
        help="also ask when the customer closes the ticket themself",
    )
    change.add_argument("--question", help='own question text ("" = the built-in en/ru one)')
    change.set_defaults(handler=_set)

    report = sub.add_parser("report", help="ratings given in a date range")
    report.add_argument("--project", required=True, help="project id")
    report.add_argument("--from", metavar="YYYY-MM-DD", help="first day (default: to - 29)")
    report.add_argument("--to", metavar="YYYY-MM-DD", help="last day (default: today)")
    report.set_defaults(handler=_report)

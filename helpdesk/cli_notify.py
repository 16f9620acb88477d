"""`helpdesk subscribers list` and `helpdesk broadcasts list|show`: JSON out, parsing only;
the work is in services.subscriber_api and services.broadcasts (the REST API's use cases)."""

from __future__ import annotations

import argparse
from typing import Any

from models.enums import Channel, SubscriberStatus
from services import broadcasts, subscriber_api
from services.projects import get_project
from services.subscriber_api import MAX_PAGE


def _limit(value: str) -> int:
    number = int(value)
    if not 1 <= number <= MAX_PAGE:
        raise argparse.ArgumentTypeError(f"must be 1 to {MAX_PAGE}")
    return number


async def _subscribers(args: argparse.Namespace) -> Any:
    return await subscriber_api.list_subscribers(
        await get_project(args.project),
        channel=Channel(args.channel) if args.channel else None,
        tag=args.tag,
        status=SubscriberStatus(args.status) if args.status else None,
        limit=args.limit,
        cursor=args.cursor,
    )


async def _broadcasts(args: argparse.Namespace) -> Any:
    project = await get_project(args.project)
    return {"broadcasts": await broadcasts.list_broadcasts(project, limit=args.limit)}


async def _broadcast(args: argparse.Namespace) -> Any:
    return await broadcasts.get_broadcast(await get_project(args.project), args.broadcast_id)


def register(subparsers: Any) -> None:
    group = subparsers.add_parser("subscribers", help="a project's subscribers")
    sub = group.add_subparsers(dest="subscribers_command", required=True)
    listing = sub.add_parser("list", help="newest first (JSON; `next_cursor` pages on)")
    listing.add_argument("--project", required=True, help="project id")
    listing.add_argument("--channel", choices=["telegram", "max"])
    listing.add_argument("--tag")
    listing.add_argument("--status", choices=[str(s) for s in SubscriberStatus])
    listing.add_argument("--limit", type=_limit, default=50)
    listing.add_argument("--cursor")
    listing.set_defaults(handler=_subscribers)

    group = subparsers.add_parser("broadcasts", help="a project's broadcasts")
    sub = group.add_subparsers(dest="broadcasts_command", required=True)
    listing = sub.add_parser("list", help="newest first (JSON)")
    listing.add_argument("--project", required=True, help="project id")
    listing.add_argument("--limit", type=_limit, default=50)
    listing.set_defaults(handler=_broadcasts)
    show = sub.add_parser("show", help="one broadcast's progress (JSON)")
    show.add_argument("broadcast_id")
    show.add_argument("--project", required=True, help="project id")
    show.set_defaults(handler=_broadcast)

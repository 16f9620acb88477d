"""`helpdesk webhooks …`: inspect deliveries, replay an event, rotate the signing secret,
re-enable an endpoint after a 410, choose the event types the endpoint takes. Parsing only;
the work is in services.webhooks and services.webhook_settings."""

from __future__ import annotations

import argparse
from typing import Any

from services import webhook_settings, webhooks
from services.audit import CLI


async def _deliveries(args: argparse.Namespace) -> Any:
    return await webhooks.list_deliveries(args.project, failed_only=args.failed, limit=args.limit)


async def _replay(args: argparse.Namespace) -> Any:
    return await webhook_settings.replay_by_id(CLI, args.event_id)


async def _rotate(args: argparse.Namespace) -> Any:
    return await webhook_settings.rotate_secret(args.project, CLI)


async def _show_secret(args: argparse.Namespace) -> Any:
    return await webhook_settings.reveal_secret(args.project, CLI)


async def _test(args: argparse.Namespace) -> Any:
    return await webhook_settings.send_test_event(args.project, CLI)


async def _enable(args: argparse.Namespace) -> Any:
    return await webhook_settings.reenable(args.project, CLI)


async def _events(args: argparse.Namespace) -> Any:
    if args.all:
        return await webhook_settings.set_events(args.project, CLI, None)
    if args.only is not None:
        names = [name.strip() for name in args.only.split(",") if name.strip()]
        return await webhook_settings.set_events(args.project, CLI, names)
    return await webhook_settings.get_webhook(args.project)


def register(subparsers: Any) -> None:
    group = subparsers.add_parser("webhooks", help="webhook deliveries and signing secrets")
    sub = group.add_subparsers(dest="webhooks_command", required=True)

    deliveries = sub.add_parser("deliveries", help="recent events with their attempts")
    deliveries.add_argument("--project", required=True, help="project id")
    deliveries.add_argument(
        "--failed", action="store_true", help="only events given up on or failing now"
    )
    deliveries.add_argument("--limit", type=int, default=100)
    deliveries.set_defaults(handler=_deliveries)

    replay = sub.add_parser("replay", help="send an event again (same webhook-id)")
    replay.add_argument("event_id")
    replay.set_defaults(handler=_replay)

    rotate = sub.add_parser(
        "rotate-secret", help="new signing secret; the old one also signs for 24 h"
    )
    rotate.add_argument("--project", required=True, help="project id")
    rotate.set_defaults(handler=_rotate)

    show = sub.add_parser(
        "show-secret", help="the signing secret (and the previous one while it still signs)"
    )
    show.add_argument("--project", required=True, help="project id")
    show.set_defaults(handler=_show_secret)

    test = sub.add_parser("test", help="queue a signed webhook.test event to the endpoint")
    test.add_argument("--project", required=True, help="project id")
    test.set_defaults(handler=_test)

    enable = sub.add_parser("enable", help="resume delivery to an endpoint disabled by a 410")
    enable.add_argument("--project", required=True, help="project id")
    enable.set_defaults(handler=_enable)

    events = sub.add_parser(
        "events",
        help="the event types the endpoint takes: show them, choose some (--only), or all",
    )
    events.add_argument("--project", required=True, help="project id")
    choice = events.add_mutually_exclusive_group()
    choice.add_argument(
        "--only",
        metavar="TYPES",
        help="comma-separated event types, e.g. ticket.created,ticket.replied",
    )
    choice.add_argument("--all", action="store_true", help="every event type (the default)")
    events.set_defaults(handler=_events)

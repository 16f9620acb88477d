"""The `helpdesk` command: a scriptable contract.

Every command that creates or shows something prints one JSON document on stdout; errors go to
stderr as one line, with exit code 2.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable, Sequence
from importlib import metadata
from typing import Any

from helpdesk import cli_commands
from helpdesk.cli_commands import CliError
from helpdesk.logging_setup import configure_logging
from helpdesk.settings import Settings, SettingsError, load_settings
from services.errors import HelpdeskError

Handler = Callable[[argparse.Namespace], Awaitable[Any]]
EXIT_USAGE = 2
DISTRIBUTION = "messenger-helpdesk"  # pyproject's project name
PROG = "helpdesk"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # one line like every other error (argparse printed its multi-line usage first)
        raise CliError(f"{message} (see '{self.prog} --help')")

    def add_subparsers(self, **kwargs: Any) -> Any:  # type: ignore[override]
        # a missing command is reported after parsing (`_require_command`): argparse checks
        # required arguments first, so `helpdesk --bogus` said "a command is required"
        # instead of naming the unknown option
        kwargs["required"] = False
        self.set_defaults(command_group=self.prog)
        return super().add_subparsers(**kwargs)


def _require_command(args: argparse.Namespace) -> None:
    """The deepest command group named on the line must have been given a command."""
    if hasattr(args, "handler") or hasattr(args, "sync_handler"):
        return
    group = args.command_group
    what = "a command is required" if group == PROG else f"'{group}' needs a command"
    raise CliError(f"{what} (see '{group} --help')")


def package_version() -> str:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "yes", "1", "on"):
        return True
    if lowered in ("false", "no", "0", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {value!r}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Self-hosted helpdesk for Telegram and MAX.")
    parser.add_argument("--version", action="version", version=f"{PROG} {package_version()}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    serve = sub.add_parser("serve", help="run the HTTP API, the bots and the workers")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--role", choices=["all", "api", "bots", "workers"], default="all")
    serve.add_argument("--migrate", action="store_true", help="apply pending migrations first")
    serve.set_defaults(sync_handler=cli_commands.serve)

    migrate = sub.add_parser("migrate", help="apply pending database migrations")
    migrate.set_defaults(sync_handler=cli_commands.migrate)

    cli_commands.register(sub, _bool)
    for module_name in (
        "helpdesk.cli_webhooks",
        "helpdesk.cli_agent_chat",
        "helpdesk.cli_ratings",
        "helpdesk.cli_settings",
        "helpdesk.cli_console",
        "helpdesk.cli_sla",
        "helpdesk.cli_canned",
        "helpdesk.cli_notify",
        "helpdesk.cli_search",
    ):
        try:
            module = __import__(module_name, fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.register(sub)
    return parser


def _print(result: Any) -> None:
    from helpdesk.cli_settings import RawOutput

    if isinstance(result, RawOutput):  # e.g. a report as CSV
        sys.stdout.write(result)
    elif result is not None:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2, default=str) + "\n")


async def _run_with_database(settings: Settings, handler: Handler, args: argparse.Namespace) -> Any:
    from helpdesk.db import close_database, open_database, pending_migrations

    pending = await pending_migrations(settings.database_url)
    if pending:
        raise CliError("the database is not migrated: run `helpdesk migrate` first")
    await open_database(settings.database_url)
    try:
        return await handler(args)
    finally:
        await close_database()


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        _require_command(args)
        settings = load_settings()
        configure_logging(settings.log_level, settings.log_format)
        sync_handler = getattr(args, "sync_handler", None)
        if sync_handler is not None:
            return int(sync_handler(args, settings) or 0)
        _print(asyncio.run(_run_with_database(settings, args.handler, args)))
        return 0
    except (CliError, SettingsError) as exc:
        sys.stderr.write(f"helpdesk: error: {exc}\n")
        return EXIT_USAGE
    except HelpdeskError as exc:
        sys.stderr.write(f"helpdesk: error: {exc.message}\n")
        return EXIT_USAGE
    except OSError as exc:
        sys.stderr.write(f"helpdesk: error: {exc}\n")
        return EXIT_USAGE



"""``kinfolk``'s entry point: the parser of every command, and how a run ends.

Settings are loaded once (``web.config``), logging set up from them, and the
command run on the node's event loop. What a command raises becomes its exit
code here, and nowhere else: ``UsageError`` 2, a domain refusal 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from cli import accounts, base_url, crisis, delivery, moderation, policy, server
from cli.command import Command, UsageError
from node.errors import DomainError
from web import event_loop
from web.config import ConfigError, load_settings
from web.logs import configure_logging

EXIT_REFUSED = 1
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kinfolk",
        description="Run and administer a Kinfolk peer-support node. Settings come from "
        "environment variables (KINFOLK_*, DATABASE_URL) and an optional kinfolk.toml in the "
        "data directory; see the README.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    server.add_parsers(commands)
    base_url.add_parser(commands)
    accounts.add_parsers(commands)
    policy.add_parser(commands)
    moderation.add_parser(commands)
    crisis.add_parser(commands)
    delivery.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"kinfolk: {exc}", file=sys.stderr)
        return EXIT_USAGE
    configure_logging(settings.log_level, settings.log_format)
    command: Command = args.run
    try:
        event_loop.run(command(settings, args))
    except UsageError as exc:
        print(f"kinfolk: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except DomainError as exc:
        where = f" ({exc.field})" if exc.field else ""
        print(f"kinfolk: {exc.message}{where}", file=sys.stderr)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())

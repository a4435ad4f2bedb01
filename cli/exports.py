"""``kinfolk user export``: a member's archive (``node.export``) written to a file, for
an admin helping a member who cannot download it themselves. It says how far it got as
it goes (a large account takes a while), on standard error."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import IO, Any

from cli.command import UsageError, open_node
from node import accounts
from node.export.archive import write_archive
from web.config import Settings


def _create(output: Path) -> IO[bytes]:
    try:
        return output.open("xb")  # never over another file
    except FileExistsError:
        raise UsageError(f"{output} exists already: choose another file") from None


def _progress(section: str, count: int) -> None:
    print(f"  {section}: {count}", file=sys.stderr, flush=True)


async def cmd_user_export(settings: Settings, args: argparse.Namespace) -> None:
    output = Path(args.output)
    async with open_node(settings) as node:
        member = await accounts.member_by_username(node.session, node.site, args.username)
        if member is None:
            raise UsageError(f"no member called {args.username!r} here")
        with _create(output) as archive:
            print(f"Writing @{args.username}'s archive to {output}", file=sys.stderr)
            await write_archive(
                node.session, node.site, member, archive, now=node.now, progress=_progress
            )
            size = archive.tell()
    print(f"Wrote {output} ({size} bytes): give it to the member alone")


def add_parser(user_commands: Any) -> None:
    """Register ``kinfolk user export`` under ``kinfolk user``."""
    export = user_commands.add_parser(
        "export", help="write a member's archive of their own data to a file"
    )
    export.add_argument("username")
    export.add_argument("--output", required=True, metavar="FILE", help="the ZIP to write")
    export.set_defaults(run=cmd_user_export)

"""``kinfolk base-url``: the base URL the database belongs to, shown or moved on purpose.

Every member, group and post is named by a URL under the base URL, so every
command refuses a database that remembers another (``cli.command``); this is the
one way to change what it remembers.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from cli.command import UsageError, refuse_pending_migrations
from node.base_url import remembered_base_url, set_base_url
from node.storage.engine import create_engine, create_sessionmaker
from web.config import Settings, parse_base_url


async def cmd_base_url_show(settings: Settings, args: argparse.Namespace) -> None:
    engine = create_engine(settings.database_url, schema=settings.database_schema)
    try:
        await refuse_pending_migrations(engine)
        async with create_sessionmaker(engine).begin() as session:
            remembered = await remembered_base_url(session)
    finally:
        await engine.dispose()
    print(f"database: {remembered or '(not yet remembered: the next command adopts one)'}")
    print(f"configured: {settings.base_url}")


async def cmd_base_url_set(settings: Settings, args: argparse.Namespace) -> None:
    try:
        base_url = parse_base_url(args.url)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if not args.i_know:
        raise UsageError(
            f"this makes {base_url} the address new members, groups and posts are named "
            "under; those that exist keep their ids, and other servers go on using them. "
            "Add --i-know to do it."
        )
    engine = create_engine(settings.database_url, schema=settings.database_schema)
    try:
        await refuse_pending_migrations(engine)
        async with create_sessionmaker(engine).begin() as session:
            previous = await set_base_url(session, base_url, now=datetime.now(UTC))
    finally:
        await engine.dispose()
    print(f"The database now belongs to {base_url} (it was {previous or 'not remembered'}).")
    print("Members, groups and posts that exist keep their ids under the old address.")
    if base_url != settings.base_url:
        print(
            f"Note: this command is configured for {settings.base_url}; set KINFOLK_BASE_URL="
            f"{base_url} (or base_url in kinfolk.toml) before starting the node."
        )


def add_parser(commands: Any) -> None:
    """Register ``kinfolk base-url``."""
    base_url = commands.add_parser(
        "base-url",
        help="the base URL the database belongs to",
        description="The database remembers the base URL it was set up with (an older "
        "database: the one its members and groups are named under) and every command refuses "
        "another, since every member, group and post is named by a URL under it.",
    )
    sub = base_url.add_subparsers(dest="base_url_command", required=True, metavar="COMMAND")
    show = sub.add_parser("show", help="the database's base URL and the configured one")
    show.set_defaults(run=cmd_base_url_show)
    set_ = sub.add_parser(
        "set",
        help="move the node to another base URL, on purpose",
        description="Make URL the base URL new members, groups and posts are named under. "
        "Those that exist keep their ids (other servers know them by those), so do this only "
        "when the old address stays served or before federating. Set KINFOLK_BASE_URL to the "
        "same URL.",
    )
    set_.add_argument("url", metavar="URL", help="e.g. https://support.example.org")
    set_.add_argument("--i-know", action="store_true", help="confirm: existing ids do not move")
    set_.set_defaults(run=cmd_base_url_set)

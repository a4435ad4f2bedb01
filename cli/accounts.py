"""``kinfolk user`` and ``kinfolk group``: creating accounts and groups on this node, and
a one-time link for a member who cannot sign in (``kinfolk user reset-link``).

Passwords are asked twice on a terminal, or read from the first line of standard
input with ``--password-stdin`` (scripts); nothing prompts without a terminal.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cli import account_deletion, exports
from cli.command import UsageError, open_node
from node import accounts
from node.groups import creation
from node.kinds import JoinPolicy, NodeRole, Visibility
from node.mail.password_reset import ADMIN_LINK_LIFETIME, admin_reset_link
from node.passwords import Passwords
from node.site import Site
from node.views import Viewer
from web.config import Settings


def read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise UsageError("--password-stdin was given but standard input was empty")
        return password
    if not sys.stdin.isatty():
        raise UsageError("no terminal to ask for a password: pipe it in with --password-stdin")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password again: "):
        raise UsageError("the two passwords differ")
    return first


def password_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input (for scripts)",
    )


async def create_user(settings: Settings, username: str, password: str, role: NodeRole) -> None:
    async with open_node(settings) as node:
        account = await accounts.register(
            node.session,
            node.site,
            Passwords(),
            handle=username,
            password=password,
            role=role,
            now=node.now,
        )
    print(f"Created {role.value} @{account.actor.acct}")


async def cmd_user_create(settings: Settings, args: argparse.Namespace) -> None:
    role = NodeRole.ADMIN if args.admin else NodeRole.MODERATOR if args.moderator else None
    await create_user(settings, args.username, read_password(args), role or NodeRole.MEMBER)


async def cmd_user_reset_link(settings: Settings, args: argparse.Namespace) -> None:
    async with open_node(settings) as node:
        member = await accounts.member_by_username(node.session, node.site, args.username)
        if member is None:
            raise UsageError(f"no member called {args.username!r} here")
        link = await admin_reset_link(node.session, node.site, member, now=node.now)
    hours = int(ADMIN_LINK_LIFETIME.total_seconds() // 3600)
    print(f"A one-time link for @{args.username} to choose a new password ({hours} hours):")
    print(link)


async def _owner(session: AsyncSession, site: Site, username: str | None) -> Viewer:
    if username is None:
        owner = await accounts.first_admin(session)
    else:
        owner = await accounts.member_by_username(session, site, username)
    if owner is None:
        raise UsageError(
            f"no member called {username!r} here"
            if username
            else "no admin exists yet to own the group: pass --owner USERNAME"
        )
    return owner


async def cmd_group_create(settings: Settings, args: argparse.Namespace) -> None:
    async with open_node(settings) as node:
        owner = await _owner(node.session, node.site, args.owner)
        view = await creation.create_group(
            node.session,
            node.site,
            owner,
            handle=args.name,
            display_name=args.display_name,
            description=args.description,
            rules=[creation.RuleInput(title) for title in args.rule],
            visibility=Visibility.PRIVATE if args.private else Visibility.PUBLIC,
            join_policy=JoinPolicy.APPROVAL if args.approval else JoinPolicy.OPEN,
            language=args.language,
            now=node.now,
        )
    print(
        f"Created {view.visibility.value} group !{view.actor.acct} "
        f"({view.join_policy.value} joining), owned by {args.owner or 'the first admin'}"
    )


def add_parsers(commands: Any) -> None:
    """Register ``kinfolk user`` and ``kinfolk group``."""
    user = commands.add_parser("user", help="manage accounts")
    user_commands = user.add_subparsers(dest="user_command", required=True, metavar="COMMAND")
    user_create = user_commands.add_parser("create", help="create a local account")
    user_create.add_argument("username")
    roles = user_create.add_mutually_exclusive_group()
    roles.add_argument("--admin", action="store_true", help="make the account a node admin")
    roles.add_argument("--moderator", action="store_true", help="make the account a node moderator")
    password_flag(user_create)
    user_create.set_defaults(run=cmd_user_create)
    account_deletion.add_parser(user_commands)
    exports.add_parser(user_commands)
    reset_link = user_commands.add_parser(
        "reset-link",
        help="print a one-time link with which a member chooses a new password",
        description="Print a one-time link with which the member chooses a new password. "
        "It works once, for 24 hours, and needs no mail server: hand it to the member "
        "yourself, in a way you trust. Using it signs them out everywhere.",
    )
    reset_link.add_argument("username", help="the member's username on this node")
    reset_link.set_defaults(run=cmd_user_reset_link)

    group = commands.add_parser("group", help="manage groups")
    group_commands = group.add_subparsers(dest="group_command", required=True, metavar="COMMAND")
    group_create = group_commands.add_parser("create", help="create a local group")
    group_create.add_argument("name", help="the group's handle, e.g. grief-circle")
    group_create.add_argument(
        "--private", action="store_true", help="only members see posts; not in the directory"
    )
    group_create.add_argument(
        "--approval", action="store_true", help="moderators approve each request to join"
    )
    group_create.add_argument(
        "--owner", metavar="USERNAME", help="the owning member (default: the first admin)"
    )
    group_create.add_argument("--display-name", default="", help="a friendly name")
    group_create.add_argument("--description", default="", help="what the group is for")
    group_create.add_argument(
        "--rule", action="append", default=[], metavar="TEXT", help="a rule (repeat, in order)"
    )
    group_create.add_argument("--language", default="en", help="main language (default: en)")
    group_create.set_defaults(run=cmd_group_create)

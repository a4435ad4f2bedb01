"""``kinfolk user delete NAME``: the node's operator deletes an account its member asked
them to delete (``node.account_deletion``, as the member's own settings page does).

It asks to type the name again on a terminal, unless ``--yes`` (scripts); without a
terminal and without ``--yes`` it refuses. The node's last admin is never deleted.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from cli.command import UsageError, open_node
from node.account_deletion import deleting
from web.config import Settings


def _confirmed(username: str) -> bool:
    if not sys.stdin.isatty():
        raise UsageError("no terminal to confirm on: add --yes if you are sure")
    print(
        f"This deletes @{username} for good: they are signed out, their posts are wiped "
        "here and other servers are asked to delete their copies. Their name stays taken."
    )
    return input("Type the name again to delete the account: ").strip() == username


async def cmd_user_delete(settings: Settings, args: argparse.Namespace) -> None:
    if not args.yes and not _confirmed(args.username):
        raise UsageError("the name did not match: nothing was deleted")
    async with open_node(settings) as node:
        actor = await deleting.delete_account(node.session, node.site, args.username, now=node.now)
    print(f"Deleted @{actor.acct}; their posts are wiped by the worker in the background")


def add_parser(user_commands: Any) -> None:
    """Register ``kinfolk user delete``."""
    delete = user_commands.add_parser(
        "delete",
        help="delete an account for good, at its member's request",
        description="Delete an account for good, at its member's request: it is signed out, "
        "its profile answers 410, its posts are wiped (tombstones keep the replies of "
        "others) and other servers are sent the Delete of the actor. The name stays taken.",
    )
    delete.add_argument("username")
    delete.add_argument("--yes", action="store_true", help="do not ask to confirm (scripts)")
    delete.set_defaults(run=cmd_user_delete)

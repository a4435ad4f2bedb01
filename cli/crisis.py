"""``kinfolk crisis``: the node's crisis resources, and a group's.

``show`` prints a list, one resource a line; ``set`` replaces a list with the JSON
in a file (or ``-``, standard input) in the API's shape (``PUT
/api/v1/node/crisis-resources``: ``{"resources": [...]}`` or the bare list), as the
account ``--by`` names: an admin for the node's, a moderator for a group's. The
same services as the API and the pages (``node.crisis.editing``) check and save it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cli.command import UsageError, open_node
from node import accounts
from node.crisis import editing
from node.crisis.resources import ResourceEntry
from node.errors import NotFound
from web.config import Settings


def _line(entry: ResourceEntry) -> str:
    fields = [entry.name, entry.kind.value, entry.value, entry.country or "-"]
    fields += [" ".join(entry.languages) or "-", entry.hours, entry.note]
    return "\t".join(fields)


async def cmd_show(settings: Settings, args: argparse.Namespace) -> None:
    async with open_node(settings) as node:
        if args.group:
            listed = await editing.group_resources(node.session, node.site, None, args.group)
        else:
            listed = await editing.node_resources(node.session)
    for entry in listed:
        print(_line(entry))
    if not listed:
        print("No crisis resources yet.")


def _read(source: str) -> list[ResourceEntry]:
    # The API's own reading, imported here: other commands start without the web API.
    from web.api.crisis_api import ResourceListBody, entries_of

    text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    try:
        given: Any = json.loads(text)
        wrapped = {"resources": given} if isinstance(given, list) else given
        # As JSON, like the API reads it (strict: enums from their string values).
        body = ResourceListBody.model_validate_json(json.dumps(wrapped))
    except (ValueError, ValidationError) as exc:
        raise UsageError(f"{source}: not a list of crisis resources: {exc}") from None
    return entries_of(body)


async def cmd_set(settings: Settings, args: argparse.Namespace) -> None:
    entries = _read(args.file)
    async with open_node(settings) as node:
        viewer = await accounts.member_by_username(node.session, node.site, args.by)
        if viewer is None:
            raise NotFound(f"no account called {args.by!r} here", field="--by")
        if args.group:
            saved = await editing.set_group_resources(
                node.session, node.site, viewer, args.group, entries, now=node.now
            )
        else:
            saved = await editing.set_node_resources(node.session, viewer, entries)
    where = f"the group {args.group}" if args.group else "the node"
    print(f"Saved {len(saved)} crisis resource(s) for {where}")


def add_parser(commands: Any) -> None:
    """Register ``kinfolk crisis``."""
    crisis = commands.add_parser(
        "crisis",
        help="crisis resources: the node's, and a group's",
        description="Crisis resources, shown under 'If you need help now': a group's own "
        "first, then the node's.",
    )
    sub = crisis.add_subparsers(dest="crisis_command", required=True, metavar="COMMAND")
    show = sub.add_parser("show", help="print a list, one resource a line (tab-separated)")
    show.add_argument("--group", metavar="NAME", help="a group's list (default: the node's)")
    show.set_defaults(run=cmd_show)
    put = sub.add_parser(
        "set",
        help="replace a list with the JSON in FILE",
        description="Replace the node's list (as an admin) or a group's (as one of its "
        "moderators) with FILE: JSON, as the API takes it.",
    )
    put.add_argument("file", metavar="FILE", help="a JSON file, or - for standard input")
    put.add_argument("--group", metavar="NAME", help="a group's list (default: the node's)")
    put.add_argument("--by", metavar="USERNAME", required=True, help="who acts (checked)")
    put.set_defaults(run=cmd_set)

"""``kinfolk mod``: node moderation from the command line.

Suspending and unsuspending accounts of this node, reading the node's own
moderation log, and working the report queue (list, resolve, dismiss, remove the
post reported). Suspension and the log act as the node's operator (whoever holds the
shell), unless ``--by`` names the admin or moderator to act as: then that
account's permissions apply and the log names them. Reports are always worked
as someone (``--by`` is required): who may see a report, and who is named in
the group's log, depends on it.
"""

from __future__ import annotations

import argparse
from typing import Any

from cli.command import Node, open_node
from federation.actions.suspension import suspend_account
from node import accounts, suspensions
from node.errors import NotFound
from node.kinds import ReportKind, ReportState
from node.moderation import LogEntryView
from node.posts import removal
from node.reports import report_queue
from node.reports.report_views import ReportView
from node.views import Viewer
from web.config import Settings

LOG_LIMIT = 20


async def _acting(node: Node, username: str | None) -> Viewer | None:
    """The account ``--by`` names (None: the node's operator, without an account)."""
    if username is None:
        return None
    viewer = await accounts.member_by_username(node.session, node.site, username)
    if viewer is None:
        raise NotFound(f"no account called {username!r} here", field="--by")
    return viewer


async def cmd_suspend(settings: Settings, args: argparse.Namespace) -> None:
    async with open_node(settings) as node:
        suspended = await suspend_account(
            node.session,
            node.site,
            await _acting(node, args.by),
            args.user,
            reason=args.reason,
            now=node.now,
        )
    print(f"Suspended @{suspended.status.actor.acct}: {args.reason.strip()}")
    if suspended.dropped:
        print(f"Dropped {suspended.dropped} queued deliveries of its activities")


async def cmd_unsuspend(settings: Settings, args: argparse.Namespace) -> None:
    async with open_node(settings) as node:
        status = await suspensions.unsuspend_account(
            node.session,
            node.site,
            await _acting(node, args.by),
            args.user,
            reason=args.reason,
            now=node.now,
        )
    print(f"Lifted the suspension of @{status.actor.acct}")


def _log_line(entry: LogEntryView) -> str:
    when = entry.created_at.isoformat(timespec="seconds").replace("+00:00", "Z")
    target = f"@{entry.target_actor.acct}" if entry.target_actor else entry.target_uri
    by = f"@{entry.moderator.acct}" if entry.moderator else "(command line)"
    return f"{when}\t{entry.action.value}\t{target}\tby {by}\t{entry.reason}".rstrip()


async def cmd_log(settings: Settings, args: argparse.Namespace) -> None:
    async with open_node(settings) as node:
        page = await suspensions.list_node_log(node.session, None, limit=args.limit)
    for entry in page.items:
        print(_log_line(entry))
    if not page.items:
        print("The node's moderation log is empty.")


def _report_line(report: ReportView) -> str:
    when = report.created_at.isoformat(timespec="seconds").replace("+00:00", "Z")
    about = report.post or (f"@{report.target_actor.acct}" if report.target_actor else "")
    where = f"in @{report.group.acct}" if report.group else "(node)"
    origin = "here" if report.local else "from another node"
    rule = report.group_rule or report.node_rule
    cited = f" [rule: {rule.title}]" if rule else ""
    reason = " ".join(report.reason.split())
    if report.kind is ReportKind.CARE:  # someone is worried: nothing to judge
        reason = f"[care] {reason}".rstrip()
    fields = (report.public_id, when, report.state.value, f"{about} {where}", origin)
    return "\t".join((*fields, reason + cited))


async def _worker(node: Node, username: str) -> Viewer:
    viewer = await _acting(node, username)
    assert viewer is not None  # a name was given
    return viewer


async def cmd_reports(settings: Settings, args: argparse.Namespace) -> None:
    state = None if args.state == "all" else ReportState(args.state)
    async with open_node(settings) as node:
        page = await report_queue.list_reports(
            node.session, await _worker(node, args.by), state=state, limit=args.limit
        )
    for report in page.items:
        print(_report_line(report))
    if not page.items:
        print(f"No {'' if state is None else state.value + ' '}reports for @{args.by}.")


async def cmd_close(settings: Settings, args: argparse.Namespace) -> None:
    dismiss = args.mod_command == "dismiss"
    async with open_node(settings) as node:
        view = await report_queue.close_report(
            node.session,
            await _worker(node, args.by),
            args.report,
            dismiss=dismiss,
            note=args.note,
            now=node.now,
        )
    print(f"Report {view.public_id} {view.state.value}")


async def cmd_remove(settings: Settings, args: argparse.Namespace) -> None:
    async with open_node(settings) as node:
        await removal.remove_post(
            node.session,
            await _worker(node, args.by),
            args.post,
            reason=args.reason,
            now=node.now,
        )
    print(f"Removed post {args.post}: {args.reason.strip()}")


def _by_flag(parser: argparse.ArgumentParser, *, required: bool = False) -> None:
    if required:
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            required=True,
            help="the admin, node moderator or group moderator who acts (checked, and "
            "named in the log)",
        )
        return
    parser.add_argument(
        "--by",
        metavar="USERNAME",
        help="act as this admin or moderator (checked, and named in the log); "
        "default: the node's operator, logged without a name",
    )


def _report_parsers(sub: Any) -> None:
    queue = sub.add_parser(
        "reports",
        help="list the reports you work, newest first",
        description="List the reports --by works: node staff see every report on this node, "
        "group moderators those about their groups. One per line, tab-separated: id, time, "
        "state, what was reported and where, where the report came from, reason [rule].",
    )
    queue.add_argument(
        "--state",
        choices=["open", "resolved", "dismissed", "all"],
        default="open",
        help="which reports (default: open)",
    )
    queue.add_argument(
        "--limit",
        type=int,
        default=LOG_LIMIT,
        metavar="N",
        help=f"how many, 1 to 100 (default: {LOG_LIMIT})",
    )
    _by_flag(queue, required=True)
    queue.set_defaults(run=cmd_reports)
    for name, state, meaning in (
        ("resolve", "resolved", "acted on (the action itself is in the moderation log)"),
        ("dismiss", "dismissed", "looked at and left alone"),
    ):
        close = sub.add_parser(
            name,
            help=f"close an open report as {state}: {meaning}",
            description=f"Close an open report as {state}: {meaning}. Written to the group's "
            "moderation log (or the node's, for a report about no group here).",
        )
        close.add_argument("report", metavar="REPORT", help="the report's id (see 'reports')")
        close.add_argument(
            "--note", default="", metavar="TEXT", help="for the other moderators (not published)"
        )
        _by_flag(close, required=True)
        close.set_defaults(run=cmd_close)
    remove = sub.add_parser(
        "remove",
        help="remove a post or reply, saying why",
        description="Remove a post or reply: hidden on every node that holds it, kept so it "
        "can be restored, written to the group's moderation log.",
    )
    remove.add_argument(
        "post", metavar="POST", help="the post's id (as the API and reports show it)"
    )
    remove.add_argument("--reason", required=True, metavar="TEXT", help="why (in the log)")
    _by_flag(remove, required=True)
    remove.set_defaults(run=cmd_remove)


def add_parser(commands: Any) -> None:
    """Register ``kinfolk mod``."""
    mod = commands.add_parser(
        "mod",
        help="node moderation: reports, removals, suspensions, the node's moderation log",
        description="Node moderation. Reports are listed and closed as a moderator (--by), "
        "who may also remove the post reported. A suspended account cannot sign in or use its "
        "tokens, its posts are hidden like removed ones, other nodes see it as suspended, and "
        "nothing is sent for it; nothing is deleted, so unsuspending restores it. Every "
        "change goes to the node's moderation log.",
    )
    sub = mod.add_subparsers(dest="mod_command", required=True, metavar="COMMAND")
    suspend = sub.add_parser(
        "suspend",
        help="suspend an account of this node, saying why",
        description="Suspend an account of this node. The reason is written to the node's "
        "moderation log (see 'kinfolk mod log').",
    )
    suspend.add_argument("user", metavar="USER", help="the account's username, e.g. ana")
    suspend.add_argument(
        "--reason", metavar="TEXT", required=True, help="why (written to the moderation log)"
    )
    _by_flag(suspend)
    suspend.set_defaults(run=cmd_suspend)
    unsuspend = sub.add_parser("unsuspend", help="lift an account's suspension")
    unsuspend.add_argument("user", metavar="USER", help="the account's username")
    unsuspend.add_argument(
        "--reason", metavar="TEXT", default="", help="why (written to the moderation log)"
    )
    _by_flag(unsuspend)
    unsuspend.set_defaults(run=cmd_unsuspend)
    log = sub.add_parser(
        "log",
        help="show the node's moderation log, newest first",
        description="Show the node-level moderation log (suspensions, …), newest first, one "
        "entry per line: time, action, target, who, reason (tab-separated).",
    )
    log.add_argument(
        "--limit",
        type=int,
        default=LOG_LIMIT,
        metavar="N",
        help=f"how many entries, 1 to 100 (default: {LOG_LIMIT})",
    )
    log.set_defaults(run=cmd_log)
    _report_parsers(sub)

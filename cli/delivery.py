"""``kinfolk delivery``: what waits to be sent to other nodes, host by host.

``list`` counts each host's pending and failed deliveries, or with ``--host`` shows
them (newest first); ``retry`` sends a host's queue now and closes its breaker;
``drop`` fails its pending deliveries with a reason (kept, and logged, never deleted).
The admin's host page does the same through the same service
(``federation.delivery.host_admin``). Counts go to standard output, progress to
standard error.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime
from typing import Any

from cli.command import UsageError, open_node
from federation.delivery import host_admin
from federation.tables import QueueState
from node.errors import InvalidInput
from web.config import Settings

STATES = {"pending": QueueState.QUEUED, "failed": QueueState.FAILED}


def _host(value: str) -> str:
    try:
        return host_admin.parse_host(value)
    except InvalidInput as error:
        raise argparse.ArgumentTypeError(error.message) from None


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else moment.strftime("%Y-%m-%d %H:%M UTC")


def _progress(verb: str) -> host_admin.Progress:
    def report(done: int, total: int) -> None:
        sys.stderr.write(f"\r{verb} {done}/{total} deliveries")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return report


async def cmd_list(settings: Settings, args: argparse.Namespace) -> None:
    state = STATES.get(args.state) if args.state else None
    if args.host is None:
        async with open_node(settings) as node:
            counts = await host_admin.host_counts(node.session, state=state)
        print("host\tpending\tfailed")
        for count in counts:
            print(f"{count.host}\t{count.pending}\t{count.failed}")
        return
    async with open_node(settings) as node:
        health = await host_admin.host_health(node.session, args.host, node.now)
        page = await host_admin.host_queue(
            node.session, args.host, state=state or QueueState.QUEUED, limit=args.limit
        )
    _print_health(health)
    for item in page.items:
        print(
            "\t".join(
                (
                    str(item.id),
                    item.state.value,
                    item.activity_type,
                    item.object_uri or "-",
                    item.actor_uri,
                    f"attempts {item.attempts}",
                    f"next {_when(item.next_attempt_at)}",
                    item.last_error or "",
                )
            ).rstrip("\t")
        )
    if page.next_before is not None:
        print(f"... and more (the newest {args.limit} shown; see --limit)")


def _print_health(health: host_admin.HostHealth) -> None:
    print(f"{health.host}: {health.pending} pending, {health.failed} failed")
    if health.breaker_open_until is not None:
        print(f"breaker open until {_when(health.breaker_open_until)}")
    if health.failing_since is not None:
        streak = health.consecutive_failures
        print(f"failing since {_when(health.failing_since)} ({streak} in a row)")
    if health.unreachable_since is not None:
        print(f"unreachable since {_when(health.unreachable_since)}: nothing new is sent")
    if health.last_error:
        print(f"last error: {health.last_error}")


async def cmd_retry(settings: Settings, args: argparse.Namespace) -> None:
    async with open_node(settings) as node:
        retried = await host_admin.retry_host(
            node.session, args.host, now=node.now, progress=_progress("Retrying")
        )
    print(f"{args.host}: {retried} deliveries due now; its breaker is closed")


async def cmd_drop(settings: Settings, args: argparse.Namespace) -> None:
    if not args.yes:
        async with open_node(settings) as node:
            pending = (await host_admin.host_health(node.session, args.host, node.now)).pending
        if not pending:
            print(f"{args.host}: nothing pending")
            return
        if not sys.stdin.isatty():
            raise UsageError(f"this drops {pending} pending deliveries to {args.host}: add --yes")
        question = f"Drop {pending} pending deliveries to {args.host}? [y/N] "
        answer = await asyncio.to_thread(input, question)
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing dropped")
            return
    async with open_node(settings) as node:
        dropped = await host_admin.drop_host(
            node.session, args.host, now=node.now, progress=_progress("Dropping")
        )
    print(f"{args.host}: {dropped} pending deliveries dropped (kept as failed, with the reason)")


def add_parser(commands: Any) -> None:
    """Register ``kinfolk delivery``."""
    delivery = commands.add_parser(
        "delivery",
        help="what waits to be sent to other nodes: list, retry or drop, host by host",
        description="The delivery queue, host by host. A host is a domain, with its port "
        "unless it is the default (example.org, example.org:8443).",
    )
    sub = delivery.add_subparsers(dest="delivery_command", required=True, metavar="COMMAND")
    list_ = sub.add_parser(
        "list",
        help="count each host's pending and failed deliveries, or show one host's",
        description="Without --host: every host with pending or failed deliveries, with "
        "their counts (tab-separated). With --host: the host's breaker and last error, then "
        "its deliveries, newest first: id, state, activity type, the post or object it is "
        "about, its sender, attempts, next attempt, last error.",
    )
    list_.add_argument("--host", type=_host, help="one host's deliveries")
    list_.add_argument("--state", choices=list(STATES), help="only pending, or only failed")
    list_.add_argument("--limit", type=int, default=100, help="most deliveries shown (100)")
    list_.set_defaults(run=cmd_list)
    retry = sub.add_parser(
        "retry",
        help="send a host's deliveries now and close its breaker",
        description="Closes the host's breaker, makes its pending deliveries due now and "
        "puts those given up on (no answer, unreachable) back on the queue from their first "
        "attempt. Deliveries failed on purpose (refused by policy, a suspended sender, a "
        "deleted account, dropped) stay failed.",
    )
    retry.add_argument("--host", type=_host, required=True)
    retry.set_defaults(run=cmd_retry)
    drop = sub.add_parser(
        "drop",
        help="give up a host's pending deliveries (kept as failed, logged)",
        description="Marks every pending delivery to the host failed, 'dropped by an admin': "
        "nothing more is sent of them. The rows stay (as failed rows do) and the drop is "
        "logged. Asks first, unless --yes.",
    )
    drop.add_argument("--host", type=_host, required=True)
    drop.add_argument("--yes", action="store_true", help="do not ask first")
    drop.set_defaults(run=cmd_drop)

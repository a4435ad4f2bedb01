"""``kinfolk policy subscription …`` and ``policy trust``/``untrust``: shared blocklists
the node follows, and the trusted tier.

Each command calls the one service the admin page and API call too: subscribing and
previewing are ``node.federation_policy.subscriptions``; fetching is
``federation.blocklists.refresh``; applying, leaving and trusting go through
``federation.actions.policy_change``, so an apply cuts what it refuses at once.
"""

from __future__ import annotations

import argparse
from typing import Any

from cli.command import open_node
from federation.actions import policy_change
from node.federation_policy import subscriptions
from node.federation_policy.decision import Severity
from node.federation_policy.merging import ChangeKind, Plan
from node.federation_policy.subscriptions import Subscription
from node.storage.engine import create_engine, create_sessionmaker
from web.config import Settings

_SAID = {
    ChangeKind.ADDED: "add",
    ChangeKind.RAISED: "raise",
    ChangeKind.LOWERED: "lower",
    ChangeKind.CHANGED: "change",
    ChangeKind.REMOVED: "remove",
}


def _describe(found: Subscription) -> str:
    state = [f"ceiling {found.ceiling.value}", "applies itself" if found.auto_apply else ""]
    state.append(f"{found.entries} domain(s)")
    fetched = f"fetched {found.fetched_at:%Y-%m-%d %H:%M}" if found.fetched_at else "not fetched"
    state.append(fetched)
    if found.applied_at:
        state.append(f"applied {found.applied_at:%Y-%m-%d %H:%M}")
    if found.pending:
        state.append("changes to preview")
    if found.last_error:
        state.append(f"last error {found.last_error_at:%Y-%m-%d %H:%M}: {found.last_error}")
    return f"{found.id}\t{found.label}\t" + ", ".join(word for word in state if word)


def _print_plan(plan: Plan, found: Subscription, *, done: bool) -> None:
    verb = "Changed" if done else "Would change"
    print(f"{verb} {len(plan.changes)} rule(s) from {found.label}:")
    for change in plan.changes:
        before = change.before.severity.value if change.before else "-"
        after = change.after.severity.value if change.after else "-"
        print(f"  {_SAID[change.kind]}\t{change.domain}\t{before} -> {after}")
    for domain in plan.kept_local:
        print(f"  keep\t{domain}\t(your own rule wins)")
    for line in found.unapplicable:
        print(f"  cannot be applied: {line}")


async def cmd_subscribe(settings: Settings, args: argparse.Namespace) -> None:
    async with open_node(settings) as node:
        found = await subscriptions.subscribe(
            node.session,
            args.url,
            ceiling=args.ceiling,
            name=args.name or "",
            auto_apply=args.auto_apply,
            now=node.now,
        )
    print(f"Subscribed: {_describe(found)}")
    print(f"Fetch it now with 'kinfolk policy subscription refresh {found.id}'.")


async def cmd_list(settings: Settings, args: argparse.Namespace) -> None:
    async with open_node(settings) as node:
        for found in await subscriptions.list_subscriptions(node.session):
            print(_describe(found))
            for line in found.unapplicable:
                print(f"\tcannot be applied: {line}")


async def cmd_refresh(settings: Settings, args: argparse.Namespace) -> None:
    # Imported here: the other commands start without the federation runtime.
    from federation.blocklists import Fetcher, refresh
    from federation.runtime import federation_runtime

    async with open_node(settings) as node:  # checks the database first
        ident = (await subscriptions.subscription(node.session, args.list)).id
    engine = create_engine(settings.database_url, schema=settings.database_schema)
    try:
        sessions = create_sessionmaker(engine)
        async with federation_runtime(settings, sessions, lambda: node.now) as runtime:
            fed = runtime.federation
            refreshed = await refresh(Fetcher(sessions, fed.http, fed.egress, fed.clock), ident)
        async with sessions() as session:
            shown = await subscriptions.preview(session, ident)
    finally:
        await engine.dispose()
    print(_describe(refreshed.subscription))
    if not refreshed.error and not refreshed.applied:
        _print_plan(shown.plan, shown.subscription, done=False)


async def cmd_preview(settings: Settings, args: argparse.Namespace) -> None:
    async with open_node(settings) as node:
        shown = await subscriptions.preview(node.session, args.list)
    _print_plan(shown.plan, shown.subscription, done=False)


async def cmd_apply(settings: Settings, args: argparse.Namespace) -> None:
    async with open_node(settings) as node:
        applied = await policy_change.apply_subscription(node.session, args.list, now=node.now)
    _print_plan(applied.value.plan, applied.value.subscription, done=True)


async def cmd_change(settings: Settings, args: argparse.Namespace) -> None:
    auto = None if args.auto_apply is None else args.auto_apply == "on"
    async with open_node(settings) as node:
        found = await subscriptions.change_subscription(
            node.session, args.list, ceiling=args.ceiling, auto_apply=auto
        )
    print(_describe(found))


async def cmd_unsubscribe(settings: Settings, args: argparse.Namespace) -> None:
    async with open_node(settings) as node:
        left = await policy_change.unsubscribe(node.session, args.list, now=node.now)
    _print_plan(left.value.plan, left.value.subscription, done=True)


async def cmd_trust(settings: Settings, args: argparse.Namespace) -> None:
    trusted = args.policy_command == "trust"
    async with open_node(settings) as node:
        rule = await policy_change.set_trusted(node.session, args.domain, trusted, now=node.now)
    print(f"{rule.domain} is {'trusted' if trusted else 'no longer trusted'}")


def add_parsers(sub: Any) -> None:
    """Register ``policy subscription …``, ``policy trust`` and ``policy untrust``."""
    ceilings = [s.value for s in Severity]
    lists = sub.add_parser(
        "subscription",
        help="shared blocklists this node follows (fetched every 6 hours)",
        description="Formats: Mastodon's domain-block CSV, FediBlockHole's CSV and JSON "
        "(Mastodon's domain_blocks), RapidBlock JSON, one domain per line. A list sets "
        "rules up to its ceiling; several lists: the most severe wins; your own rules "
        "always win. LIST: the number, URL or name of a subscription.",
    )
    commands = lists.add_subparsers(dest="list_command", required=True, metavar="COMMAND")
    add = commands.add_parser("add", help="subscribe to a list by URL")
    add.add_argument("url")
    add.add_argument("--name", help="what to call the list")
    add.add_argument("--ceiling", choices=ceilings, default="limit", help="(default: limit)")
    add.add_argument(
        "--auto-apply", action="store_true", help="apply each fetch at once (default: preview)"
    )
    add.set_defaults(run=cmd_subscribe)
    commands.add_parser("list", help="every list and its state").set_defaults(run=cmd_list)
    for name, run, text in (
        ("refresh", cmd_refresh, "fetch a list now and show what applying it would change"),
        ("preview", cmd_preview, "what applying the list as last fetched would change"),
        ("apply", cmd_apply, "apply the list as last fetched"),
        ("remove", cmd_unsubscribe, "unsubscribe: rules from this list alone are removed"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("list", metavar="LIST")
        command.set_defaults(run=run)
    change = commands.add_parser("set", help="change a list's ceiling or automatic apply")
    change.add_argument("list", metavar="LIST")
    change.add_argument("--ceiling", choices=ceilings)
    change.add_argument("--auto-apply", choices=["on", "off"])
    change.set_defaults(run=cmd_change)
    for name, text in (
        ("trust", "mark a node trusted (private groups may admit only trusted nodes)"),
        ("untrust", "no longer trust a node"),
    ):
        trust = sub.add_parser(name, help=text)
        trust.add_argument("domain")
        trust.set_defaults(run=cmd_trust)

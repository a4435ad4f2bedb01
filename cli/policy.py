"""``kinfolk policy``: which nodes this one talks to.

The mode, a rule per domain, Mastodon's domain-block CSV both ways, and whether
NodeInfo publishes the policy. A change is made by ``federation.actions.policy_change``,
as the admin API's and pages' are, cutting what it refuses at once (ties and queued
deliveries); a running node picks it up within seconds (``federation.policy_cache.PolicyCache``).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from cli import policy_lists
from cli.command import UsageError, open_node
from federation.actions import policy_change
from federation.actions.policy_change import Enforced
from node.federation_policy import storage, subscriptions
from node.federation_policy.decision import (
    Mode,
    Rule,
    Severity,
    normalize_domain,
    rules_from_csv,
    rules_to_csv,
)
from web.config import Settings


def _say_what_was_cut(enforced: Enforced) -> None:
    """What a change cut at once: ties to refused domains, deliveries queued to them."""
    cut, dropped = enforced.cut, enforced.dropped
    if cut.memberships or cut.follows:
        print(
            f"Cut {cut.memberships} membership(s) and {cut.follows} follow(s) "
            f"with {', '.join(cut.domains)}"
        )
    if dropped:
        print(f"Dropped queued deliveries to {', '.join(dropped)}")


async def cmd_policy_mode(settings: Settings, args: argparse.Namespace) -> None:
    async with open_node(settings) as node:
        changed = await policy_change.set_mode(node.session, args.mode, now=node.now)
        _say_what_was_cut(changed.enforced)
    mode = changed.value
    print(f"Federation mode: {mode.value}")


async def cmd_policy_set(settings: Settings, args: argparse.Namespace) -> None:
    async with open_node(settings) as node:
        changed = await policy_change.set_rule(
            node.session,
            args.domain,
            args.action,
            reason=args.reason,
            private_reason=args.private_reason,
            now=node.now,
        )
        mode = await storage.get_mode(node.session)
        _say_what_was_cut(changed.enforced)
    rule = changed.value
    print(f"{rule.domain}: {_describe_rule(rule)}")
    if mode is Mode.OPEN:
        print("Note: the mode is 'open', so rules are not enforced until it changes.")


async def cmd_policy_remove(settings: Settings, args: argparse.Namespace) -> None:
    async with open_node(settings) as node:
        # In allowlist mode, removing an allow refuses: that is cut too.
        _say_what_was_cut(await policy_change.remove_rule(node.session, args.domain, now=node.now))
    print(f"Removed the rule for {normalize_domain(args.domain)}")


def _describe_rule(rule: Rule, lists: list[str] | None = None) -> str:
    words = [rule.severity.value] if rule.severity is not Severity.NOOP else []
    words += [
        w
        for w, on in (
            ("reject-media", rule.reject_media),
            ("reject-reports", rule.reject_reports),
            ("allow", rule.allow),
            ("trusted", rule.trusted),
        )
        if on
    ]
    text = " ".join(words) or "noop"
    if rule.public_comment:
        text += f"  reason: {rule.public_comment}"
    if rule.private_comment:
        text += f"  private: {rule.private_comment}"
    if lists:
        text += f"  lists: {', '.join(lists)}" + (" (your own rule wins)" if rule.local else "")
    return text


async def cmd_policy_list(settings: Settings, args: argparse.Namespace) -> None:
    async with open_node(settings) as node:
        mode = await storage.get_mode(node.session)
        rules = await storage.list_rules(node.session)
        sources = await subscriptions.sources_of(node.session, [rule.domain for rule in rules])
    print(f"mode: {mode.value}")
    for rule in rules:
        print(f"{rule.domain}\t{_describe_rule(rule, sources.get(rule.domain))}")


class _ProgressBar:
    """A progress bar on standard error (scripts read standard output)."""

    def __init__(self, total: int, width: int = 30) -> None:
        self.total, self.width = total, width

    def __call__(self, done: int) -> None:
        filled = self.width * done // max(self.total, 1)
        bar = "#" * filled + "-" * (self.width - filled)
        sys.stderr.write(f"\rImporting [{bar}] {done}/{self.total} domains")
        if done >= self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _read_rules(file: str) -> list[Rule]:
    """Parse the whole file first, so a bad line changes nothing."""
    if file == "-":
        return list(rules_from_csv(sys.stdin))
    try:
        with open(file, encoding="utf-8-sig", newline="") as handle:
            return list(rules_from_csv(handle))
    except OSError as exc:
        raise UsageError(f"cannot read {file}: {exc.strerror}") from None


async def cmd_policy_import(settings: Settings, args: argparse.Namespace) -> None:
    rules = _read_rules(args.file)
    async with open_node(settings) as node:
        imported = await policy_change.import_rules(
            node.session, rules, now=node.now, progress=_ProgressBar(len(rules))
        )
        _say_what_was_cut(imported.enforced)
    print(f"Imported {imported.value} domain rule(s)")


async def cmd_policy_publish(settings: Settings, args: argparse.Namespace) -> None:
    async with open_node(settings) as node:
        publish = await storage.set_publish(node.session, args.state == "on", now=node.now)
    print(f"NodeInfo {'publishes' if publish else 'does not publish'} the federation policy")


async def cmd_policy_export(settings: Settings, args: argparse.Namespace) -> None:
    async with open_node(settings) as node:
        rules = await storage.list_rules(node.session)
    sys.stdout.write(rules_to_csv(rules))


def add_parser(commands: Any) -> None:
    """Register ``kinfolk policy``."""
    policy = commands.add_parser(
        "policy",
        help="federation policy: which nodes this one talks to",
        description="Federation policy. Modes: blocklist (default: everyone but suspended "
        "domains), allowlist (only domains set to 'allow'), open (everyone; rules kept but not "
        "enforced). A rule on example.com covers its subdomains; *.example.com only them. "
        "Changes reach a running node within seconds.",
    )
    sub = policy.add_subparsers(dest="policy_command", required=True, metavar="COMMAND")
    mode = sub.add_parser("mode", help="choose open, blocklist or allowlist")
    mode.add_argument("mode", choices=[m.value for m in Mode])
    mode.set_defaults(run=cmd_policy_mode)
    set_ = sub.add_parser(
        "set",
        help="add to a domain's rule",
        description="suspend: no traffic either way, ties cut; limit: not shown in directories "
        "or to non-followers; reject-media; reject-reports; allow: listed for allowlist mode.",
    )
    set_.add_argument("domain", help="e.g. example.com, *.example.com or host:port")
    set_.add_argument("action", choices=storage.ACTIONS)
    set_.add_argument("--reason", metavar="TEXT", help="public reason (shown to others)")
    set_.add_argument("--private-reason", metavar="TEXT", help="note for admins only")
    set_.set_defaults(run=cmd_policy_set)
    remove = sub.add_parser("remove", help="delete a domain's rule")
    remove.add_argument("domain")
    remove.set_defaults(run=cmd_policy_remove)
    list_ = sub.add_parser("list", help="show the mode and every rule")
    list_.set_defaults(run=cmd_policy_list)
    import_ = sub.add_parser(
        "import",
        help="merge a Mastodon domain-block CSV (progress on standard error)",
        description="Merge rules from a CSV in Mastodon's domain-block format "
        "(#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate; "
        "severity suspend, silence or noop), or one domain per line (suspended).",
    )
    import_.add_argument("file", metavar="FILE.csv", help="the CSV file ('-' for standard input)")
    import_.set_defaults(run=cmd_policy_import)
    export = sub.add_parser(
        "export", help="print the blocks as a Mastodon domain-block CSV (allows are left out)"
    )
    export.set_defaults(run=cmd_policy_export)
    publish = sub.add_parser(
        "publish",
        help="tell other nodes the policy in NodeInfo (on), or not (off, the default)",
        description="on: NodeInfo's metadata.federation shows the mode and the domains held "
        "off with their public reasons (obfuscated ones partly hidden with *), also in "
        "Pleroma's mrf_simple shape. off (the default): NodeInfo says nothing of the policy.",
    )
    publish.add_argument("state", choices=["on", "off"])
    publish.set_defaults(run=cmd_policy_publish)
    policy_lists.add_parsers(sub)

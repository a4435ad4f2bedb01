"""The ``kinfolk`` command: what admins run and script against.

Command names and flags are an interface: keep them stable, add freely. Every
command has ``--help``; nothing prompts when standard input is not a terminal.
Exit codes: 0 done, 1 refused (a name is taken, a value is invalid, …), 2 bad
usage or configuration.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import signal
import sys
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from federation.policy import enforce_change
from federation.runtime import federation_runtime
from federation.workers import Queue
from node import accounts, federation_rules, groups
from node.base_url import BaseUrlMismatch, check_base_url, remembered_base_url, set_base_url
from node.errors import DomainError
from node.federation_policy import (
    Mode,
    Rule,
    Severity,
    normalize_domain,
    rules_from_csv,
    rules_to_csv,
)
from node.passwords import Passwords
from node.site import Site
from node.storage.engine import create_engine, create_sessionmaker
from node.storage.migrate import pending_revisions, upgrade
from node.storage.models import Account, Actor, JoinPolicy, NodeRole, Visibility
from node.views import Viewer
from web import event_loop, mod_cli
from web.app import create_app
from web.config import (
    CONFIG_FILE_NAME,
    ConfigError,
    Settings,
    describe,
    load_settings,
    parse_base_url,
)
from web.logs import configure_logging

log = logging.getLogger("kinfolk.cli")

EXIT_REFUSED = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """The command cannot run as asked; the message says what to do instead."""


@dataclass
class Node:
    """What a one-shot command needs: a transaction and the node's identity."""

    settings: Settings
    session: AsyncSession
    site: Site
    now: datetime


def _mismatch(exc: BaseUrlMismatch) -> UsageError:
    return UsageError(
        f"this database belongs to {exc.remembered}, but this command is configured for "
        f"{exc.configured} (KINFOLK_BASE_URL, or base_url in kinfolk.toml). Every member, "
        f"group and post in it is named under {exc.remembered}, and other servers know them "
        f"by those names.\n"
        f"- Same node? Run with KINFOLK_BASE_URL={exc.remembered}, as the server has it.\n"
        f"- Moving the node to {exc.configured} on purpose? Run 'kinfolk base-url set "
        f"{exc.configured} --i-know' (what exists keeps its ids under {exc.remembered})."
    )


async def _check_base_url(engine: AsyncEngine, settings: Settings) -> None:
    """Refuse a database that belongs to another base URL (node.base_url)."""
    mismatch = None
    async with create_sessionmaker(engine).begin() as session:
        try:
            await check_base_url(session, settings.base_url, now=datetime.now(UTC))
        except BaseUrlMismatch as exc:
            mismatch = exc  # raised once the remembered URL, if just adopted, is committed
    if mismatch is not None:
        raise _mismatch(mismatch)


async def _check_database(engine: AsyncEngine, settings: Settings) -> None:
    """What every command that works on the node's data checks first."""
    if await pending_revisions(engine):
        raise UsageError("the database schema is not up to date: run 'kinfolk migrate' first")
    await _check_base_url(engine, settings)


@asynccontextmanager
async def _open_node(settings: Settings) -> AsyncIterator[Node]:
    engine = create_engine(settings.database_url, schema=settings.database_schema)
    try:
        await _check_database(engine, settings)
        async with create_sessionmaker(engine).begin() as session:
            yield Node(settings, session, Site(settings.base_url), datetime.now(UTC))
    finally:
        await engine.dispose()


def _read_password(args: argparse.Namespace) -> str:
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


# --- commands ---------------------------------------------------------------------------


async def cmd_migrate(settings: Settings, args: argparse.Namespace) -> None:
    engine = create_engine(settings.database_url, schema=settings.database_schema)
    try:
        pending = await pending_revisions(engine)
        if not pending:
            print("The database schema is up to date.")
        else:
            print(f"Applying {len(pending)} migration(s): {', '.join(pending)}")
            await upgrade(engine, schema=settings.database_schema)
            print("Done.")
        await _check_base_url(engine, settings)
    finally:
        await engine.dispose()


async def _create_user(settings: Settings, username: str, password: str, role: NodeRole) -> None:
    async with _open_node(settings) as node:
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
    await _create_user(settings, args.username, _read_password(args), role or NodeRole.MEMBER)


async def _owner(session: AsyncSession, site: Site, username: str | None) -> Viewer:
    statement = select(Account, Actor).join(Actor, Account.actor_id == Actor.id)
    if username is None:
        statement = statement.where(Account.role == NodeRole.ADMIN).order_by(Account.id)
    else:
        statement = statement.where(
            Actor.domain == site.domain, Actor.handle_key == username.casefold()
        )
    row = (await session.execute(statement.limit(1))).first()
    if row is None:
        raise UsageError(
            f"no member called {username!r} here"
            if username
            else "no admin exists yet to own the group: pass --owner USERNAME"
        )
    account = row[0]
    return Viewer(account_id=account.id, actor_id=account.actor_id, role=account.role)


async def cmd_group_create(settings: Settings, args: argparse.Namespace) -> None:
    async with _open_node(settings) as node:
        owner = await _owner(node.session, node.site, args.owner)
        view = await groups.create_group(
            node.session,
            node.site,
            owner,
            handle=args.name,
            display_name=args.display_name,
            description=args.description,
            rules=[groups.RuleInput(title) for title in args.rule],
            visibility=Visibility.PRIVATE if args.private else Visibility.PUBLIC,
            join_policy=JoinPolicy.APPROVAL if args.approval else JoinPolicy.OPEN,
            language=args.language,
            now=node.now,
        )
    print(
        f"Created {view.visibility.value} group !{view.actor.acct} "
        f"({view.join_policy.value} joining), owned by {args.owner or 'the first admin'}"
    )


async def cmd_init(settings: Settings, args: argparse.Namespace) -> None:
    # First, so that a database of another base URL is refused before anything is written.
    await cmd_migrate(settings, args)
    config_path = settings.data_dir / CONFIG_FILE_NAME
    if not config_path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        config_path.write_text(
            "# Kinfolk node settings; environment variables override these.\n"
            f'base_url = "{settings.base_url}"\n'
            f'node_name = "{settings.node_name}"\n',
            encoding="utf-8",
        )
        print(f"Wrote {config_path}")
    else:
        print(f"Keeping the existing {config_path}")
    if args.admin:
        await _create_user(settings, args.admin, _read_password(args), NodeRole.ADMIN)
    print(f"Ready. Start the node with: kinfolk serve  (it will answer at {settings.base_url})")


async def _serve(settings: Settings, args: argparse.Namespace) -> None:
    engine = create_engine(settings.database_url, schema=settings.database_schema)
    try:
        pending = await pending_revisions(engine)
        if pending and (settings.is_sqlite or args.migrate):
            log.info("applying %d migration(s)", len(pending))
            await upgrade(engine, schema=settings.database_schema)
        elif pending:
            raise UsageError(
                f"{len(pending)} migration(s) are pending: run 'kinfolk migrate' "
                "(or start with --migrate)"
            )
        await _check_base_url(engine, settings)
    finally:
        await engine.dispose()
    runner = web.AppRunner(create_app(settings), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, args.host, args.port)
    await site.start()
    log.info("serving %s on http://%s:%d", settings.base_url, args.host, args.port)
    print(f"Kinfolk is running at {settings.base_url} (listening on {args.host}:{args.port}).")
    print("Press Ctrl+C to stop.", flush=True)
    stop = asyncio.Event()
    # Service managers stop with SIGTERM: shut down as cleanly as on Ctrl+C.
    with suppress(NotImplementedError):  # no signal handlers on Windows
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def cmd_serve(settings: Settings, args: argparse.Namespace) -> Coroutine[Any, Any, None]:
    args.host = args.host or settings.host
    args.port = settings.port if args.port is None else args.port
    return _serve(settings, args)


async def cmd_worker(settings: Settings, args: argparse.Namespace) -> None:
    engine = create_engine(settings.database_url, schema=settings.database_schema)
    try:
        await _check_database(engine, settings)
        stop = asyncio.Event()
        with suppress(NotImplementedError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
            asyncio.get_running_loop().add_signal_handler(signal.SIGINT, stop.set)
        clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731
        async with federation_runtime(settings, create_sessionmaker(engine), clock) as runtime:
            print(f"Kinfolk worker running the {args.queue} queue(s); Ctrl+C to stop.", flush=True)
            await runtime.workers.run(stop, Queue(args.queue))
    finally:
        await engine.dispose()


async def cmd_config(settings: Settings, args: argparse.Namespace) -> None:
    for name, value in describe(settings).items():
        print(f"{name} = {value}")


# --- the base URL the database belongs to -----------------------------------------------


async def cmd_base_url_show(settings: Settings, args: argparse.Namespace) -> None:
    engine = create_engine(settings.database_url, schema=settings.database_schema)
    try:
        if await pending_revisions(engine):
            raise UsageError("the database schema is not up to date: run 'kinfolk migrate' first")
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
        if await pending_revisions(engine):
            raise UsageError("the database schema is not up to date: run 'kinfolk migrate' first")
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


# --- federation policy ------------------------------------------------------------------


async def _after_policy_change(node: Node) -> None:
    """Cut what a change refuses at once: ties to refused domains, deliveries queued to them."""
    enforced = await enforce_change(node.session, now=node.now)
    cut, dropped = enforced.cut, enforced.dropped
    if cut.memberships or cut.follows:
        print(
            f"Cut {cut.memberships} membership(s) and {cut.follows} follow(s) "
            f"with {', '.join(cut.domains)}"
        )
    if dropped:
        print(f"Dropped queued deliveries to {', '.join(dropped)}")


async def cmd_policy_mode(settings: Settings, args: argparse.Namespace) -> None:
    async with _open_node(settings) as node:
        mode = await federation_rules.set_mode(node.session, args.mode, now=node.now)
        await _after_policy_change(node)
    print(f"Federation mode: {mode.value}")


async def cmd_policy_set(settings: Settings, args: argparse.Namespace) -> None:
    async with _open_node(settings) as node:
        rule = await federation_rules.set_rule(
            node.session,
            args.domain,
            args.action,
            reason=args.reason,
            private_reason=args.private_reason,
            now=node.now,
        )
        mode = await federation_rules.get_mode(node.session)
        await _after_policy_change(node)
    print(f"{rule.domain}: {_describe_rule(rule)}")
    if mode is Mode.OPEN:
        print("Note: the mode is 'open', so rules are not enforced until it changes.")


async def cmd_policy_remove(settings: Settings, args: argparse.Namespace) -> None:
    async with _open_node(settings) as node:
        await federation_rules.remove_rule(node.session, args.domain)
        await _after_policy_change(node)  # in allowlist mode, removing an allow refuses
    print(f"Removed the rule for {normalize_domain(args.domain)}")


def _describe_rule(rule: Rule) -> str:
    words = [rule.severity.value] if rule.severity is not Severity.NOOP else []
    words += [
        w
        for w, on in (
            ("reject-media", rule.reject_media),
            ("reject-reports", rule.reject_reports),
            ("allow", rule.allow),
        )
        if on
    ]
    text = " ".join(words) or "noop"
    if rule.public_comment:
        text += f"  reason: {rule.public_comment}"
    if rule.private_comment:
        text += f"  private: {rule.private_comment}"
    return text


async def cmd_policy_list(settings: Settings, args: argparse.Namespace) -> None:
    async with _open_node(settings) as node:
        mode = await federation_rules.get_mode(node.session)
        rules = await federation_rules.list_rules(node.session)
    print(f"mode: {mode.value}")
    for rule in rules:
        print(f"{rule.domain}\t{_describe_rule(rule)}")


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
    async with _open_node(settings) as node:
        imported = await federation_rules.import_rules(
            node.session, rules, now=node.now, progress=_ProgressBar(len(rules))
        )
        await _after_policy_change(node)
    print(f"Imported {imported} domain rule(s)")


async def cmd_policy_publish(settings: Settings, args: argparse.Namespace) -> None:
    async with _open_node(settings) as node:
        publish = await federation_rules.set_publish(node.session, args.state == "on", now=node.now)
    print(f"NodeInfo {'publishes' if publish else 'does not publish'} the federation policy")


async def cmd_policy_export(settings: Settings, args: argparse.Namespace) -> None:
    async with _open_node(settings) as node:
        rules = await federation_rules.list_rules(node.session)
    sys.stdout.write(rules_to_csv(rules))


# --- argument parsing -------------------------------------------------------------------

Command = Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, None]]


def _password_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input (for scripts)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kinfolk",
        description="Run and administer a Kinfolk peer-support node. Settings come from "
        "environment variables (KINFOLK_*, DATABASE_URL) and an optional kinfolk.toml in the "
        "data directory; see the README.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    init = commands.add_parser(
        "init", help="set up a new node: settings file, database, first admin"
    )
    init.add_argument("--admin", metavar="USERNAME", help="create this first admin account")
    _password_flag(init)
    init.set_defaults(run=cmd_init)

    serve = commands.add_parser("serve", help="run the node's web server")
    serve.add_argument("--host", help="address to listen on (default: KINFOLK_HOST, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default: KINFOLK_PORT, 8080)")
    serve.add_argument(
        "--migrate",
        action="store_true",
        help="apply pending migrations first (always done on SQLite)",
    )
    serve.set_defaults(run=cmd_serve)

    migrate = commands.add_parser("migrate", help="bring the database schema up to date")
    migrate.set_defaults(run=cmd_migrate)

    worker = commands.add_parser(
        "worker",
        help="process the federation queues (run several, against PostgreSQL, to scale)",
        description="Process incoming activities and deliver outgoing ones. 'kinfolk serve' "
        "runs the same work embedded unless KINFOLK_EMBEDDED_WORKER=false; run workers "
        "separately to scale out. Several may run at once against one PostgreSQL.",
    )
    worker.add_argument(
        "--queue",
        choices=[q.value for q in Queue],
        default=Queue.ALL.value,
        help="inbox: process received activities and dispatch events; delivery: send "
        "queued activities; all (default): both",
    )
    worker.set_defaults(run=cmd_worker)

    config = commands.add_parser("config", help="show the effective settings (secret masked)")
    config.set_defaults(run=cmd_config)

    _base_url_parser(commands)

    user = commands.add_parser("user", help="manage accounts")
    user_commands = user.add_subparsers(dest="user_command", required=True, metavar="COMMAND")
    user_create = user_commands.add_parser("create", help="create a local account")
    user_create.add_argument("username")
    roles = user_create.add_mutually_exclusive_group()
    roles.add_argument("--admin", action="store_true", help="make the account a node admin")
    roles.add_argument("--moderator", action="store_true", help="make the account a node moderator")
    _password_flag(user_create)
    user_create.set_defaults(run=cmd_user_create)

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
    _policy_parser(commands)
    mod_cli.add_parser(commands, _open_node)
    return parser


def _base_url_parser(commands: Any) -> None:
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


def _policy_parser(commands: Any) -> None:
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
    set_.add_argument("action", choices=federation_rules.ACTIONS)
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

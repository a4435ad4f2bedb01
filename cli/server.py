"""Running the node: ``kinfolk init``, ``serve``, ``migrate``, ``worker`` and ``config``.

``serve`` runs the web application (and, unless ``KINFOLK_EMBEDDED_WORKER=false``,
the federation workers in the same process); ``worker`` runs only the workers,
built the same way (``federation.runtime``). Both stop cleanly on SIGTERM, as
service managers ask.

The web application and the federation runtime are imported by the commands that run
them, not at the top: every ``kinfolk`` command (and ``--help``) then starts without
loading them, which halves the start of a quick admin command.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from collections.abc import Callable, Coroutine
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

from cli.accounts import create_user, password_flag, read_password
from cli.command import UsageError, check_database, refuse_another_base_url
from federation.worker_queues import Queue
from node.kinds import NodeRole
from node.storage.engine import create_engine, create_sessionmaker
from node.storage.migrate import pending_revisions, upgrade
from web.config import CONFIG_FILE_NAME, Settings, describe

log = logging.getLogger("kinfolk.cli")


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
        await refuse_another_base_url(engine, settings)
    finally:
        await engine.dispose()


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
        await create_user(settings, args.admin, read_password(args), NodeRole.ADMIN)
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
        await refuse_another_base_url(engine, settings)
    finally:
        await engine.dispose()
    from aiohttp import web

    from web.app import create_app

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
    from federation.runtime import federation_runtime
    from web.mail import mail_sender

    engine = create_engine(settings.database_url, schema=settings.database_schema)
    try:
        await check_database(engine, settings)
        stop = asyncio.Event()
        with suppress(NotImplementedError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
            asyncio.get_running_loop().add_signal_handler(signal.SIGINT, stop.set)
        clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731
        sessions = create_sessionmaker(engine)
        mail = mail_sender(settings, sessions, clock)
        async with federation_runtime(settings, sessions, clock, mail=mail) as runtime:
            print(f"Kinfolk worker running the {args.queue} queue(s); Ctrl+C to stop.", flush=True)
            await runtime.workers.run(stop, Queue(args.queue))
    finally:
        await engine.dispose()


async def cmd_config(settings: Settings, args: argparse.Namespace) -> None:
    for name, value in describe(settings).items():
        print(f"{name} = {value}")


def add_parsers(commands: Any) -> None:
    """Register ``init``, ``serve``, ``migrate``, ``worker`` and ``config``, in that order."""
    init = commands.add_parser(
        "init", help="set up a new node: settings file, database, first admin"
    )
    init.add_argument("--admin", metavar="USERNAME", help="create this first admin account")
    password_flag(init)
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

"""Issue 5: importing a Mastodon-format blocklist of 10,000 domains (target: under 5 s).

Design note: the figure is what an admin waits for, end to end: ``kinfolk policy
import FILE.csv`` run as a process (start-up, parsing, batched upserts, cutting
ties, commit), on a migrated database that already holds the same 10,000
domains with another severity (a re-import changes every row) and 2,000 remote
actors on 500 of them (so cutting ties has work to do). An import of the same
size in this process (upserts and cutting ties, no start-up) is shown beside
it. SQLite and PostgreSQL are run in turn; PostgreSQL is skipped (and says so)
when it cannot be reached.

``python -m bench.policy_import [--domains 10000] [--backends sqlite,postgresql]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import DEFAULT_POSTGRES_URL, BenchDatabase, each_backend, report
from node.federation_policy import storage
from node.federation_policy.decision import rules_from_csv
from node.kinds import ActorKind
from node.storage.engine import create_sessionmaker
from node.storage.models.actors import Actor
from web import event_loop

KINFOLK = Path(sys.executable).parent / "kinfolk"
HEADER = "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n"


def blocklist(path: Path, domains: int, severity: str) -> Path:
    rows = (f"spam{i}.example,{severity},true,false,bulk import,false\n" for i in range(domains))
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


async def _seed(database: BenchDatabase, domains: int, now: datetime) -> None:
    engine = database.engine()
    sessions = create_sessionmaker(engine)
    async with sessions.begin() as session:
        actors = [
            Actor(
                uri=f"https://spam{i % 500}.example/users/u{i}",
                kind=ActorKind.PERSON,
                local=False,
                handle=f"u{i}",
                handle_key=f"u{i}",
                domain=f"spam{i % 500}.example",
                created_at=now,
                updated_at=now,
            )
            for i in range(2000)
        ]
        session.add_all(actors)
        lines = [HEADER] + [f"spam{i}.example,noop,false,false,,false\n" for i in range(domains)]
        await storage.import_rules(session, rules_from_csv(lines), now=now)
    await engine.dispose()


async def _in_process(database: BenchDatabase, csv: Path, now: datetime) -> float:
    engine = database.engine()
    sessions = create_sessionmaker(engine)
    started = time.perf_counter()
    with csv.open(encoding="utf-8", newline="") as handle:
        rules = list(rules_from_csv(handle))
    async with sessions.begin() as session:
        await storage.import_rules(session, rules, now=now)
        await storage.cut_refused_ties(session)
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return elapsed


async def _cli(database: BenchDatabase, csv: Path) -> tuple[float, int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KINFOLK_")}
    env |= {
        "KINFOLK_DATA_DIR": str(database.workdir / "data"),
        "DATABASE_URL": database.url,
        "KINFOLK_LOG_LEVEL": "WARNING",
    }
    if database.schema:
        env["KINFOLK_DATABASE_SCHEMA"] = database.schema
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        str(KINFOLK),
        "policy",
        "import",
        str(csv),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"kinfolk policy import failed: {err.decode()}")
    return elapsed, int(out.split()[1])


async def run(args: argparse.Namespace) -> None:
    now = datetime.now(UTC)
    async for database in each_backend(args, "policy import"):
        await _seed(database, args.domains, now)
        warm = await _in_process(
            database, blocklist(database.workdir / "a.csv", args.domains, "silence"), now
        )
        cli, imported = await _cli(
            database, blocklist(database.workdir / "b.csv", args.domains, "suspend")
        )
        report(
            f"policy import, {database.backend}",
            [
                ("domains", f"{imported}"),
                ("kinfolk policy import (process, end to end)", f"{cli:.2f} s (target < 5 s)"),
                ("import_rules + cut ties (in process)", f"{warm:.2f} s"),
            ],
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domains", type=int, default=10_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    event_loop.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()

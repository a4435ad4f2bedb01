"""``kinfolk delivery`` as an admin runs it: each host's counts, one host's queue, retrying
it now and dropping what waits (asking first), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import subprocess
from datetime import UTC, datetime

from sqlalchemy import func, select

from federation.tables import Delivery, Destination
from node.storage.engine import create_engine, create_sessionmaker
from node.storage.models.actors import Actor
from tests.cli.test_cli import PASSWORD, kinfolk, node_env  # noqa: F401 (the fixture)
from tests.web.test_admin_host_pages import FAR, NEAR, queue_deliveries
from web.config import load_settings


async def test_an_admin_lists_retries_and_drops_a_hosts_deliveries(
    node_env: dict[str, str],  # noqa: F811
) -> None:
    async def run(*args: str) -> subprocess.CompletedProcess[str]:
        return await asyncio.to_thread(kinfolk, node_env, *args)

    init = await asyncio.to_thread(
        kinfolk, node_env, "init", "--admin", "ada", "--password-stdin", stdin=PASSWORD
    )
    assert init.returncode == 0, init.stderr
    settings = load_settings(node_env)
    engine = create_engine(settings.database_url, schema=settings.database_schema)
    try:
        async with create_sessionmaker(engine).begin() as session:
            ada = (await session.execute(select(Actor).where(Actor.handle == "ada"))).scalar_one()
            await queue_deliveries(session, ada.id, datetime.now(UTC))
            sender = ada.uri

        counts, failed, unasked = await asyncio.gather(
            run("delivery", "list"),
            run("delivery", "list", "--host", "FAR.example", "--state", "failed", "--limit", "1"),
            run("delivery", "drop", "--host", FAR),
        )
        assert counts.stdout.splitlines() == [
            "host\tpending\tfailed",
            f"{FAR}\t3\t2",
            f"{NEAR}\t3\t0",
        ]
        lines = failed.stdout.splitlines()
        assert lines[0] == f"{FAR}: 3 pending, 2 failed"
        assert "breaker open until" in lines[1]
        assert "(6 in a row)" in lines[2]
        assert lines[3] == "last error: refused by federation policy"
        assert lines[4].split("\t")[1:] == [
            "failed",
            "Announce Create",
            "https://here.example/posts/4",
            sender,
            "attempts 2",
            "next -",
            "refused by federation policy",
        ]
        assert lines[5] == "... and more (the newest 1 shown; see --limit)"
        assert unasked.returncode == 2  # standard input is no terminal: nothing is dropped
        assert "drops 3 pending deliveries to far.example: add --yes" in unasked.stderr

        retried = await run("delivery", "retry", "--host", FAR)
        assert retried.returncode == 0, retried.stderr
        assert retried.stdout == f"{FAR}: 4 deliveries due now; its breaker is closed\n"
        assert "Retrying 4/4 deliveries" in retried.stderr
        dropped = await run("delivery", "drop", "--host", FAR, "--yes")
        assert dropped.returncode == 0, dropped.stderr
        assert "4 pending deliveries dropped" in dropped.stdout
        assert "Dropping 4/4 deliveries" in dropped.stderr
        async with create_sessionmaker(engine).begin() as session:
            destination = await session.get(Destination, FAR)
            assert destination is not None
            assert destination.consecutive_failures == 0
            states = await session.execute(
                select(Delivery.host, Delivery.state, func.count()).group_by(
                    Delivery.host, Delivery.state
                )
            )
            assert {(host, state.value, n) for host, state, n in states} == {
                (FAR, "failed", 5),  # the four dropped, and the one refused by policy
                (NEAR, "queued", 3),  # other nodes' deliveries are untouched
            }
    finally:
        await engine.dispose()

"""S8's database: 2,000 members, 50 public groups, 200,000 posts, made with bulk INSERTs.

Design note: the services would take minutes for this (each post is its own
transaction, with its activity queued); the pages only read what the rows
say, so the rows are written directly, a few thousand per statement, with
the ids chosen here (replies point at their thread start without a round
trip). Every group holds 4,000 posts: threads of one start and four replies
(a fifth of the posts are thread starts), written by its members over the
past year. Each member belongs to five groups (the first 50 own one each)
and has a page session, the token ``member_token(i)``.

A seeded SQLite file is kept under ``build/bench-cache/`` (named after the
seed's size and the migrations it was made with) and copied with SQLite's
backup API into the next run's database, which then skips the seeding;
PostgreSQL is seeded in each run (its schema is dropped afterwards).
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table, insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench import BenchDatabase
from node.kinds import ActorKind, GroupRole, JoinPolicy, MembershipState, Visibility
from node.site import Site
from node.storage.models.actors import Account, Actor, ApiToken
from node.storage.models.groups import Group, Membership
from node.storage.models.posts import Post

GROUPS_PER_MEMBER = 5
REPLIES_PER_THREAD = 4
CHUNK = 5_000
CACHE = Path("build/bench-cache")
MIGRATIONS = Path("node/storage/migrations/versions")


def member_token(index: int) -> str:
    """The page session (cookie value) of member ``index``."""
    return f"s8-session-{index:05d}-" + "x" * 20


def groups_of(member: int, groups: int) -> list[int]:
    """The five groups member ``member`` belongs to (the first is the one they own, for
    the first ``groups`` members)."""
    step = groups // GROUPS_PER_MEMBER
    return [(member + k * step) % groups for k in range(GROUPS_PER_MEMBER)]


def _chunks(rows: Sequence[dict[str, Any]]) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


async def _insert(engine: AsyncEngine, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    async with engine.begin() as connection:
        for chunk in _chunks(rows):
            await connection.execute(insert(table), list(chunk))


def _people(site: Site, members: int, groups: int, now: datetime) -> list[dict[str, Any]]:
    people = [("m", ActorKind.PERSON, i) for i in range(members)]
    people += [("g", ActorKind.GROUP, j) for j in range(groups)]
    return [
        {
            "id": number,
            "uri": site.member_uri(f"{prefix}{i}")
            if kind is ActorKind.PERSON
            else site.group_uri(f"{prefix}{i}"),
            "kind": kind,
            "local": True,
            "handle": f"{prefix}{i}",
            "handle_key": f"{prefix}{i}",
            "domain": site.domain,
            "display_name": f"Member {i}" if kind is ActorKind.PERSON else f"Circle {i}",
            "summary": "",
            "created_at": now,
            "updated_at": now,
        }
        for number, (prefix, kind, i) in enumerate(people, start=1)
    ]


def _posts(members: int, groups: int, posts: int, now: datetime) -> list[dict[str, Any]]:
    """``posts`` rows over ``groups`` groups; post ``n`` (id n + 1) is the thread start of
    the next four when ``n % 5 == 0``."""
    in_group: dict[int, list[int]] = {j: [] for j in range(groups)}
    for i in range(members):
        for j in groups_of(i, groups):
            in_group[j].append(i + 1)  # actor ids of members start at 1
    per_thread = REPLIES_PER_THREAD + 1
    year = timedelta(days=365).total_seconds()
    rows = []
    for n in range(posts):
        group = (n // per_thread) % groups
        start = n - n % per_thread
        writers = in_group[group]
        rows.append(
            {
                "id": n + 1,
                "public_id": f"s8p{n:08d}",
                "uri": f"http://node.bench/posts/s8p{n:08d}",
                "local": True,
                "author_id": writers[(n * 7919) % len(writers)],
                "group_id": group + 1,
                "thread_id": None if n == start else start + 1,
                "in_reply_to_id": None if n == start else start + 1,
                "title": f"Thread {start}" if n == start else None,
                "source": "Words of support. " * 8,
                "content_html": "<p>" + "Words of support. " * 8 + "</p>",
                "content_warning": "",
                "topics": "",
                "language": "en",
                "published_at": now - timedelta(seconds=year * (1 - n / posts)),
                "anonymous": False,
            }
        )
    return rows


async def seed(
    engine: AsyncEngine, site: Site, members: int, groups: int, posts: int, now: datetime
) -> None:
    """Write the members, groups, memberships, sessions and posts (see the module's note)."""
    await _insert(engine, Actor.__table__, _people(site, members, groups, now))  # type: ignore[arg-type]
    accounts = [
        {"id": i + 1, "actor_id": i + 1, "password_hash": "!", "locale": "en", "created_at": now}
        for i in range(members)
    ]
    await _insert(engine, Account.__table__, accounts)  # type: ignore[arg-type]
    tokens = [
        {
            "account_id": i + 1,
            "token_hash": hashlib.sha256(member_token(i).encode()).hexdigest(),
            "created_at": now,
            "last_used_at": now,
            "expires_at": now + timedelta(days=300),
        }
        for i in range(members)
    ]
    await _insert(engine, ApiToken.__table__, tokens)  # type: ignore[arg-type]
    group_rows = [
        {
            "id": j + 1,
            "actor_id": members + j + 1,
            "visibility": Visibility.PUBLIC,
            "join_policy": JoinPolicy.OPEN,
            "default_content_warning": "",
            "default_topics": "",
            "language": "en",
            "posting_restricted_to_moderators": False,
            "hide_moderator_names": False,
            "hold_new_members_posts": False,
            "allow_anonymous_posts": False,
        }
        for j in range(groups)
    ]
    await _insert(engine, Group.__table__, group_rows)  # type: ignore[arg-type]
    memberships = [
        {
            "group_id": j + 1,
            "member_id": i + 1,
            "state": MembershipState.APPROVED,
            "role": GroupRole.OWNER if (i < groups and k == 0) else GroupRole.MEMBER,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(members)
        for k, j in enumerate(groups_of(i, groups))
    ]
    await _insert(engine, Membership.__table__, memberships)  # type: ignore[arg-type]
    await _insert(engine, Post.__table__, _posts(members, groups, posts, now))  # type: ignore[arg-type]
    if engine.dialect.name == "postgresql":  # the ids were ours: move the sequences past them
        async with engine.begin() as connection:
            for table in ("actors", "accounts", "groups", "posts"):  # our names, not input
                sequence = f"pg_get_serial_sequence('{table}', 'id')"
                await connection.execute(text(f"SELECT setval({sequence}, max(id)) FROM {table}"))  # noqa: S608
            await connection.execute(text("ANALYZE"))
    else:
        async with engine.begin() as connection:
            await connection.execute(text("ANALYZE"))


def _cache_file(members: int, groups: int, posts: int) -> Path:
    migrations = sorted(p.name for p in MIGRATIONS.glob("*.py"))
    key = hashlib.sha256(repr((members, groups, posts, migrations)).encode()).hexdigest()[:12]
    return CACHE / f"s8-{members}-{groups}-{posts}-{key}.sqlite3"


def _stored(moment: datetime) -> str:
    """A time as UTCDateTime keeps it in SQLite."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def _copy(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


async def seeded(database: BenchDatabase, site: Site, members: int, groups: int, posts: int) -> str:
    """Fill ``database`` (freshly migrated); what the report says about how."""
    started = time.perf_counter()
    now = datetime.now(UTC).replace(microsecond=0)
    cache = _cache_file(members, groups, posts)
    target = database.workdir / "node.sqlite3"
    if database.schema is None and cache.exists():
        _copy(cache, target)
        with sqlite3.connect(target) as connection:  # sessions in use, as a member's would be
            connection.execute(
                "UPDATE api_tokens SET last_used_at = ?, expires_at = ?",
                (_stored(now), _stored(now + timedelta(days=300))),
            )
        return f"copied from {cache} in {time.perf_counter() - started:.1f} s"
    engine = database.engine()
    try:
        await seed(engine, site, members, groups, posts, now)
    finally:
        await engine.dispose()
    seconds = time.perf_counter() - started
    if database.schema is None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        _copy(target, cache)
        return f"bulk INSERTs in {seconds:.1f} s (kept in {cache} for the next run)"
    return f"bulk INSERTs in {seconds:.1f} s"

"""Reports from other nodes: a ``Flag`` becomes a report here for each thing it names that
is ours to moderate."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node.ids import new_public_id
from node.kinds import ActorKind, ReportState
from node.posts import anonymity
from node.reports.filing import REASON_MAX
from node.storage.models.actors import Actor
from node.storage.models.groups import Group
from node.storage.models.moderation import Report
from node.storage.models.posts import Post

# A Flag names a handful of things; more than this is not a report but a flood.
FLAG_TARGETS_MAX = 20


async def known_report(session: AsyncSession, uri: str) -> bool:
    """Whether a Flag with this id reached us already."""
    return await session.scalar(select(Report.id).where(Report.uri == uri)) is not None


async def receive_flag(
    session: AsyncSession,
    *,
    uri: str,
    reporter: Actor,
    targets: Sequence[str],
    reason: str,
    now: datetime,
) -> list[Report]:
    """A report from another node (its ``Flag``): one report per thing it names that is
    ours to moderate (see ``node.reports``); none if it names nothing of ours."""
    wanted = list(dict.fromkeys(targets))[:FLAG_TARGETS_MAX]
    if not wanted or await known_report(session, uri):
        return []
    held = {p.uri: p for p in await session.scalars(select(Post).where(Post.uri.in_(wanted)))}
    actors = {a.uri: a for a in await session.scalars(select(Actor).where(Actor.uri.in_(wanted)))}
    reason = reason.strip()[:REASON_MAX]
    made: list[Report] = []
    covered: set[int] = set()  # members whose posts are reported already

    def add(
        target_uri: str, author_id: int | None, post: Post | None, group_id: int | None
    ) -> None:
        index = len(made)
        made.append(
            Report(
                public_id=new_public_id(now),
                uri=uri if index == 0 else f"{uri}#{index + 1}",
                local=False,
                reporter_id=reporter.id,
                group_id=group_id,
                target_uri=target_uri,
                target_post_id=None if post is None else post.id,
                target_actor_id=author_id,
                reason=reason,
                forward=False,
                state=ReportState.OPEN,
                resolution="",
                created_at=now,
            )
        )

    for target_uri in wanted:
        post = held.get(target_uri)
        if post is None or post.deleted_at is not None or post.removed_at is not None:
            continue
        group = await session.get_one(Group, post.group_id)
        group_actor = await session.get_one(Actor, group.actor_id)
        author = await session.get_one(Actor, post.author_id)
        if group_actor.local or author.local:
            # An anonymous post's report names no author, and covers nobody: a Flag naming
            # the post and a member must read the same whoever wrote it.
            add(post.uri, anonymity.logged_author_id(post), post, group.id)
            if not post.anonymous:
                covered.add(author.id)
    for target_uri in wanted:
        member = actors.get(target_uri)
        if (
            member is not None
            and member.local
            and member.kind is ActorKind.PERSON
            and member.id not in covered
        ):
            add(member.uri, member.id, None, None)
    session.add_all(made)
    await session.flush()
    return made

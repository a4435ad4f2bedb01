"""A post with its group and its author: what telling other nodes about it needs.

A post travels through its group (FEP-1b12): whether it may go to the public,
who hosts the group, who wrote it and whether that was here, and whether the
group has shared it yet decide where it goes. ``shared_view`` is the post itself
as its group shares it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from node.federated.actors import KnownActor, KnownGroup, actor_by_id, group_by_id
from node.posts import reading
from node.storage.models.posts import Post
from node.views import PostView


@dataclass(frozen=True)
class PostInGroup:
    id: int
    uri: str
    group: KnownGroup
    author: KnownActor
    # Written here (else it reached us from the author's node).
    local: bool
    # Our member's post in a group elsewhere, which that group has not shared yet.
    pending: bool
    # Deleted by its author or removed by a moderator.
    gone: bool
    # Shown as the group's "Anonymous member": it travels as the group's, never its author's.
    anonymous: bool = False


async def post_in_group(session: AsyncSession, post_id: int) -> PostInGroup | None:
    """The post ``post_id`` in its group, or None when it is gone from the database."""
    post = await session.get(Post, post_id)
    return None if post is None else await post_in_group_of(session, post)


async def post_in_group_of(session: AsyncSession, post: Post) -> PostInGroup:
    return PostInGroup(
        id=post.id,
        uri=post.uri,
        group=await group_by_id(session, post.group_id),
        author=await actor_by_id(session, post.author_id),
        local=post.local,
        pending=post.pending_at is not None,
        gone=post.deleted_at is not None or post.removed_at is not None,
        anonymous=post.anonymous,
    )


async def shared_view(session: AsyncSession, post: PostInGroup) -> PostView:
    """The post as its group shares it with the nodes of its members."""
    return await reading.view_for_federation(session, await session.get_one(Post, post.id))

"""Anonymous posts: shown as the group's "Anonymous member", the author kept at home.

A group may allow them (``allow_anonymous_posts``). The post row keeps its author (so
the author edits and deletes it, a ban holds, an admin can find out), but every view
of it for anyone else names the group instead, with a number stable within the thread
("Anonymous 2") and nothing shared with the author's anonymous posts elsewhere: the
label is counted per thread, the post's id is a fresh random one, and what the node
logs, reports or counts of it names no member, and a suspension does not make it vanish
with its author's other posts. Each defence is one function here, so that the anonymity
crawl (``tests/rig/test_anonymous_posts.py``) can switch them off in turn.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.errors import InvalidInput
from node.storage.models.groups import Group
from node.storage.models.posts import Post
from node.views import ActorRef, Viewer

REFUSED = "this group does not take anonymous posts"
ELSEWHERE = (
    "anonymous posts are only possible in groups hosted on this node, "
    "or on another Kinfolk node that takes them"
)


def require_allowed(group: Group, *, group_is_local: bool) -> None:
    """An anonymous post needs a group that allows them: here, or a Kinfolk group elsewhere
    whose actor says it takes them (``kinfolk:anonymousPosts``; no other software says so,
    and none could be trusted to keep the author unnamed: see FEDERATION.md)."""
    if not group.allow_anonymous_posts:
        raise InvalidInput(REFUSED if group_is_local else ELSEWHERE, field="anonymous")


async def label_in_thread(
    session: AsyncSession, author_id: int, parent: Post | None, *, token: str | None = None
) -> int:
    """The author's number among the anonymous writers of the thread ``parent`` is in (a
    new thread: 1): the one they have there already, else the next free one. A writer
    from another node is known by ``token`` (their node is the author of all of its
    members' anonymous posts here)."""
    if parent is None:
        return 1
    root = parent.thread_id or parent.id
    in_thread = (Post.thread_id == root) | (Post.id == root)
    anonymous = select(Post.anonymous_label).where(in_thread, Post.anonymous.is_(True))
    own_posts = anonymous.where(Post.author_id == author_id)
    if token is not None:
        own_posts = own_posts.where(Post.anonymous_token == token)
    own = await session.scalar(own_posts.limit(1))
    if own is not None:
        return own
    highest = await session.scalar(
        select(func.max(Post.anonymous_label)).where(in_thread, Post.anonymous.is_(True))
    )
    return (highest or 0) + 1


def shown_author(post: Post, viewer: Viewer | None, author: ActorRef, group: ActorRef) -> ActorRef:
    """Whom a post is shown as written by: an anonymous one by its group, to everyone
    (other nodes included) but its author."""
    if post.anonymous and (viewer is None or viewer.actor_id != post.author_id):
        return group
    return author


def logged_author_id(post: Post) -> int | None:
    """The author a log entry or a report about ``post`` may name: none when it is
    anonymous (the group's log is public, and its moderators must not learn who)."""
    return None if post.anonymous else post.author_id


def hidden_with_author(row: type[Post]) -> ColumnElement[bool]:
    """Which posts disappear when their author's account is suspended: not anonymous ones.
    A suspended account's actor says so in public, and its anonymous posts vanishing at
    that moment would name their writer; moderators remove them like any post."""
    return row.anonymous.is_(False)


def counted_as_activity() -> ColumnElement[bool]:
    """Which local posts tell NodeInfo that their author is active: not anonymous ones (a
    small node's count going up would say who just wrote)."""
    return Post.anonymous.is_(False)

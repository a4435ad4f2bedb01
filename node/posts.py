"""Posts in groups: thread starts, threaded replies, edits, deletion, removal, support.

A deleted post stays as a tombstone (no author, no content) so the replies under
it keep their place in the conversation; its text is wiped at once rather than
hidden, because people delete what they regret sharing.

A post a moderator removes is different: its text is kept, so that a mistaken
removal can be undone (``restore_post``), but everyone sees it as a tombstone
except the group's moderators and node staff, who may ask to see it
(``show_removed``). A post held for approval (pre-moderation, ``node.held_posts``)
is seen by its author and those moderators only, and does not leave the node
until it is approved. Our member's post in a group elsewhere is seen by its
author alone until that group shares it (``node.pending_posts``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from node import moderation, permissions
from node.actors import actor_ref
from node.content import render_markdown, sanitize_html
from node.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from node.events import EventKind
from node.events import record as record_event
from node.federation_policy.visibility import (
    DomainFilter,
    author_domains,
    decision_for,
    without_hidden,
)
from node.groups import (
    CONTENT_WARNING_MAX,
    GroupRecord,
    group_record,
    load_group,
    readable_by_node,
    validate_language,
)
from node.handles import check_length
from node.ids import new_public_id
from node.pagination import Page, check_limit, decode_cursor, encode_cursor
from node.pending_posts import tell_author_declined
from node.reactions import add_support
from node.site import Site
from node.storage.models.actors import Actor
from node.storage.models.groups import Group, GroupRole, Membership, MembershipState, Visibility
from node.storage.models.moderation import ModAction
from node.storage.models.posts import Post, Reaction, ReactionKind
from node.suspensions import suspended_actors, suspended_among
from node.views import PostView, Viewer

TITLE_MAX = 300
BODY_MAX = 50_000
DECLINED = "the group did not accept this post"


def _clean_body(body: str) -> str:
    check_length(body, BODY_MAX, "body")
    if not body.strip():
        raise InvalidInput("write something before posting", field="body")
    return body


def _clean_title(title: str | None) -> str | None:
    if title is None:
        return None
    return check_length(title.strip(), TITLE_MAX, "title", minimum=1)


def _live(row: type[Post]) -> ColumnElement[bool]:
    """Posts everyone who may read the group sees whole: not deleted, removed, held, or
    waiting for a group elsewhere to share them."""
    return and_(
        row.deleted_at.is_(None),
        row.removed_at.is_(None),
        row.held_at.is_(None),
        row.pending_at.is_(None),
        _by_active_account(row),
    )


def readable_by_anyone(row: type[Post]) -> ColumnElement[bool]:
    """Posts a passer-by reads whole now: live (``_live``) and in a public group."""
    public_groups = select(Group.id).where(Group.visibility == Visibility.PUBLIC)
    return and_(_live(row), row.group_id.in_(public_groups))


async def count_public_local_posts(session: AsyncSession) -> int:
    """Posts and replies by this node's members that anyone may read now: what the node
    may say about its activity (NodeInfo) without telling that a private group is busy."""
    statement = select(func.count()).where(Post.local.is_(True), readable_by_anyone(Post))
    return await session.scalar(statement) or 0


def _by_active_account(row: type[Post]) -> ColumnElement[bool]:
    """Not by a suspended account: those posts are hidden like removed ones."""
    return row.author_id.not_in(suspended_actors())


def _unshared_visible(viewer: Viewer | None, moderating: bool) -> ColumnElement[bool]:
    """Held posts are listed for their author and the group's moderators only; a post
    waiting for a group elsewhere to share it, for its author alone."""
    if viewer is None:
        return and_(Post.held_at.is_(None), Post.pending_at.is_(None))
    mine = Post.author_id == viewer.actor_id
    held = true() if moderating else or_(Post.held_at.is_(None), mine)
    return and_(held, or_(Post.pending_at.is_(None), mine))


def _refuse_if_gone(post: Post) -> None:
    """What no longer takes replies, edits or support: deleted, removed or held posts."""
    if post.deleted_at is not None:
        raise Conflict("this post was deleted")
    if post.removed_at is not None and post.pending_at is not None:
        raise Conflict(DECLINED)
    if post.removed_at is not None:
        raise Conflict("this post was removed by a moderator")
    if post.held_at is not None:
        raise Conflict("this post is waiting for a moderator's approval")
    if post.pending_at is not None:
        raise Conflict("this post is waiting for its group to share it")


async def load_post(
    session: AsyncSession, viewer: Viewer | None, public_id: str
) -> tuple[Post, GroupRecord]:
    """A post and its group, checked for visibility to ``viewer``."""
    post = await session.scalar(select(Post).where(Post.public_id == public_id))
    if post is None:
        raise NotFound("no such post")
    group = await session.get_one(Group, post.group_id)
    group_actor = await session.get_one(Actor, group.actor_id)
    try:
        record = await group_record(session, viewer, group_actor)
    except NotFound:
        raise NotFound("no such post") from None
    if not permissions.can_read_content(group.visibility, record.membership):
        # Do not confirm that a private post exists to someone outside the group.
        raise NotFound("no such post")
    if post.held_at is not None and not permissions.can_see_held(
        viewer, post.author_id, record.membership
    ):
        raise NotFound("no such post")
    if post.pending_at is not None and (viewer is None or viewer.actor_id != post.author_id):
        raise NotFound("no such post")  # its group has not shared it: its author's alone
    await _require_author_shown(session, post, record)
    return post, record


async def _require_author_shown(session: AsyncSession, post: Post, record: GroupRecord) -> None:
    """A post by an actor of a domain the federation policy hides (or limits, to those who
    are not approved members of its group) answers word for word as a missing one."""
    author = await session.get_one(Actor, post.author_id)
    decision = await decision_for(session, author)
    if not permissions.can_see_content_from(
        hidden=not decision.federates, limited=decision.limited, membership=record.membership
    ):
        raise NotFound("no such post")


async def _shown_posts(
    session: AsyncSession, statement: Select[Post], record: GroupRecord
) -> Sequence[Post]:
    """The page ``statement`` selects in ``record``'s group, without what
    ``_require_author_shown`` hides of one post: posts of hidden domains, and of limited
    ones but for the group's approved members."""
    member = permissions.can_see_content_from(
        hidden=False, limited=True, membership=record.membership
    )

    async def run(shown: DomainFilter) -> Sequence[Post]:
        condition = shown.actors_shown(Post.author_id, limited_too=not member)
        return (await session.scalars(statement.where(condition))).all()

    async def domains(page: Sequence[Post]) -> set[str]:
        return await author_domains(session, {post.author_id for post in page})

    return await without_hidden(session, run, domains)


async def views_of(
    session: AsyncSession,
    viewer: Viewer | None,
    posts: Sequence[Post],
    *,
    show_removed: bool = False,
) -> list[PostView]:
    """Views for a page of posts, with every related fact fetched in a few batched queries.
    Removed posts are tombstones unless ``show_removed`` (the caller checked the viewer
    may see them)."""
    if not posts:
        return []
    ids = [p.id for p in posts]
    group_ids = {p.group_id for p in posts}
    groups = {g.id: g for g in await session.scalars(select(Group).where(Group.id.in_(group_ids)))}
    actor_ids = {p.author_id for p in posts} | {g.actor_id for g in groups.values()}
    actors = {a.id: a for a in await session.scalars(select(Actor).where(Actor.id.in_(actor_ids)))}
    linked = {p.in_reply_to_id for p in posts} | {p.thread_id for p in posts}
    linked.discard(None)
    linked_rows = await session.execute(
        select(Post.id, Post.public_id, Post.uri, Post.locked_at).where(Post.id.in_(linked))
    )
    public_ids: dict[int, str] = {}
    uris: dict[int, str] = {}
    locked_threads: set[int] = set()
    for row_id, public_id, uri, locked_at in linked_rows:
        public_ids[row_id], uris[row_id] = public_id, uri
        if locked_at is not None:
            locked_threads.add(row_id)
    reply_counts: dict[int | None, int] = {
        thread_id: count
        for thread_id, count in await session.execute(
            select(Post.thread_id, func.count())
            .where(Post.thread_id.in_(ids), _live(Post))
            .group_by(Post.thread_id)
        )
    }
    mine: set[int] = set()
    counts: dict[int, int] = {}
    if viewer is not None:
        mine = set(
            await session.scalars(
                select(Reaction.post_id).where(
                    Reaction.post_id.in_(ids), Reaction.actor_id == viewer.actor_id
                )
            )
        )
        own = [p.id for p in posts if p.author_id == viewer.actor_id]
        if own:
            counts = {
                post_id: count
                for post_id, count in await session.execute(
                    select(Reaction.post_id, func.count())
                    .where(Reaction.post_id.in_(own))
                    .group_by(Reaction.post_id)
                )
            }
    suspended = await suspended_among(session, {p.author_id for p in posts})
    views = []
    for post in posts:
        removed = post.removed_at is not None
        hidden = removed or post.author_id in suspended  # a suspended account's: alike
        is_author = viewer is not None and viewer.actor_id == post.author_id
        declined = removed and post.pending_at is not None
        # Turned down before its group shared it, it never left that group's moderators:
        # its author keeps their words.
        shown_whole = show_removed or (declined and is_author)
        deleted = post.deleted_at is not None or (hidden and not shown_whole)
        views.append(
            PostView(
                public_id=post.public_id,
                uri=post.uri,
                group=actor_ref(actors[groups[post.group_id].actor_id]),
                author=None if deleted else actor_ref(actors[post.author_id]),
                title=None if deleted else post.title,
                content_html="" if deleted else post.content_html,
                source=post.source if is_author and not deleted else None,
                content_warning="" if deleted else post.content_warning,
                language=post.language,
                published_at=post.published_at,
                edited_at=post.edited_at,
                deleted=deleted,
                in_reply_to=public_ids.get(post.in_reply_to_id) if post.in_reply_to_id else None,
                in_reply_to_uri=uris.get(post.in_reply_to_id) if post.in_reply_to_id else None,
                group_public=groups[post.group_id].visibility is Visibility.PUBLIC,
                pinned=post.pinned_at is not None and not deleted,
                thread=public_ids.get(post.thread_id) if post.thread_id else None,
                reply_count=reply_counts.get(post.id, 0),
                supported_by_me=post.id in mine,
                support_count=counts.get(post.id, 0) if is_author and not deleted else None,
                removed=removed,
                locked=post.locked_at is not None or post.thread_id in locked_threads,
                held=post.held_at is not None,
                pending=post.pending_at is not None,
                declined=declined,
            )
        )
    return views


async def _insert_post(
    session: AsyncSession,
    site: Site,
    viewer: Viewer,
    group: Group,
    *,
    title: str | None,
    body: str,
    content_warning: str | None,
    language: str | None,
    parent: Post | None,
    now: datetime,
) -> Post:
    warning = group.default_content_warning if content_warning is None else content_warning
    public_id = new_public_id(now)
    post = Post(
        public_id=public_id,
        uri=site.post_uri(public_id),
        local=True,
        author_id=viewer.actor_id,
        group_id=group.id,
        thread_id=None if parent is None else (parent.thread_id or parent.id),
        in_reply_to_id=None if parent is None else parent.id,
        title=_clean_title(title),
        source=_clean_body(body),
        content_html=render_markdown(body),
        content_warning=check_length(warning.strip(), CONTENT_WARNING_MAX, "content_warning"),
        language=validate_language(language or group.language),
        published_at=now,
    )
    if not (await session.get_one(Actor, group.actor_id)).local:
        post.pending_at = now  # sent to its group, seen by its author only until shared
    elif await _needs_approval(session, group, viewer.actor_id):
        post.held_at = now  # not shared (no event) until a moderator approves it
    session.add(post)
    await session.flush()
    if post.held_at is None:
        await record_event(
            session, EventKind.POST_CREATED, actor_id=viewer.actor_id, subject_id=post.id, now=now
        )
    return post


async def _needs_approval(session: AsyncSession, group: Group, author_id: int) -> bool:
    """Whether a new post of ``author_id`` in ``group`` waits for a moderator (pre-moderation)."""
    if not group.hold_new_members_posts:
        return False
    membership = await session.scalar(
        select(Membership).where(Membership.group_id == group.id, Membership.member_id == author_id)
    )
    return membership is not None and permissions.needs_approval(
        group.hold_new_members_posts, membership.role, membership.trusted_at
    )


async def create_post(
    session: AsyncSession,
    site: Site,
    viewer: Viewer,
    group_acct: str,
    *,
    body: str,
    title: str | None = None,
    content_warning: str | None = None,
    language: str | None = None,
    now: datetime,
) -> PostView:
    """Start a thread in a group. Without a content warning the group's default applies."""
    record = await load_group(session, site, viewer, group_acct)
    permissions.require_can_post(record.membership, record.group.posting_restricted_to_moderators)
    post = await _insert_post(
        session,
        site,
        viewer,
        record.group,
        title=title,
        body=body,
        content_warning=content_warning,
        language=language,
        parent=None,
        now=now,
    )
    return (await views_of(session, viewer, [post]))[0]


async def reply(
    session: AsyncSession,
    site: Site,
    viewer: Viewer,
    parent_id: str,
    *,
    body: str,
    content_warning: str | None = None,
    language: str | None = None,
    now: datetime,
) -> PostView:
    """Reply to a post or to another reply, at any depth, unless its thread is locked."""
    parent, record = await load_post(session, viewer, parent_id)
    thread = parent if parent.thread_id is None else await session.get_one(Post, parent.thread_id)
    permissions.require_can_reply(record.membership, thread_locked=thread.locked_at is not None)
    if parent.deleted_at is not None:
        raise Conflict("this post was deleted; it can no longer be answered")
    _refuse_if_gone(parent)
    post = await _insert_post(
        session,
        site,
        viewer,
        record.group,
        title=None,
        body=body,
        content_warning=content_warning,
        language=language or parent.language,
        parent=parent,
        now=now,
    )
    return (await views_of(session, viewer, [post]))[0]


async def view_for_federation(session: AsyncSession, post: Post) -> PostView:
    """A post as its group shares it with member nodes (no viewer: federation decides
    who receives it, so no visibility check applies here)."""
    return (await views_of(session, None, [post]))[0]


async def get_post(
    session: AsyncSession, viewer: Viewer | None, public_id: str, *, show_removed: bool = False
) -> PostView:
    """A post; a removed one whole only to its group's moderators and staff who ask."""
    post, record = await load_post(session, viewer, public_id)
    show = show_removed and permissions.can_moderate_posts(viewer, record.membership)
    return (await views_of(session, viewer, [post], show_removed=show))[0]


async def post_for_node(session: AsyncSession, public_id: str, domain: str | None) -> PostView:
    """A post as another node (``None``: an unsigned request) may fetch it: a private
    group's posts only by nodes hosting the group or an approved member of it."""
    post = await session.scalar(select(Post).where(Post.public_id == public_id))
    if post is None:
        raise NotFound("no such post")
    group = await session.get_one(Group, post.group_id)
    group_actor = await session.get_one(Actor, group.actor_id)
    unshared = post.held_at is not None or post.pending_at is not None
    if unshared or not await readable_by_node(session, group, group_actor, domain):
        raise NotFound("no such post")  # word for word as a missing one
    author = await session.get_one(Actor, post.author_id)
    if not (await decision_for(session, author)).federates:
        raise NotFound("no such post")  # hidden here, so not served from here either
    return (await views_of(session, None, [post]))[0]


async def post_at_for_node(session: AsyncSession, uri: str, domain: str | None) -> PostView:
    """The post named ``uri`` (ours or held here), as ``post_for_node`` lets ``domain`` see it."""
    public_id = await session.scalar(select(Post.public_id).where(Post.uri == uri))
    if public_id is None:
        raise NotFound("no such post")
    return await post_for_node(session, public_id, domain)


async def list_threads(
    session: AsyncSession,
    site: Site,
    viewer: Viewer | None,
    group_acct: str,
    *,
    cursor: str | None = None,
    limit: int | None = None,
    show_removed: bool = False,
) -> Page[PostView]:
    """A group's thread starts, newest first; deleted (or removed) threads with no live reply
    are left out. Held threads are listed for their author and the moderators only."""
    limit = check_limit(limit)
    record = await load_group(session, site, viewer, group_acct)
    permissions.require_content_readable(record.group.visibility, record.membership)
    moderating = permissions.can_moderate_posts(viewer, record.membership)
    show = show_removed and moderating
    reply_row = aliased(Post)
    has_replies = select(reply_row.id).where(reply_row.thread_id == Post.id, _live(reply_row))
    shown = true() if show else and_(Post.removed_at.is_(None), _by_active_account(Post))
    if viewer is not None:  # its author still finds a post its group elsewhere turned down
        declined = and_(Post.pending_at.is_not(None), Post.author_id == viewer.actor_id)
        shown = or_(shown, declined)
    whole = and_(Post.deleted_at.is_(None), shown)
    statement = (
        select(Post)
        .where(
            Post.group_id == record.group.id,
            Post.in_reply_to_id.is_(None),
            or_(whole, has_replies.exists()),
            _unshared_visible(viewer, moderating),
        )
        .order_by(Post.published_at.desc(), Post.id.desc())
        .limit(limit + 1)
    )
    if cursor:
        at, post_id = decode_cursor(cursor, datetime, int)
        statement = statement.where(
            or_(Post.published_at < at, and_(Post.published_at == at, Post.id < post_id))
        )
    posts = await _shown_posts(session, statement, record)
    next_cursor = None
    if len(posts) > limit:
        last = posts[limit - 1]
        next_cursor = encode_cursor(last.published_at, last.id)
    items = await views_of(session, viewer, posts[:limit], show_removed=show)
    return Page(items=items, next_cursor=next_cursor)


async def list_replies(
    session: AsyncSession,
    viewer: Viewer | None,
    public_id: str,
    *,
    cursor: str | None = None,
    limit: int | None = None,
    show_removed: bool = False,
) -> Page[PostView]:
    """Every reply in the thread that ``public_id`` starts, oldest first; each names its
    parent (``in_reply_to``) so clients build the tree. Removed replies are tombstones
    (whole for moderators who ask); held ones are for their author and the moderators."""
    limit = check_limit(limit)
    post, record = await load_post(session, viewer, public_id)
    moderating = permissions.can_moderate_posts(viewer, record.membership)
    root_id = post.thread_id or post.id
    statement = (
        select(Post)
        .where(
            Post.thread_id == root_id,
            _unshared_visible(viewer, moderating),
        )
        .order_by(Post.published_at, Post.id)
        .limit(limit + 1)
    )
    if cursor:
        at, post_id = decode_cursor(cursor, datetime, int)
        statement = statement.where(
            or_(Post.published_at > at, and_(Post.published_at == at, Post.id > post_id))
        )
    posts = await _shown_posts(session, statement, record)
    next_cursor = None
    if len(posts) > limit:
        last = posts[limit - 1]
        next_cursor = encode_cursor(last.published_at, last.id)
    show = show_removed and moderating
    items = await views_of(session, viewer, posts[:limit], show_removed=show)
    return Page(items=items, next_cursor=next_cursor)


async def edit_post(
    session: AsyncSession,
    viewer: Viewer,
    public_id: str,
    *,
    body: str | None = None,
    title: str | None = None,
    content_warning: str | None = None,
    now: datetime,
) -> PostView:
    """The author changes what they wrote; the post is marked as edited."""
    post, group = await load_post(session, viewer, public_id)
    permissions.require_can_edit(viewer, post.author_id, group.membership)
    if post.deleted_at is not None:
        raise Conflict("this post was deleted")
    if post.removed_at is not None:
        raise Conflict(DECLINED if post.pending_at else "this post was removed by a moderator")
    if title is not None:
        if post.in_reply_to_id is not None:
            raise InvalidInput("replies have no title", field="title")
        post.title = _clean_title(title)
    if body is not None:
        post.source = _clean_body(body)
        post.content_html = render_markdown(body)
    if content_warning is not None:
        post.content_warning = check_length(
            content_warning.strip(), CONTENT_WARNING_MAX, "content_warning"
        )
    post.edited_at = now
    if post.held_at is None:  # a held post is shared as it is once approved
        await record_event(
            session, EventKind.POST_EDITED, actor_id=viewer.actor_id, subject_id=post.id, now=now
        )
    return (await views_of(session, viewer, [post]))[0]


async def delete_post(
    session: AsyncSession, viewer: Viewer, public_id: str, *, now: datetime
) -> None:
    """Delete a post: its author may; for anyone else (the group's moderators, node staff)
    this is a removal (``remove_post``), their own act, without a reason."""
    post, group = await load_post(session, viewer, public_id)
    permissions.require_can_delete(viewer, post.author_id, group.membership)
    if viewer.actor_id != post.author_id:
        await _remove(session, viewer, post, group, reason="", now=now)
        return
    if post.deleted_at is not None:
        return
    _wipe(post, now)
    if post.held_at is None:  # a held post never left this node
        await record_event(
            session, EventKind.POST_DELETED, actor_id=viewer.actor_id, subject_id=post.id, now=now
        )


async def remove_post(
    session: AsyncSession, viewer: Viewer, public_id: str, *, reason: str, now: datetime
) -> None:
    """A moderator removes a post or reply, saying why: hidden from all but the group's
    moderators and staff (kept, so it can be restored), written to the group's moderation
    log, and sent as the moderator's act (not the author's)."""
    post, group = await load_post(session, viewer, public_id)
    permissions.require_can_remove(viewer, group.membership)
    await _remove(session, viewer, post, group, reason=moderation.clean_reason(reason), now=now)


async def _remove(
    session: AsyncSession,
    viewer: Viewer,
    post: Post,
    group: GroupRecord,
    *,
    reason: str,
    now: datetime,
) -> None:
    if post.deleted_at is not None or post.removed_at is not None:
        return
    post.removed_at = now
    await _moderated(session, viewer, post, group, ModAction.REMOVE_POST, reason=reason, now=now)


_EVENT_OF = {
    ModAction.REMOVE_POST: EventKind.POST_REMOVED,
    ModAction.RESTORE_POST: EventKind.POST_RESTORED,
}


async def _moderated(
    session: AsyncSession,
    viewer: Viewer,
    post: Post,
    group: GroupRecord,
    action: ModAction,
    *,
    reason: str,
    now: datetime,
) -> None:
    """What a removal or restoring leaves behind: the event that federates it (for a held
    post, which never left this node, only the word to a remote author's node that it was
    turned down) and, in a group hosted here, the log entry."""
    if post.held_at is None:
        await record_event(
            session,
            _EVENT_OF[action],
            actor_id=viewer.actor_id,
            subject_id=post.id,
            now=now,
            reason=reason,
        )
    elif action is ModAction.REMOVE_POST:
        await tell_author_declined(session, post, viewer.actor_id, now=now)
    if group.actor.local:
        await moderation.record_action(
            session,
            group.group,
            action,
            moderator_id=viewer.actor_id,
            target_uri=post.uri,
            target_post_id=post.id,
            target_actor_id=post.author_id,
            reason=reason,
            now=now,
        )


async def removed_elsewhere(
    session: AsyncSession, group: Group, uri: str, *, now: datetime
) -> bool:
    """A group elsewhere removed one of its posts (its node moderates it): hidden here too,
    ours or not, and kept in case it restores it. False if we hold no such post in that
    group."""
    post = await _post_in(session, group, uri)
    if post is None:
        return False
    if post.deleted_at is None and post.removed_at is None:
        post.removed_at = now
    return True


async def restore_post(
    session: AsyncSession, viewer: Viewer, public_id: str, *, reason: str, now: datetime
) -> PostView:
    """A moderator undoes a removal, saying why: the post is back for everyone, the act is
    written to the group's log and sent as the moderator's ``Undo`` of the removal.
    Idempotent; a post its author deleted has nothing left to restore."""
    post, group = await load_post(session, viewer, public_id)
    permissions.require_can_moderate_posts(viewer, group.membership)
    reason = moderation.clean_reason(reason)
    if post.deleted_at is not None:
        raise Conflict("its author deleted this post: there is nothing left to restore")
    if post.removed_at is not None:
        post.removed_at = None
        await _moderated(
            session, viewer, post, group, ModAction.RESTORE_POST, reason=reason, now=now
        )
    return (await views_of(session, viewer, [post]))[0]


async def restored_elsewhere(session: AsyncSession, group: Group, uri: str) -> bool:
    """A group elsewhere restored a post it had removed: shown here again (unless its author
    deleted it meanwhile). False if we hold no such post in that group."""
    post = await _post_in(session, group, uri)
    if post is None:
        return False
    post.removed_at = None
    return True


async def _post_in(session: AsyncSession, group: Group, uri: str) -> Post | None:
    return await session.scalar(select(Post).where(Post.uri == uri, Post.group_id == group.id))


def _wipe(post: Post, now: datetime) -> None:
    post.deleted_at = now
    post.title = None
    post.source = None
    post.content_html = ""
    post.content_warning = ""


async def set_support(
    session: AsyncSession, viewer: Viewer, public_id: str, *, on: bool, now: datetime
) -> PostView:
    """Send (or take back) a supportive reaction. Idempotent either way; a change is
    recorded for federation (the group shares it with its members on other nodes)."""
    post, record = await load_post(session, viewer, public_id)
    permissions.require_can_react(record.membership)
    _refuse_if_gone(post)
    existing = await session.scalar(
        select(Reaction).where(
            Reaction.post_id == post.id,
            Reaction.actor_id == viewer.actor_id,
            Reaction.kind == ReactionKind.SUPPORT,
        )
    )
    if on and existing is None:
        reaction = await add_support(session, post, viewer.actor_id, activity_uri=None, now=now)
        if reaction is not None:
            await record_event(
                session,
                EventKind.REACTED,
                actor_id=viewer.actor_id,
                subject_id=reaction.id,
                now=now,
            )
    elif not on and existing is not None:
        like_uri = existing.activity_uri
        await session.delete(existing)
        await session.flush()
        await record_event(
            session,
            EventKind.UNREACTED,
            actor_id=viewer.actor_id,
            subject_id=post.id,
            now=now,
            like_uri=like_uri,
        )
    return (await views_of(session, viewer, [post]))[0]


async def store_remote_post(
    session: AsyncSession,
    *,
    uri: str,
    author: Actor,
    group: Group,
    in_reply_to_uri: str | None,
    title: str | None,
    content_html: str,
    content_warning: str,
    language: str,
    published_at: datetime,
    edited_at: datetime | None,
    activity_uri: str | None = None,
    now: datetime,
) -> Post:
    """Store (or update) a post written on another node. Its HTML is sanitised here.

    Into a group hosted here, only its approved members may write (and only its
    moderators start threads where posting is restricted, or answer in locked
    threads); the post is then recorded for the group to share with its members
    on every node, under the id of the activity that brought it
    (``activity_uri``), unless it waits for a moderator's approval (then it is
    shared when approved).
    """
    post = await session.scalar(select(Post).where(Post.uri == uri))
    created = post is None
    parent = None
    if in_reply_to_uri is not None:
        parent = await session.scalar(select(Post).where(Post.uri == in_reply_to_uri))
    group_actor = await session.get_one(Actor, group.actor_id)
    hosted_here = group_actor.local
    held = False
    if hosted_here:
        membership = await _require_remote_writer(
            session, group, group_actor, author, thread_start=parent is None
        )
        if created and parent is not None:
            await _require_open_thread(session, parent, membership)
        held = created and permissions.needs_approval(
            group.hold_new_members_posts, membership.role, membership.trusted_at
        )
    if parent is not None and parent.group_id != group.id:
        raise PermissionDenied("a reply belongs to the group of the post it answers")
    if post is None:
        post = Post(
            public_id=new_public_id(published_at),
            uri=uri,
            local=False,
            author_id=author.id,
            group_id=group.id,
            thread_id=None if parent is None else (parent.thread_id or parent.id),
            in_reply_to_id=None if parent is None else parent.id,
            published_at=published_at,
        )
        session.add(post)
    elif post.author_id != author.id or post.local:
        raise PermissionDenied(f"{author.uri} cannot change {uri}")
    post.title = title[:TITLE_MAX] if title else None
    post.content_html = sanitize_html(content_html)
    post.content_warning = content_warning[:CONTENT_WARNING_MAX]
    post.language = language[:16] or "en"
    post.edited_at = edited_at
    if held:
        post.held_at = now
    await session.flush()
    if hosted_here and post.held_at is None and post.removed_at is None:
        kind = EventKind.POST_CREATED if created else EventKind.POST_EDITED
        await record_event(
            session, kind, actor_id=author.id, subject_id=post.id, now=now, activity=activity_uri
        )
    return post


async def _require_open_thread(session: AsyncSession, parent: Post, membership: Membership) -> None:
    """A reply from another node to a thread of a group hosted here: this node is the
    authority on whether the thread still takes replies."""
    thread = parent if parent.thread_id is None else await session.get_one(Post, parent.thread_id)
    permissions.require_thread_open(thread.locked_at is not None, membership.role)
    if parent.held_at is not None:
        raise PermissionDenied(f"{parent.uri} is waiting for a moderator's approval")


async def _require_remote_writer(
    session: AsyncSession, group: Group, group_actor: Actor, author: Actor, *, thread_start: bool
) -> Membership:
    """Refusals name the group: they end up in a log that covers every group here."""
    membership = await session.scalar(
        select(Membership).where(Membership.group_id == group.id, Membership.member_id == author.id)
    )
    name = f"{group_actor.handle}@{group_actor.domain}"
    if membership is not None and membership.state is MembershipState.BANNED:
        raise PermissionDenied(f"{author.uri} is banned from {name}")
    if membership is None or membership.state is not MembershipState.APPROVED:
        raise PermissionDenied(f"{author.uri} is not a member of {name}, so cannot post in it")
    moderator = membership.role in {GroupRole.OWNER, GroupRole.MODERATOR}
    if thread_start and group.posting_restricted_to_moderators and not moderator:
        raise PermissionDenied(f"only the moderators of {name} start threads in it")
    return membership


async def delete_remote_post(
    session: AsyncSession, *, uri: str, author: Actor, now: datetime
) -> bool:
    """A remote author deleted their post: keep a tombstone, wipe the content."""
    post = await session.scalar(select(Post).where(Post.uri == uri))
    if post is None or post.local or post.author_id != author.id:
        return False
    await wipe_remote_post(session, post, now=now)
    return True


async def wipe_remote_post(session: AsyncSession, post: Post, *, now: datetime) -> None:
    """Wipe a post of another node's member, as its author's deletion does (of the post, or
    of their whole account): a tombstone stays. In a group hosted here the deletion is
    recorded for the group to announce to its members' nodes, so they wipe it too (not for
    a held post, which never left this node). Idempotent."""
    if post.deleted_at is not None:
        return
    _wipe(post, now)
    group = await session.get_one(Group, post.group_id)
    if (await session.get_one(Actor, group.actor_id)).local and post.held_at is None:
        await record_event(
            session, EventKind.POST_DELETED, actor_id=post.author_id, subject_id=post.id, now=now
        )

"""Sharing a check-in with a group: it becomes a post there, written by the post-writing
service as any thread start (the member must be able to post in the group; held for a
moderator, sent to a group elsewhere, anonymous where the group allows it, alike), and
marked with its scale (``posts.check_in_scale``) for its gentle look.

The post's text says the step in words, the member's feeling words and their note, in
the member's language (``scale.share_text``), so it reads well on any server. Once
shared, the post is the group's as any post: deleting the check-in leaves it, deleting
the post leaves the check-in (which may then be shared again).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node.checkins.recording import load_own, words_of
from node.checkins.scale import share_text
from node.crisis.drafts import draft_looks_like_crisis
from node.errors import Conflict
from node.kinds import GroupRole, MembershipState
from node.posts import writing
from node.site import Site
from node.storage.models.actors import Account, Actor
from node.storage.models.groups import Group, Membership
from node.storage.models.posts import Post
from node.views import PostView, Viewer


@dataclass(frozen=True)
class Shared:
    post: PostView
    # The words sounded like a crisis (``node.crisis.drafts``): offer the resources.
    crisis_prompt: bool


async def share_check_in(
    session: AsyncSession,
    site: Site,
    viewer: Viewer,
    public_id: str,
    group_acct: str,
    *,
    anonymous: bool = False,
    now: datetime,
) -> Shared:
    """Share one of the viewer's check-ins with a group they may post in."""
    check_in = await load_own(session, viewer, public_id)
    if check_in.shared_post_id is not None:
        deleted = await session.scalar(
            select(Post.deleted_at).where(Post.id == check_in.shared_post_id)
        )
        if deleted is None:
            raise Conflict("this check-in is already shared; delete that post to share it again")
    language = (await session.get_one(Account, viewer.account_id)).locale
    words = words_of(check_in)
    view = await writing.create_post(
        session,
        site,
        viewer,
        group_acct,
        body=share_text(check_in.scale, words, check_in.note, language),
        language=language,
        anonymous=anonymous,
        now=now,
        check_in_scale=check_in.scale,
    )
    post = await session.scalar(select(Post).where(Post.public_id == view.public_id))
    assert post is not None
    check_in.shared_post_id = post.id
    prompt = await draft_looks_like_crisis(session, *words, check_in.note)
    return Shared(post=view, crisis_prompt=prompt)


@dataclass(frozen=True)
class ShareableGroup:
    acct: str
    name: str
    # The group takes anonymous posts: a check-in may be shared there anonymously.
    anonymous: bool


async def groups_to_share_with(session: AsyncSession, viewer: Viewer) -> list[ShareableGroup]:
    """The groups, here and elsewhere, where the viewer may start a thread: where a
    check-in may be shared (by name)."""
    rows = await session.execute(
        select(Actor.handle, Actor.domain, Actor.display_name, Group.allow_anonymous_posts)
        .join(Group, Group.actor_id == Actor.id)
        .join(Membership, Membership.group_id == Group.id)
        .where(
            Membership.member_id == viewer.actor_id,
            Membership.state == MembershipState.APPROVED,
            Group.posting_restricted_to_moderators.is_(False)
            | (Membership.role != GroupRole.MEMBER),
        )
        .order_by(Actor.handle_key, Actor.domain)
    )
    return [
        ShareableGroup(acct=f"{handle}@{domain}", name=display_name or handle, anonymous=anonymous)
        for handle, domain, display_name, anonymous in rows
    ]

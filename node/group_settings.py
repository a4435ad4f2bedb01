"""A group's moderation settings, changed by its moderators.

The group's default support topics (``node.topics``) are given to its new posts
whose authors choose none. The other settings are the group's own business and stay
on its node: whether its public moderation log names who acted
(``hide_moderator_names``), whether posts of new members wait for approval
(``hold_new_members_posts``, see ``node.held_posts``), and whether members may post
anonymously (``allow_anonymous_posts``, see ``node.posts.anonymity``), and whether a
private group admits members of this node and of trusted nodes only
(``trusted_nodes_only``: a request from elsewhere is turned down with the reason, and
members already in stay, see ``node.remote_members``). Turning
pre-moderation on trusts every member approved at that moment: they are not new, and
their next posts should not wait.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from node import events, permissions, topics
from node.errors import InvalidInput, PermissionDenied
from node.groups import loading
from node.kinds import MembershipState, Visibility
from node.site import Site
from node.storage.models.groups import Membership
from node.views import GroupView, Viewer


async def update_settings(
    session: AsyncSession,
    site: Site,
    viewer: Viewer,
    group_acct: str,
    *,
    hide_moderator_names: bool | None = None,
    hold_new_members_posts: bool | None = None,
    allow_anonymous_posts: bool | None = None,
    trusted_nodes_only: bool | None = None,
    now: datetime,
) -> GroupView:
    """Change what is given (None: leave as it is); only a group hosted here, by its
    moderators."""
    record = await loading.load_group(session, site, viewer, group_acct)
    permissions.require_group_moderator(record.membership)
    if not record.actor.local:
        raise PermissionDenied("a group on another node is set up there")
    group = record.group
    if hide_moderator_names is not None:
        group.hide_moderator_names = hide_moderator_names
    if hold_new_members_posts is not None:
        if hold_new_members_posts and not group.hold_new_members_posts:
            await session.execute(
                update(Membership)
                .where(
                    Membership.group_id == group.id,
                    Membership.state == MembershipState.APPROVED,
                    Membership.trusted_at.is_(None),
                )
                .values(trusted_at=now)
            )
        group.hold_new_members_posts = hold_new_members_posts
    if allow_anonymous_posts is not None and allow_anonymous_posts != group.allow_anonymous_posts:
        group.allow_anonymous_posts = allow_anonymous_posts
        # Its actor says so to other Kinfolk nodes, whose members may then post anonymously
        # in it from there (``kinfolk:anonymousPosts``): sent again.
        await events.record(
            session,
            events.EventKind.GROUP_UPDATED,
            actor_id=record.actor.id,
            subject_id=group.id,
            now=now,
        )
    if trusted_nodes_only is not None:
        if trusted_nodes_only and group.visibility is not Visibility.PRIVATE:
            raise InvalidInput(
                "only a private group can admit members of trusted nodes only",
                field="trusted_nodes_only",
            )
        group.trusted_nodes_only = trusted_nodes_only
    await session.flush()
    return await loading.view_of(session, record)


async def set_default_topics(
    session: AsyncSession, site: Site, viewer: Viewer, group_acct: str, chosen: Sequence[str]
) -> GroupView:
    """The support topics the group's new posts carry unless their authors choose; only a
    group hosted here, by its moderators."""
    record = await loading.load_group(session, site, viewer, group_acct)
    permissions.require_group_moderator(record.membership)
    if not record.actor.local:
        raise PermissionDenied("a group on another node is set up there")
    record.group.default_topics = topics.stored(topics.parse_topics(chosen, "default_topics"))
    await session.flush()
    return await loading.view_of(session, record)

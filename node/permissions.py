"""Who may do what: every permission rule of the node, in one place.

Each rule is a pure function of the viewer and the facts at hand (the group's
settings, the viewer's membership), so the API, the pages, the CLI and incoming
federation all ask the same question and get the same answer. ``require_*``
helpers raise the domain error the caller should surface.
"""

from __future__ import annotations

from datetime import datetime

from node.errors import NotFound, PermissionDenied
from node.kinds import GroupRole, MembershipState, NodeRole, Visibility
from node.views import MembershipView, Viewer

_MODERATING = {GroupRole.MODERATOR, GroupRole.OWNER}


def is_approved(membership: MembershipView | None) -> bool:
    return membership is not None and membership.state is MembershipState.APPROVED


def is_group_moderator(membership: MembershipView | None) -> bool:
    return is_approved(membership) and membership is not None and membership.role in _MODERATING


def can_see_group(viewer: Viewer | None, visibility: Visibility) -> bool:
    """A private group's "about" is shown to signed-in members of this node (so they can
    ask to join) and to its own members; anonymous visitors learn nothing of it."""
    return visibility is Visibility.PUBLIC or viewer is not None


def can_list_group(visibility: Visibility, membership: MembershipView | None) -> bool:
    """Private groups stay out of the directory except for their own members."""
    return visibility is Visibility.PUBLIC or is_approved(membership)


def can_read_content(visibility: Visibility, membership: MembershipView | None) -> bool:
    """Posts and the member list of a private group are for its approved members only."""
    return visibility is Visibility.PUBLIC or is_approved(membership)


def can_node_read(visibility: Visibility, *, hosts_group: bool, hosts_member: bool) -> bool:
    """Another node may read a private group's content only if it hosts the group or one of
    its approved members: content goes where members are, nowhere else."""
    return visibility is Visibility.PUBLIC or hosts_group or hosts_member


def require_member_list_visible(membership: MembershipView | None) -> None:
    """Who belongs to a support group is for its members to know, never for passers-by."""
    if not is_approved(membership):
        raise PermissionDenied("only this group's members can see who belongs to it")


def require_group_visible(viewer: Viewer | None, visibility: Visibility) -> None:
    if not can_see_group(viewer, visibility):
        raise NotFound("no such group")


def require_content_readable(visibility: Visibility, membership: MembershipView | None) -> None:
    if not can_read_content(visibility, membership):
        raise PermissionDenied("only approved members can read this private group")


def require_can_post(membership: MembershipView | None, restricted_to_moderators: bool) -> None:
    if membership is not None and membership.state is MembershipState.BANNED:
        raise PermissionDenied("you are banned from this group")
    if not is_approved(membership):
        raise PermissionDenied("join the group (and be approved) before posting")
    if restricted_to_moderators and not is_group_moderator(membership):
        raise PermissionDenied("only this group's moderators can post here")


def require_can_reply(membership: MembershipView | None, *, thread_locked: bool = False) -> None:
    """A locked thread takes no new replies, except from the group's moderators (who may
    need to say why it was locked)."""
    require_can_post(membership, restricted_to_moderators=False)
    assert membership is not None  # an approved member, or require_can_post refused
    require_thread_open(thread_locked, membership.role)


def require_thread_open(thread_locked: bool, role: GroupRole) -> None:
    """The one rule on locked threads, for members here and of other nodes alike."""
    if thread_locked and role not in _MODERATING:
        raise PermissionDenied("this thread is locked: it takes no new replies")


def require_can_react(membership: MembershipView | None) -> None:
    require_can_post(membership, restricted_to_moderators=False)


def require_can_edit(viewer: Viewer, author_id: int, membership: MembershipView | None) -> None:
    if viewer.actor_id != author_id:
        raise PermissionDenied("only the author can edit a post")
    if membership is not None and membership.state is MembershipState.BANNED:
        raise PermissionDenied("you are banned from this group")


def require_can_delete(viewer: Viewer, author_id: int, membership: MembershipView | None) -> None:
    if viewer.actor_id == author_id or is_group_moderator(membership) or viewer.is_node_staff:
        return
    raise PermissionDenied("only the author, the group's moderators or node staff can delete")


def require_can_remove(viewer: Viewer, membership: MembershipView | None) -> None:
    """Removing someone's post (with a reason, in the log) is a moderator's act."""
    if not (is_group_moderator(membership) or viewer.is_node_staff):
        raise PermissionDenied("only the group's moderators or node staff can remove posts")


def can_moderate_posts(viewer: Viewer | None, membership: MembershipView | None) -> bool:
    """The group's moderators and node staff act on posts (remove, restore, lock) and see
    what they removed or what waits for approval."""
    return is_group_moderator(membership) or (viewer is not None and viewer.is_node_staff)


def require_can_moderate_posts(viewer: Viewer, membership: MembershipView | None) -> None:
    if not can_moderate_posts(viewer, membership):
        raise PermissionDenied("only the group's moderators or node staff can do that")


def can_see_moderator_names(
    hidden: bool, viewer: Viewer | None, membership: MembershipView | None
) -> bool:
    """A group may show its log with "a moderator" for who acted (the group's choice, so
    that moderators are not singled out); its moderators and node staff still see names."""
    return not hidden or can_moderate_posts(viewer, membership)


def can_see_held(viewer: Viewer | None, author_id: int, membership: MembershipView | None) -> bool:
    """A post waiting for approval is seen by its author and those who approve it."""
    return (viewer is not None and viewer.actor_id == author_id) or can_moderate_posts(
        viewer, membership
    )


def needs_approval(
    hold_new_members_posts: bool, role: GroupRole, trusted_at: datetime | None
) -> bool:
    """Pre-moderation: in a group that holds new members' posts, a member none of whose
    posts a moderator has approved yet (and who is no moderator) waits for approval."""
    return hold_new_members_posts and role not in _MODERATING and trusted_at is None


def ban_has_ended(banned_until: datetime | None, now: datetime) -> bool:
    """A ban with an end that has passed no longer holds: the member may ask to join again."""
    return banned_until is not None and banned_until <= now


def require_group_moderator(membership: MembershipView | None) -> None:
    if not is_group_moderator(membership):
        raise PermissionDenied("only this group's moderators can do that")


# --- rules and reports --------------------------------------------------------------------


def moderates_here(membership: MembershipView | None, *, hosted_here: bool) -> bool:
    """A group's moderators work its reports only where the group is moderated: its node."""
    return hosted_here and is_group_moderator(membership)


def can_work_report(viewer: Viewer, *, moderates_group: bool) -> bool:
    """Read a report in full, resolve or dismiss it: node staff, any report on this node; a
    group's moderators, the reports about their group (``moderates_here``)."""
    return viewer.is_node_staff or moderates_group


def can_follow_report(viewer: Viewer, reporter_id: int | None) -> bool:
    """Whoever reported something sees what became of it (its state), and nothing more."""
    return reporter_id is not None and viewer.actor_id == reporter_id


def can_see_reporter(viewer: Viewer) -> bool:
    """Who reported is for node staff alone: a group's moderators (like other nodes) see the
    report without the name, so nobody in a small group learns who spoke up."""
    return viewer.is_node_staff


def require_can_report(viewer: Viewer, target_actor_id: int) -> None:
    if viewer.actor_id == target_actor_id:
        raise PermissionDenied("you cannot report yourself or your own posts")


# --- federation policy and account suspension -----------------------------------------------


def can_see_content_from(*, hidden: bool, limited: bool, membership: MembershipView | None) -> bool:
    """Content from a domain the federation policy suspends (or leaves out of an allowlist) is
    shown to no one; from a limited domain, to the approved members of its group only."""
    return not hidden and (not limited or is_approved(membership))


def require_node_staff(viewer: Viewer) -> None:
    if not viewer.is_node_staff:
        raise PermissionDenied("only this node's admins and moderators can do that")


def require_node_admin(viewer: Viewer) -> None:
    if viewer.role is not NodeRole.ADMIN:
        raise PermissionDenied("only this node's admins can do that")


def require_can_suspend(viewer: Viewer, target_actor_id: int, target_role: NodeRole) -> None:
    """Node staff suspend members; only an admin suspends a moderator or another admin, and
    nobody suspends themselves (a node must never lock out its last admin by accident)."""
    require_node_staff(viewer)
    if viewer.actor_id == target_actor_id:
        raise PermissionDenied("you cannot suspend your own account")
    if target_role is not NodeRole.MEMBER and viewer.role is not NodeRole.ADMIN:
        raise PermissionDenied("only an admin can suspend a node moderator or admin")
